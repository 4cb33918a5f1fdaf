/**
 * A SOAP 1.1/1.2 service exposed as a REST/JSON service (issue 12 item 6, R-26; docs/soap-rest.md), as data: which
 * port of the WSDL 1.1 the provider submitted is called, and which resource of the version calls which operation.
 * The control plane resolves it against the WSDL at submission (src/control/wsdl-rest.ts) — the operations and the
 * SOAP version come from the document — and the gateway converts each call (src/gateway/soap-rest.ts). No I/O here.
 */

export const SOAP_REST_METHODS = ['GET', 'POST'] as const;
export type SoapRestMethod = (typeof SOAP_REST_METHODS)[number];

/** One REST resource of the converted service: `GET /TraCuu?so=…` or `POST /TraCuu` calls the operation `TraCuu`. */
export interface SoapRestOperation {
  operation: string;
  method: SoapRestMethod;
  /** The resource path, literal (no `{param}`): the operation's input comes from the query (GET) or the JSON body. */
  path: string;
}

export interface SoapRestPlan {
  /** The `wsdl:port` called (of the first `wsdl:service` that has it); null until resolved: the first SOAP port. */
  port: string | null;
  /** The SOAP version of that port's binding; null until resolved at submission. */
  soapVersion: '1.1' | '1.2' | null;
  /**
   * The resources, as declared or as derived from the WSDL at submission (every operation as `POST /{operation}`,
   * and `GET /{operation}` too when its input is a few simple fields); null until resolved.
   */
  operations: SoapRestOperation[] | null;
}

/** A plan is resolved once the WSDL has been read: the gateway converts only resolved plans. */
export function isResolved(plan: SoapRestPlan): plan is SoapRestPlan & {
  port: string;
  soapVersion: '1.1' | '1.2';
  operations: SoapRestOperation[];
} {
  return plan.port !== null && plan.soapVersion !== null && plan.operations !== null;
}
