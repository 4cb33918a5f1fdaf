import { EventEmitter } from 'node:events';
import type { Client, IHttpClient, WSDL } from 'soap';

/**
 * `soap` (and its axios) is loaded on first use: a platform with no SOAP version converted to REST never pays its
 * start-up cost (≈ 0.3 s here) in the gateway's workers or the CLI.
 */
let loaded: Promise<typeof import('soap')> | null = null;
const soapLibrary = () => {
  loaded ??= import('soap');
  return loaded;
};

/**
 * The maintained `soap` library's WSDL model (issue 12 item 6, docs/soap-rest.md), opened so that it can never read
 * anything: the text given is all there is. `soap` would fetch an `xs:import`/`xs:include` location over HTTP or
 * from a file; the control plane refuses such documents at submission (src/control/api-document.ts), and this
 * opener fails them too, before any fetch (DESIGN.md trust boundary). Pure parsing, no I/O.
 */
export async function openWsdl(text: string): Promise<WSDL> {
  const { WSDL } = await soapLibrary();
  return new Promise((resolve, reject) => {
    const wsdl = new WSDL(text, 'urn:openlgsp:wsdl', { handleNilAsNull: true });
    // Parsing starts on the next tick: the include step is replaced before it can run, and refuses any include.
    (wsdl as unknown as { _processNextInclude: IncludeStep })._processNextInclude = (includes, done) =>
      includes.length === 0
        ? done()
        : done(new Error('lược đồ ngoài không được tải / an external schema is never fetched'));
    wsdl.onReady((err) => (err ? reject(err) : resolve(wsdl)));
  });
}

type IncludeStep = (includes: unknown[], done: (err?: Error) => void) => void;

/** A client of the WSDL whose every HTTP exchange is `httpClient`'s: `soap`'s own (axios) is never created. */
export async function soapClient(
  wsdl: WSDL,
  httpClient: IHttpClient,
  soapVersion: '1.1' | '1.2',
): Promise<Client> {
  const { Client } = await soapLibrary();
  return new Client(wsdl, undefined, { httpClient, forceSoap12Headers: soapVersion === '1.2' });
}

/**
 * Names a `soap` client sets as its own properties for each operation would replace its own methods (an operation
 * called `emit` would break every call): such operations are refused when a version is resolved.
 */
export async function reservedOperationNames(): Promise<ReadonlySet<string>> {
  const { Client } = await soapLibrary();
  return new Set([
    ...Object.getOwnPropertyNames(Client.prototype),
    ...Object.getOwnPropertyNames(EventEmitter.prototype),
    ...Object.getOwnPropertyNames(Object.prototype),
  ]);
}

/** One operation of a port as `soap` describes it: its input and output, field name → XSD type or nested fields. */
export interface OperationDescription {
  input: unknown;
  output: unknown;
}

/** The operations of a port (of the first service that has it), as `soap` describes them; null: no such port. */
export function describePort(wsdl: WSDL, port: string): Map<string, OperationDescription> | null {
  const services = wsdl.describeServices() as Record<
    string,
    Record<string, Record<string, OperationDescription>>
  >;
  for (const ports of Object.values(services)) {
    const ops = ports[port];
    if (ops) return new Map(Object.entries(ops));
  }
  return null;
}

/** The name of the service that has `port` (the client's operations are found under service, then port). */
export function serviceOfPort(wsdl: WSDL, port: string): string | null {
  const services = wsdl.describeServices() as Record<string, Record<string, unknown>>;
  for (const [service, ports] of Object.entries(services)) if (Object.hasOwn(ports, port)) return service;
  return null;
}

/**
 * Whether an operation's input is a few simple fields (`{ so: 'xs:string' }`), so a GET's query can carry it: no
 * nested structure, no repeated field (`name[]`), no attributes.
 */
export function isSimpleInput(input: unknown): boolean {
  if (input === null || typeof input !== 'object') return false;
  return Object.entries(input as Record<string, unknown>).every(
    ([name, type]) =>
      typeof type === 'string' && !name.endsWith('[]') && !name.startsWith('$') && name !== 'attributes',
  );
}
