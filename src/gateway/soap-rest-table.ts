import type { Client, IHttpClient } from 'soap';
import { sha256Hex } from '../core/hashing.ts';
import { isResolved, type SoapRestPlan } from '../core/soap-rest.ts';
import { describePort, openWsdl, serviceOfPort, soapClient } from '../core/soap-wsdl.ts';

/**
 * A SOAP-as-REST version compiled once per change of its WSDL or plan (issue 12 item 6, docs/soap-rest.md): the
 * `soap` client of the plan's port and the operation of each resource. The calls themselves are `soap-rest.ts`'s.
 */
export interface SoapRestRoute {
  /** The operation each resource calls: `GET /TraCuu` → `TraCuu`. */
  operations: Map<string, string>;
  /** The input fields of each operation (a GET's query is read for these only). */
  inputFields: Map<string, string[]>;
  /** The client's operations of the plan's port; null when the WSDL could not be compiled (answered 500). */
  methods: Record<string, SoapMethod> | null;
}

/** How one call's envelope reaches the provider: given per call, through `soap`'s per-call options. */
export type SoapSend = (
  envelope: string,
  soapHeaders: Record<string, string>,
  callback: (err: unknown, response?: unknown, body?: string) => void,
) => void;

export type SoapMethod = (
  args: unknown,
  callback: (err: unknown, result: unknown) => void,
  options: { lgspSend: SoapSend },
) => void;

/**
 * `soap`'s HTTP client, replaced: the envelope `soap` built is handed to the call's own `lgspSend`, which sends it
 * through the gateway's pool to the version's upstream (src/gateway/soap-rest.ts). `soap`'s axios client is never
 * created, and the WSDL's `soap:address` is never called.
 */
const DelegatingExchange: IHttpClient = {
  request(_url, envelope, callback, soapHeaders, options) {
    (options as { lgspSend: SoapSend }).lgspSend(
      envelope as string,
      (soapHeaders ?? {}) as Record<string, string>,
      callback,
    );
    return undefined as unknown as ReturnType<IHttpClient['request']>;
  },
};

const compiled = new Map<string, { key: string; route: SoapRestRoute }>();

/**
 * Compiles a version's WSDL, reused across snapshot reloads while neither it nor the plan changes. A WSDL that no
 * longer compiles — it passed the same library at submission — leaves the route without methods: its calls are
 * answered 500 and logged, never passed through unconverted.
 */
export async function compileSoapRest(
  versionId: string,
  data: { plan: SoapRestPlan; wsdl: string },
): Promise<SoapRestRoute | null> {
  const plan = data.plan;
  if (!isResolved(plan)) return null;
  const key = sha256Hex(`${JSON.stringify(plan)}\n${data.wsdl}`);
  const known = compiled.get(versionId);
  if (known?.key === key) return known.route;
  const operations = new Map(plan.operations.map((op) => [`${op.method} ${op.path}`, op.operation]));
  let route: SoapRestRoute;
  try {
    const wsdl = await openWsdl(data.wsdl);
    const service = serviceOfPort(wsdl, plan.port);
    const described = describePort(wsdl, plan.port) ?? new Map();
    const client: Client = await soapClient(wsdl, DelegatingExchange, plan.soapVersion);
    const methods = service
      ? (client as unknown as Record<string, Record<string, unknown>>)[service]?.[plan.port]
      : undefined;
    route = {
      operations,
      inputFields: new Map(
        [...described].map(([name, op]) => [
          name,
          op.input !== null && typeof op.input === 'object' ? Object.keys(op.input as object) : [],
        ]),
      ),
      methods: (methods as Record<string, SoapMethod> | undefined) ?? null,
    };
  } catch {
    route = { operations, inputFields: new Map(), methods: null };
  }
  compiled.set(versionId, { key, route });
  return route;
}
