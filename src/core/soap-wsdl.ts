import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
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

/** The few parts of `sax` (the XML reader `soap` reads a WSDL with) that a sliced reading uses. */
interface SaxParser {
  onopentag: (node: { name: string; attributes: Record<string, string> }) => void;
  onclosetag: (name: string) => void;
  write(chunk: string): SaxParser;
  close(): SaxParser;
}
type WsdlElement = {
  startElement(
    stack: WsdlElement[],
    nsName: string,
    attrs: unknown,
    options: unknown,
    schemaAttrs: unknown,
  ): void;
  endElement(stack: WsdlElement[], nsName: string): void;
  addChild(child: WsdlElement): void;
};
type ElementClass = new (
  nsName: string,
  attrs: unknown,
  options: unknown,
  schemaAttrs?: unknown,
) => WsdlElement;
interface SoapInternals {
  sax: { parser(strict: boolean, options: null): SaxParser };
  elements: Record<'Element' | 'DefinitionsElement' | 'TypesElement' | 'SchemaElement', ElementClass>;
  utils: { splitQName(nsName: string): { name: string }; stripBom(text: string): string };
}

/** `soap`'s own modules — its element classes, its utilities, and the `sax` it depends on — as it loads them. */
let internals: SoapInternals | null = null;
function soapInternals(): SoapInternals {
  if (internals) return internals;
  const fromSoap = createRequire(createRequire(import.meta.url).resolve('soap'));
  internals = {
    sax: fromSoap('sax'),
    elements: fromSoap('./wsdl/elements'),
    utils: fromSoap('./utils'),
  };
  return internals;
}

/** How much of the text is read per turn of the event loop: ≈ 5–10 ms of `sax` and `soap`'s elements here. */
const SLICE_CHARS = 16 * 1024;

/** One turn of the event loop: what waits (a gateway call, a timer) runs before the next slice. */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * `openWsdl` for a thread that serves calls — the gateway's (docs/soap-rest.md): the same `soap` model, but the
 * text is read a slice at a time, the event loop turning between slices. `soap` reads a document in one stretch
 * (`WSDL._parse`: a 1.5 MB WSDL held the gateway's loop ≈ 0.5 s here, every call on the node waiting); this
 * builds the same tree with `soap`'s own element classes, as its `_parse` does (soap 1.13; a test compares the
 * two models), and hands it to `soap`, which finishes its model (≈ 5 % of the work) as usual. Its result cannot
 * be read on another thread and carried back: a model is `soap`'s class instances, with their methods.
 */
export async function openWsdlSliced(text: string): Promise<WSDL> {
  const { WSDL } = await soapLibrary();
  const { sax, elements, utils } = soapInternals();
  const wsdlOptions = { handleNilAsNull: true };
  // The options every element is built with, as `soap` makes them from these (the WSDL takes the same object).
  const holder = {
    ignoredNamespaces: ['tns', 'targetNamespace', 'typedNamespace'],
    valueKey: '$value',
    xmlKey: '$xml',
  };
  (WSDL.prototype as unknown as { _initializeOptions: (o: object) => void })._initializeOptions.call(
    holder,
    wsdlOptions,
  );
  const options = (holder as unknown as { options: { strict?: boolean } }).options;

  // What follows is `soap`'s `WSDL._parse`, fed slices instead of the whole text.
  const xml = utils.stripBom(text);
  const p = sax.parser(true, null);
  const stack: WsdlElement[] = [];
  let root: WsdlElement | null = null;
  let schemaAttrs: unknown = null;
  p.onopentag = (node) => {
    const nsName = node.name;
    const attrs = node.attributes;
    const top = stack[stack.length - 1];
    const name = utils.splitQName(nsName).name;
    if (name === 'schema') schemaAttrs = attrs;
    if (top) {
      try {
        top.startElement(stack, nsName, attrs, options, schemaAttrs);
      } catch (e) {
        if (options.strict) throw e;
        stack.push(new elements.Element(nsName, attrs, options, schemaAttrs));
      }
    } else if (name === 'definitions') {
      root = new elements.DefinitionsElement(nsName, attrs, options);
      stack.push(root);
    } else if (name === 'schema') {
      root = new elements.DefinitionsElement('definitions', {}, {});
      const types = new elements.TypesElement('types', {}, {});
      const schema = new elements.SchemaElement(nsName, attrs, options);
      types.addChild(schema);
      root.addChild(types);
      stack.push(schema);
    } else if (name === 'html') {
      throw new Error('Root element of WSDL was <html>. This is likely an authentication issue.');
    } else {
      throw new Error('Unexpected root element of WSDL or include');
    }
  };
  p.onclosetag = (name) => {
    const top = stack[stack.length - 1];
    if (!top) throw new Error(`Unmatched close tag: ${name}`);
    top.endElement(stack, name);
  };
  for (let at = 0; at < xml.length; ) {
    let end = Math.min(at + SLICE_CHARS, xml.length);
    // A surrogate pair stays in one slice.
    if (end < xml.length && (xml.charCodeAt(end) & 0xfc00) === 0xdc00) end++;
    p.write(xml.slice(at, end));
    at = end;
    await nextTurn();
  }
  p.close();
  const tree = root;

  return new Promise((resolve, reject) => {
    const wsdl = new WSDL(xml, 'urn:openlgsp:wsdl', wsdlOptions);
    const opened = wsdl as unknown as {
      options: unknown;
      _parse: () => unknown;
      _processNextInclude: IncludeStep;
    };
    // Before `soap` starts (on the next tick): its elements' options are the WSDL's, and its reading is this tree.
    opened.options = options;
    opened._parse = () => tree;
    // Then, where `soap` would fetch the schemas a document includes (it has none: they are refused), the
    // operations of each port type are resolved a few at a time — `soap`'s own step, which would otherwise take
    // every operation in one stretch (≈ 0.1–0.4 s for 1,500 here); its pass over them afterwards finds none left.
    opened._processNextInclude = (includes, done) => {
      if (includes.length > 0)
        return done(new Error('lược đồ ngoài không được tải / an external schema is never fetched'));
      resolvePortTypes((wsdl as unknown as { definitions: Definitions }).definitions).then(
        () => done(),
        done,
      );
    };
    wsdl.onReady((err) => (err ? reject(err) : resolve(wsdl)));
  });
}

interface Definitions {
  portTypes: Record<string, { children?: OperationNode[]; methods: Record<string, OperationNode> }>;
}
interface OperationNode {
  name: string;
  $name: string;
  postProcess(definitions: Definitions, tag: string): void;
}

/** How many operations are resolved per turn of the event loop. */
const OPERATIONS_PER_TURN = 50;

/** `soap`'s `PortTypeElement.postProcess` loop (soap 1.13), yielding the event loop every few operations. */
async function resolvePortTypes(definitions: Definitions): Promise<void> {
  let done = 0;
  for (const portType of Object.values(definitions.portTypes ?? {})) {
    const children = portType.children;
    if (!children) continue;
    for (let i = 0; i < children.length; i++) {
      const child = children[i]!;
      if (child.name !== 'operation') continue;
      child.postProcess(definitions, 'portType');
      portType.methods[child.$name] = child;
      children.splice(i--, 1);
      if (++done % OPERATIONS_PER_TURN === 0) await nextTurn();
    }
  }
}

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

/** A port (of the first service that has it): its service's name and its operations, as `soap` describes them. */
export function describePort(
  wsdl: WSDL,
  port: string,
): { service: string; operations: Map<string, OperationDescription> } | null {
  // One description of the whole document (every operation's input and output): ≈ 20–40 ms for 1,500 here.
  const services = wsdl.describeServices() as Record<
    string,
    Record<string, Record<string, OperationDescription>>
  >;
  for (const [service, ports] of Object.entries(services)) {
    const ops = Object.hasOwn(ports, port) ? ports[port] : undefined;
    if (ops) return { service, operations: new Map(Object.entries(ops)) };
  }
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
