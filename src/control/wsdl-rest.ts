import type { ResourceTemplate } from '../api/contract/index.ts';
import { LgspError } from '../core/errors.ts';
import { runOffThread } from '../core/off-thread.ts';
import type { SoapRestOperation, SoapRestPlan } from '../core/soap-rest.ts';
import { describePort, isSimpleInput, openWsdl, reservedOperationNames } from '../core/soap-wsdl.ts';
import {
  type ApiDocumentProblem,
  apiDocumentRefusal,
  parseWsdl,
  unsupportedSoapRestConstructs,
  validateWsdlDocument,
  type WsdlDocument,
  wsdlSoapPorts,
} from './api-document.ts';

/** What a submitted WSDL gives: its problems (none: valid), and the SOAP-as-REST plan resolved against it. */
export interface WsdlSubmission {
  problems: ApiDocumentProblem[];
  soapRest: { plan: SoapRestPlan; resources: ResourceTemplate[] } | null;
}

/**
 * A submitted WSDL checked and, for a SOAP version exposed as REST, resolved (`resolveSoapRest`) — read
 * once by the XML parser and, for the conversion, once by the `soap` library (its own model, which the gateway
 * builds its client from). Runs on a thread of its own (`checkWsdlSubmission`).
 */
export async function readWsdlSubmission({
  text,
  soapRest,
}: {
  text: string;
  soapRest: SoapRestPlan | null;
}): Promise<WsdlSubmission> {
  const doc = parseWsdl(text);
  const problems = validateWsdlDocument(doc);
  if (problems.length > 0 || soapRest === null) return { problems, soapRest: null };
  return { problems, soapRest: await resolveSoapRest(soapRest, doc) };
}

/** The most heap a WSDL's reading may take: a 2 MB document (the most the API takes) needs some tens of MiB. */
const WSDL_HEAP_MB = 512;
/** The longest a WSDL's reading may take: a 1.5 MB document of 1,500 operations reads in about 1 s. */
const WSDL_TIME_MS = 30_000;

/**
 * `readWsdlSubmission` on a thread of its own: a 1.5 MB WSDL held the event loop — shared with the gateway in
 * `lgsp start` — for 1.1–1.4 s at submission (parsed six times, then once more by `soap`). A document that needs
 * more than the thread's memory or time is the document's problem (400 CP_DESCRIPTION_INCOMPLETE), said so.
 */
export function checkWsdlSubmission(text: string, soapRest: SoapRestPlan | null): Promise<WsdlSubmission> {
  return runOffThread<WsdlSubmission>(
    { module: new URL('./wsdl-rest.ts', import.meta.url), name: 'readWsdlSubmission' },
    { text, soapRest },
    {
      heapMb: WSDL_HEAP_MB,
      timeMs: WSDL_TIME_MS,
      tooLarge: ({ vi, en }) =>
        apiDocumentRefusal('wsdl', [
          { path: '', message: `đọc tài liệu ${vi} / reading the document ${en}` },
        ]),
      unreadable: () =>
        apiDocumentRefusal('wsdl', [
          { path: '', message: 'không đọc được tài liệu / the document could not be read' },
        ]),
    },
  );
}

/**
 * A SOAP version exposed as REST, resolved against the WSDL its provider submits (issue 12 item 6, R-26;
 * docs/soap-rest.md): the constructs the conversion cannot honour are refused, naming each and where it is; the
 * port and its SOAP version are found; the operations become the version's resources — as declared, or every
 * operation as `POST /{operation}` plus `GET /{operation}` when its input is a few simple fields. The WSDL is read
 * by the `soap` library itself (src/core/soap-wsdl.ts), so what is accepted here is what the gateway can convert.
 */
export async function resolveSoapRest(
  plan: SoapRestPlan,
  wsdl: WsdlDocument,
): Promise<{ plan: SoapRestPlan; resources: ResourceTemplate[] }> {
  const refuse = (problems: ApiDocumentProblem[]): never => {
    throw new LgspError(
      'CP_SOAP_REST_INVALID',
      problems.map((p) => `Tài liệu WSDL tại ${p.path || '/'}: ${p.message}`).join('; '),
      { errors: problems.map((p) => ({ in: 'technicalDocument', path: p.path, message: p.message })) },
    );
  };
  const unsupported = unsupportedSoapRestConstructs(wsdl);
  if (unsupported.length > 0) refuse(unsupported);
  const ports = wsdlSoapPorts(wsdl);
  const port = plan.port === null ? ports[0] : ports.find((p) => p.port === plan.port);
  if (!port) {
    refuse([
      {
        path: '/definitions/service',
        message:
          plan.port === null
            ? 'không có wsdl:port nào dùng ràng buộc SOAP 1.1/1.2 / no port with a SOAP 1.1 or 1.2 binding'
            : `không có wsdl:port "${plan.port}" dùng ràng buộc SOAP / no SOAP port "${plan.port}"`,
      },
    ]);
  }
  let described: ReturnType<typeof describePort>;
  try {
    described = describePort(await openWsdl(wsdl.text), port!.port);
  } catch (err) {
    const why = err instanceof Error ? err.message.slice(0, 300) : String(err);
    return refuse([
      {
        path: '',
        message: `thư viện SOAP không đọc được tài liệu / the SOAP library cannot read it: ${why}`,
      },
    ]);
  }
  const operations = described?.operations ?? new Map();
  const problems: ApiDocumentProblem[] = [];
  const portPath = `/definitions/binding[@name='${port!.binding}']`;
  const reserved = await reservedOperationNames();
  for (const name of operations.keys()) {
    if (reserved.has(name)) {
      problems.push({
        path: `${portPath}/operation[@name='${name}']`,
        message: `tên thao tác "${name}" trùng tên dành riêng / the operation name "${name}" is reserved`,
      });
    }
  }
  let resolved: SoapRestOperation[];
  if (plan.operations === null) {
    resolved = [];
    for (const [name, op] of operations) {
      resolved.push({ operation: name, method: 'POST', path: `/${name}` });
      if (isSimpleInput(op.input)) resolved.push({ operation: name, method: 'GET', path: `/${name}` });
    }
    if (resolved.length === 0)
      problems.push({ path: portPath, message: 'không có thao tác nào / no operation' });
  } else {
    resolved = plan.operations;
    for (const [i, op] of plan.operations.entries()) {
      const found = operations.get(op.operation);
      if (!found) {
        problems.push({
          path: `/soapRest/operations/${i}`,
          message: `"${op.operation}": không có trong ${port!.port} / not an operation of ${port!.port}`,
        });
      } else if (op.method === 'GET' && !isSimpleInput(found.input)) {
        problems.push({
          path: `/soapRest/operations/${i}`,
          message: `GET ${op.path}: đầu vào của "${op.operation}" không phải vài trường đơn giản, hãy dùng POST / its input is not a few simple fields: use POST`,
        });
      }
    }
  }
  if (problems.length > 0) refuse(problems);
  return {
    plan: { port: port!.port, soapVersion: port!.soapVersion, operations: resolved },
    resources: resolved.map((op) => ({ method: op.method, path: op.path })),
  };
}
