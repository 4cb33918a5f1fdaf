import type { Client, IHttpClient } from 'soap';
import { sha256Hex } from '../core/hashing.ts';
import { isResolved, type SoapRestOperation, type SoapRestPlan } from '../core/soap-rest.ts';
import { describePort, openWsdlSliced, soapClient } from '../core/soap-wsdl.ts';

/**
 * A SOAP-as-REST version compiled once per change of its WSDL or plan (issue 12 item 6, docs/soap-rest.md): the
 * `soap` client of the plan's port and the operation of each resource. The calls themselves are `soap-rest.ts`'s.
 */
export interface SoapRestRoute {
  /** The SHA-256 of the plan and the WSDL: the compilation is shared by every route and revision with both. */
  documentKey: string;
  /** The operation each resource calls: `GET /TraCuu` → `TraCuu`. */
  operations: Map<string, string>;
  /**
   * The WSDL compiled: a snapshot is applied without waiting for it (a revocation in the same revision takes effect
   * at once, R-05), and the version's first calls wait until it is ready. Never rejects.
   */
  compiled: Promise<CompiledSoap>;
}

/** A WSDL compiled into the `soap` client of the plan's port. */
export interface CompiledSoap {
  /** The input fields of each operation (a GET's query is read for these only). */
  inputFields: Map<string, string[]>;
  /**
   * The client's operations of the plan's port; null when the WSDL could not be compiled (answered 502
   * GW_SOAP_WSDL_UNUSABLE, `failure` saying why).
   */
  methods: Record<string, SoapMethod> | null;
  /** Why the WSDL could not be compiled, for the operator's log; null when it was. */
  failure: string | null;
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

/**
 * The compiled routes by document — the SHA-256 of the plan and the WSDL — so that a revision that leaves a WSDL
 * unchanged (most do) reuses its compilation, whichever version carries it (`retainSoapRest` forgets the rest).
 */
const compiled = new Map<string, Promise<CompiledSoap>>();

/**
 * Compiles a version's WSDL, reused across snapshot reloads while neither it nor the plan changes; what is
 * returned at once, its compilation (`compiled`) goes on in slices. A WSDL that no
 * longer compiles — it passed the same library at submission — leaves the route without methods, and the reason in
 * `failure`: its calls are answered 502 GW_SOAP_WSDL_UNUSABLE and the reason logged once (src/gateway/soap-rest.ts),
 * never passed through unconverted. The WSDL is read in slices (`openWsdlSliced`): this
 * runs on the thread that serves the gateway's calls, and a 1.5 MB document read at once held them ≈ 0.9 s.
 */
export function compileSoapRest(data: { plan: SoapRestPlan; wsdl: string }): SoapRestRoute | null {
  const plan = data.plan;
  if (!isResolved(plan)) return null;
  const documentKey = sha256Hex(`${JSON.stringify(plan)}\n${data.wsdl}`);
  let done = compiled.get(documentKey);
  if (!done) {
    done = compile(plan, data.wsdl);
    compiled.set(documentKey, done);
  }
  const operations = new Map(plan.operations.map((op) => [`${op.method} ${op.path}`, op.operation]));
  return { documentKey, operations, compiled: done };
}

/** Forgets the compilations no route of the latest snapshot uses (a WSDL replaced, a version retired). */
export function retainSoapRest(used: ReadonlySet<string>): void {
  for (const key of compiled.keys()) if (!used.has(key)) compiled.delete(key);
}

async function compile(
  plan: SoapRestPlan & { port: string; soapVersion: '1.1' | '1.2'; operations: SoapRestOperation[] },
  text: string,
): Promise<CompiledSoap> {
  try {
    const wsdl = await openWsdlSliced(text);
    // Describing every operation is a stretch of its own (≈ 20–40 ms for 1,500): a turn of the loop before it.
    await nextTurn();
    const port = describePort(wsdl, plan.port);
    const service = port?.service;
    const described = port?.operations ?? new Map();
    await nextTurn();
    const client: Client = await soapClient(wsdl, DelegatingExchange, plan.soapVersion);
    const methods = service
      ? (client as unknown as Record<string, Record<string, unknown>>)[service]?.[plan.port]
      : undefined;
    return {
      inputFields: new Map(
        [...described].map(([name, op]) => [
          name,
          op.input !== null && typeof op.input === 'object' ? Object.keys(op.input as object) : [],
        ]),
      ),
      methods: (methods as Record<string, SoapMethod> | undefined) ?? null,
      failure: methods ? null : `port ${plan.port} not found in the WSDL`,
    };
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    return { inputFields: new Map(), methods: null, failure: reason.slice(0, 500) || 'unknown error' };
  }
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));
