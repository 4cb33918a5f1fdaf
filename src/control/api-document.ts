import { createHash } from 'node:crypto';
import { validate } from '@readme/openapi-parser';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { parseDocument } from 'yaml';
import { LgspError } from '../core/errors.ts';

/**
 * The technical document a provider submits with a version: OpenAPI 3.0/3.1 (JSON or YAML) or WSDL
 * 1.1/2.0. It is checked with maintained parsers — `@readme/openapi-parser` (the OpenAPI schemas, `$ref`
 * resolution, the rules the schemas cannot say) and `fast-xml-parser` — and every problem is reported with where
 * it is, so the agency can mend its document. Nothing the document points to is fetched: an external `$ref`, a
 * `wsdl:import` or a DOCTYPE is refused, since the control plane must not be made to read URLs or files (SSRF,
 * DESIGN.md "Trust boundary").
 */

export type ApiDocumentType = 'openapi' | 'wsdl';

export interface ApiDocumentProblem {
  /**
   * Where: a JSON Pointer (RFC 6901) into an OpenAPI document, or an element path into a WSDL
   * (`/definitions/portType[@name='P']`); '' for the document as a whole.
   */
  path: string;
  /** Vietnamese first, English beside it. */
  message: string;
}

/** Problems of the document; none means it is valid. */
export async function validateApiDocument(
  type: ApiDocumentType,
  text: string,
): Promise<ApiDocumentProblem[]> {
  try {
    return type === 'openapi' ? await validateOpenApi(text) : validateWsdl(parseWsdl(text));
  } catch (err) {
    // What a parser gives up on (nesting too deep for the stack, a construct it does not support) is still the
    // document's problem, answered as such — not a server error.
    const why = err instanceof Error ? err.message.slice(0, 300) : String(err);
    return [
      { path: '', message: `không kiểm tra được tài liệu / the document could not be checked: ${why}` },
    ];
  }
}

/** One line a person reads: `Tài liệu OpenAPI không hợp lệ tại /paths/~1x/get: … / …`. */
export function describeApiDocumentProblem(type: ApiDocumentType, problem: ApiDocumentProblem): string {
  const name = type === 'openapi' ? 'OpenAPI' : 'WSDL';
  return `Tài liệu ${name} không hợp lệ tại ${problem.path || '/'}: ${problem.message}`;
}

/**
 * The refusal of a submitted version whose document has problems (400 CP_DESCRIPTION_INCOMPLETE): each problem
 * in `detail`, and in `errors` as the admin API lists field problems (`in` names the request field).
 */
export function apiDocumentRefusal(type: ApiDocumentType, problems: ApiDocumentProblem[]): LgspError {
  return new LgspError(
    'CP_DESCRIPTION_INCOMPLETE',
    `technicalDocument: ${problems.map((p) => describeApiDocumentProblem(type, p)).join('; ')}`,
    { errors: problems.map((p) => ({ in: 'technicalDocument', path: p.path, message: p.message })) },
  );
}

// ── OpenAPI ──────────────────────────────────────────────────────────────────────────────────────────────────

/** How many problems one answer lists at most: the first ones are what a person mends first. */
const MAX_PROBLEMS = 20;
/** Bound on a document with its `$ref`s resolved (see `expandedSize`). */
const MAX_EXPANDED_VALUES = 1_000_000;

const pointerEscape = (s: string) => s.replaceAll('~', '~0').replaceAll('/', '~1');

function parseOpenApiText(text: string): { value: unknown } | { problem: ApiDocumentProblem } {
  if (text.trimStart().startsWith('{')) {
    try {
      return { value: JSON.parse(text) };
    } catch (err) {
      return {
        problem: { path: '', message: `JSON sai cú pháp / malformed JSON: ${(err as Error).message}` },
      };
    }
  }
  // YAML aliases are bounded (maxAliasCount) so a small text cannot expand into a huge document.
  const doc = parseDocument(text);
  const first = doc.errors[0];
  if (first) {
    const at = first.linePos?.[0];
    const where = at ? ` (dòng / line ${at.line}, cột / column ${at.col})` : '';
    const why = first.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    return { problem: { path: '', message: `YAML sai cú pháp${where} / malformed YAML: ${why}` } };
  }
  try {
    return { value: doc.toJS({ maxAliasCount: 100 }) };
  } catch (err) {
    return {
      problem: { path: '', message: `YAML không đọc được / unreadable YAML: ${(err as Error).message}` },
    };
  }
}

/** Every `$ref` in the document with the JSON Pointer of the object holding it. */
function collectRefs(value: unknown, path: string, out: Array<{ ref: string; path: string }>): void {
  if (Array.isArray(value)) {
    value.forEach((v, i) => {
      collectRefs(v, `${path}/${i}`, out);
    });
  } else if (value !== null && typeof value === 'object') {
    for (const [key, v] of Object.entries(value)) {
      if (key === '$ref' && typeof v === 'string') out.push({ ref: v, path });
      else collectRefs(v, `${path}/${pointerEscape(key)}`, out);
    }
  }
}

/** The value at a `#/…` fragment (RFC 6901 in a URI fragment), or undefined. */
function atPointer(doc: unknown, fragment: string): unknown {
  let value = doc;
  let pointer = fragment;
  try {
    pointer = decodeURIComponent(fragment);
  } catch {
    // Not percent-encoded after all: read as written.
  }
  if (pointer === '') return value;
  for (const token of pointer.slice(1).split('/')) {
    if (value === null || typeof value !== 'object') return undefined;
    const key = token.replaceAll('~1', '/').replaceAll('~0', '~');
    // The document's own members only: `#/constructor/prototype` names nothing in it, not Object.prototype.
    if (!Object.hasOwn(value, key)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/**
 * How many values the document holds once every internal `$ref` is replaced by its target (a cycle counted
 * once), stopping past `limit`. Refs to refs can double at each level, so a small text could otherwise make the
 * schema validation walk billions of values.
 */
function expandedSize(doc: unknown, limit: number): number {
  const memo = new Map<string, number>();
  const open = new Set<string>();
  const sizeOfRef = (ref: string): number => {
    const known = memo.get(ref);
    if (known !== undefined) return known;
    if (open.has(ref)) return 1;
    open.add(ref);
    const target = atPointer(doc, ref.slice(1));
    const n = target === undefined ? 1 : sizeOf(target);
    open.delete(ref);
    memo.set(ref, n);
    return n;
  };
  const sizeOf = (value: unknown): number => {
    if (value === null || typeof value !== 'object') return 1;
    const ref = (value as { $ref?: unknown }).$ref;
    if (typeof ref === 'string' && ref.startsWith('#')) return sizeOfRef(ref);
    let n = 1;
    for (const v of Object.values(value)) {
      n += sizeOf(v);
      if (n > limit) break;
    }
    return n;
  };
  return sizeOf(doc);
}

/**
 * The JSON Pointer of each line of `JSON.stringify(value, null, 2)`: the schema errors of the parser point at a
 * line of that text (a code frame), and this turns the line back into a place in the document.
 */
function pointersByLine(value: unknown): string[] {
  const lines = [''];
  const walk = (v: unknown, path: string) => {
    const entries: Array<[string, unknown]> = Array.isArray(v)
      ? v.map((x, i) => [String(i), x])
      : v !== null && typeof v === 'object'
        ? Object.entries(v).filter(([, x]) => x !== undefined && typeof x !== 'function')
        : [];
    if (entries.length === 0) return;
    for (const [key, x] of entries) {
      lines.push(`${path}/${pointerEscape(key)}`);
      walk(x, `${path}/${pointerEscape(key)}`);
    }
    lines.push(path);
  };
  walk(value, '');
  return lines;
}

/** The parser's English keywords, each with what a Vietnamese reader is told first. */
const KEYWORDS_VI: Record<string, string> = {
  REQUIRED: 'thiếu trường bắt buộc',
  TYPE: 'sai kiểu dữ liệu',
  'ADDITIONAL PROPERTY': 'trường không được phép',
  ENUM: 'giá trị không được phép',
  PATTERN: 'giá trị sai định dạng',
  FORMAT: 'giá trị sai định dạng',
};

async function validateOpenApi(text: string): Promise<ApiDocumentProblem[]> {
  const parsed = parseOpenApiText(text);
  if ('problem' in parsed) return [parsed.problem];
  const doc = parsed.value;
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    return [{ path: '', message: 'tài liệu phải là một đối tượng / the document must be an object' }];
  }
  const version = (doc as { openapi?: unknown }).openapi;
  if (typeof version !== 'string' || !/^3\.[01]\.\d+$/.test(version)) {
    return [
      {
        path: '/openapi',
        message: `cần OpenAPI 3.0.x hoặc 3.1.x / OpenAPI 3.0.x or 3.1.x is required: ${String(version ?? '(trống / missing)').slice(0, 20)}`,
      },
    ];
  }
  const refs: Array<{ ref: string; path: string }> = [];
  collectRefs(doc, '', refs);
  const external = refs.filter((r) => !r.ref.startsWith('#'));
  if (external.length > 0) {
    return external.slice(0, MAX_PROBLEMS).map((r) => ({
      path: `${r.path}/$ref`,
      message:
        `tham chiếu ra ngoài tài liệu không được phép, hãy gộp vào một tệp: ${r.ref.slice(0, 200)} / ` +
        'an external $ref is refused (no URL or file is fetched): bundle the document into one file',
    }));
  }
  // Checked here, on the document's own members: the parser below follows inherited names too, so that
  // `#/constructor/prototype` resolved to Object.prototype and the document was stored as valid.
  const dangling = refs.filter((r) => atPointer(doc, r.ref.slice(1)) === undefined);
  if (dangling.length > 0) {
    return dangling.slice(0, MAX_PROBLEMS).map((r) => ({
      path: `${r.path}/$ref`,
      message: `tham chiếu $ref không trỏ tới đâu trong tài liệu / Missing $ref pointer "${r.ref.slice(0, 200)}"`,
    }));
  }
  if (expandedSize(doc, MAX_EXPANDED_VALUES) > MAX_EXPANDED_VALUES) {
    return [
      {
        path: '',
        message:
          `tài liệu quá lớn khi thay các $ref bằng nội dung (hơn ${MAX_EXPANDED_VALUES} giá trị) / the document ` +
          `expands to more than ${MAX_EXPANDED_VALUES} values once its $refs are resolved`,
      },
    ];
  }
  // The parser only ever sees this object: with no resolver for URLs or files, nothing outside it can be read.
  const result = await validate(doc as Parameters<typeof validate>[0], {
    resolve: { external: false, file: false },
    validate: { errors: { colorize: false } },
  });
  if (result.valid) return [];
  let lines: string[] | null = null;
  return result.errors.slice(0, MAX_PROBLEMS).map(({ message }): ApiDocumentProblem => {
    const [head = message, frame = ''] = message.split('\n\n');
    const missing = /^Missing \$ref pointer "([^"]*)"/.exec(head);
    if (missing) {
      const at = refs.find((r) => r.ref === missing[1]);
      return {
        path: at ? `${at.path}/$ref` : '',
        message: `tham chiếu $ref không trỏ tới đâu trong tài liệu / ${head}`,
      };
    }
    const keyword = /^([A-Z]+(?: [A-Z]+)*) (.*)$/.exec(head);
    if (keyword && frame) {
      // A schema error: the code frame marks the line of the dereferenced document (the parser dereferences it
      // in place) where the problem is.
      const line = /^> *(\d+) \|/m.exec(frame);
      if (line) lines ??= pointersByLine(doc);
      const place = line ? (lines?.[Number(line[1]) - 1] ?? '') : '';
      // A missing field is named in the path itself, as the admin API's own validation errors do.
      const field = /^must have required property '([^']*)'$/.exec(keyword[2]!);
      const path = field ? `${place}/${pointerEscape(field[1]!)}` : place;
      const vi = KEYWORDS_VI[keyword[1]!] ?? 'không đúng đặc tả OpenAPI';
      return { path, message: `${vi} / ${keyword[2]}` };
    }
    return { path: '', message: `không đúng quy tắc của OpenAPI / ${head}` };
  });
}

// ── WSDL ─────────────────────────────────────────────────────────────────────────────────────────────────────

const WSDL11_NS = 'http://schemas.xmlsoap.org/wsdl/';
const WSDL20_NS = 'http://www.w3.org/ns/wsdl';
const XSD_NS = 'http://www.w3.org/2001/XMLSchema';

/** One element as fast-xml-parser gives it (preserveOrder): its name, children and attributes. */
type XmlNode = Record<string, unknown> & { ':@'?: Record<string, string> };

interface Element {
  /** The qualified name as written (`wsdl:portType`). */
  name: string;
  local: string;
  attrs: Record<string, string>;
  children: Element[];
  /** Namespace prefixes in scope (`''` for the default namespace). */
  ns: Map<string, string>;
}

function toElements(nodes: XmlNode[], inherited: Map<string, string>): Element[] {
  const out: Element[] = [];
  for (const node of nodes) {
    const name = Object.keys(node).find((k) => k !== ':@');
    if (!name || name.startsWith('#') || name.startsWith('?')) continue;
    const attrs = node[':@'] ?? {};
    let ns = inherited;
    for (const [attr, value] of Object.entries(attrs)) {
      if (attr === 'xmlns' || attr.startsWith('xmlns:')) {
        if (ns === inherited) ns = new Map(inherited);
        ns.set(attr === 'xmlns' ? '' : attr.slice(6), value);
      }
    }
    const local = name.includes(':') ? name.slice(name.indexOf(':') + 1) : name;
    out.push({ name, local, attrs, children: toElements(node[name] as XmlNode[], ns), ns });
  }
  return out;
}

const nsOf = (e: Element) => e.ns.get(e.name.includes(':') ? e.name.slice(0, e.name.indexOf(':')) : '');

/** A QName attribute (`tns:GetX`) as its namespace and local name, resolved where it is written. */
function qname(e: Element, value: string): { ns: string | undefined; local: string } {
  const colon = value.indexOf(':');
  return colon === -1
    ? { ns: e.ns.get(''), local: value }
    : { ns: e.ns.get(value.slice(0, colon)), local: value.slice(colon + 1) };
}

/**
 * What differs between WSDL 1.1 and 2.0, as data: the name of the abstract interface, how a binding and a
 * service name it, what a service's endpoints are called, what an operation's messages refer to, and which
 * inclusions of other files there are (refused: nothing is fetched).
 */
interface WsdlVersion {
  ns: string;
  root: string;
  inclusions: string[];
  /** `portType` (1.1) or `interface` (2.0). */
  abstract: string;
  /** The attribute of a binding naming its abstract interface. */
  bindingOf: string;
  /** The attribute of a service naming its abstract interface (WSDL 2.0 only). */
  serviceOf: string | null;
  endpoint: string;
  /** What an operation's input/output/fault names: a message (1.1) or a schema element (2.0). */
  operationRef: 'message' | 'element';
}

const WSDL_VERSIONS: WsdlVersion[] = [
  {
    ns: WSDL11_NS,
    root: 'definitions',
    inclusions: ['import'],
    abstract: 'portType',
    bindingOf: 'type',
    serviceOf: null,
    endpoint: 'port',
    operationRef: 'message',
  },
  {
    ns: WSDL20_NS,
    root: 'description',
    inclusions: ['import', 'include'],
    abstract: 'interface',
    bindingOf: 'interface',
    serviceOf: 'interface',
    endpoint: 'endpoint',
    operationRef: 'element',
  },
];

/**
 * A WSDL read once (issue 12 item 6): its element tree, or the one problem that kept it from being read. Every
 * check of a WSDL — validation, the operations listed, the SOAP-as-REST constructs and ports — takes this form, so
 * a document is parsed once per use however many questions are asked of it (a 1.5 MB WSDL takes 0.2–0.35 s a pass).
 */
export interface WsdlDocument {
  /** The document as submitted (what the `soap` library reads in turn, src/core/soap-wsdl.ts). */
  text: string;
  root: Element | null;
  /** Why there is no tree: a DOCTYPE, or XML that is not well-formed. */
  problem: ApiDocumentProblem | null;
}

/** How deep a WSDL's elements may nest (the parser's bound; real WSDLs with their XML Schemas stay far below). */
const WSDL_MAX_DEPTH = 100;

const wsdlParser = () =>
  new XMLParser({
    maxNestedTags: WSDL_MAX_DEPTH,
    preserveOrder: true,
    ignoreAttributes: false,
    attributeNamePrefix: '',
    processEntities: false,
    parseAttributeValue: false,
    parseTagValue: false,
  });

export function parseWsdl(text: string): WsdlDocument {
  // No DTD at all: entity expansion (XXE, "billion laughs") is refused before any parser sees it.
  if (/<!DOCTYPE/i.test(text)) {
    return {
      text,
      root: null,
      problem: { path: '', message: 'không chấp nhận DOCTYPE / a DOCTYPE is refused' },
    };
  }
  const wellFormed = XMLValidator.validate(text);
  if (wellFormed !== true) {
    const { msg, line, col } = wellFormed.err;
    return {
      text,
      root: null,
      problem: {
        path: '',
        message: `XML sai cú pháp (dòng / line ${line}, cột / column ${col}) / malformed XML: ${msg}`,
      },
    };
  }
  let nodes: XmlNode[];
  try {
    nodes = wsdlParser().parse(text) as XmlNode[];
  } catch (err) {
    // The validator above passes any depth; the parser stops past WSDL_MAX_DEPTH levels by throwing — the
    // document's problem, not the platform's (it was a 500 on submit).
    const message = /nested/i.test((err as Error).message)
      ? `XML lồng quá sâu (quá ${WSDL_MAX_DEPTH} cấp) / XML nested too deep (over ${WSDL_MAX_DEPTH} levels)`
      : `XML không đọc được / unreadable XML: ${(err as Error).message}`;
    return { text, root: null, problem: { path: '', message } };
  }
  const root = toElements(nodes, new Map())[0] ?? null;
  return { text, root, problem: null };
}

function validateWsdl({ root, problem }: WsdlDocument): ApiDocumentProblem[] {
  if (problem) return [problem];
  const version = root && WSDL_VERSIONS.find((v) => v.root === root.local && v.ns === nsOf(root));
  if (!root || !version) {
    return [
      {
        path: root ? `/${root.local}` : '',
        message:
          `gốc phải là definitions (WSDL 1.1, ${WSDL11_NS}) hoặc description (WSDL 2.0, ${WSDL20_NS}) / ` +
          'the root must be WSDL 1.1 definitions or WSDL 2.0 description in the WSDL namespace',
      },
    ];
  }
  return checkWsdl(root, version).slice(0, MAX_PROBLEMS);
}

/**
 * The problems of a WSDL already read (`parseWsdl`), as `validateApiDocument` gives them: what the checks give up
 * on is still the document's problem.
 */
export function validateWsdlDocument(doc: WsdlDocument): ApiDocumentProblem[] {
  try {
    return validateWsdl(doc);
  } catch (err) {
    const why = err instanceof Error ? err.message.slice(0, 300) : String(err);
    return [
      { path: '', message: `không kiểm tra được tài liệu / the document could not be checked: ${why}` },
    ];
  }
}

const at = (e: Element) => (e.attrs['name'] ? `${e.local}[@name='${e.attrs['name']}']` : e.local);

/** Element declarations and types of the inline schemas, as `{namespace}local`, and their namespaces. */
function schemaNames(typesEls: Element[]) {
  const elements = new Set<string>();
  const types = new Set<string>();
  const namespaces = new Set<string>();
  for (const schema of typesEls.flatMap((t) => t.children)) {
    if (schema.local !== 'schema' || nsOf(schema) !== XSD_NS) continue;
    const target = schema.attrs['targetNamespace'] ?? '';
    namespaces.add(target);
    for (const d of schema.children) {
      const name = d.attrs['name'];
      if (nsOf(d) !== XSD_NS || !name) continue;
      if (d.local === 'element') elements.add(`{${target}}${name}`);
      if (d.local === 'complexType' || d.local === 'simpleType') types.add(`{${target}}${name}`);
    }
  }
  return { elements, types, namespaces };
}

/**
 * The structure R-11 needs to call the service: an abstract interface with operations, a binding of it, a
 * service with endpoints of a binding; and every name one part gives another defined in the document. Names in
 * other namespaces (imported schemas, SOAP types) are not checked: they are not fetched.
 */
function checkWsdl(root: Element, v: WsdlVersion): ApiDocumentProblem[] {
  const problems: ApiDocumentProblem[] = [];
  const tns = root.attrs['targetNamespace'] ?? '';
  const base = `/${root.local}`;
  const children = (e: Element, local: string) =>
    e.children.filter((c) => c.local === local && nsOf(c) === v.ns);
  const need = (found: Element[], path: string, what: string) => {
    if (found.length === 0) problems.push({ path, message: `thiếu ${what} / no ${what}` });
  };
  const names = (els: Element[]) => new Set(els.map((e) => e.attrs['name'] ?? ''));
  /** A QName attribute that must name something this document defines in its own target namespace. */
  const refersTo = (e: Element, attr: string, path: string, known: Set<string>, what: string) => {
    const value = e.attrs[attr];
    if (value === undefined) {
      problems.push({ path, message: `thiếu thuộc tính ${attr} / the ${attr} attribute is missing` });
      return;
    }
    const q = qname(e, value);
    if (q.ns === tns && !known.has(q.local)) {
      problems.push({ path, message: `${attr}="${value}": không có ${what} này / no such ${what}` });
    }
  };
  const schema = schemaNames(children(root, 'types'));
  /** A schema element or type named by a part (1.1) or an operation's message (2.0). */
  const schemaRef = (e: Element, attr: 'element' | 'type', path: string) => {
    const value = e.attrs[attr]!;
    if (value.startsWith('#')) return; // WSDL 2.0's #any, #none, #other
    const q = qname(e, value);
    if (q.ns === undefined) {
      problems.push({ path, message: `tiền tố không khai báo / undeclared prefix: ${value}` });
    } else if (schema.namespaces.has(q.ns)) {
      const known = attr === 'element' ? schema.elements : schema.types;
      if (!known.has(`{${q.ns}}${q.local}`)) {
        problems.push({
          path,
          message: `${attr}="${value}": không có trong phần types / not declared in the types`,
        });
      }
    }
  };

  for (const local of v.inclusions) {
    if (children(root, local).length > 0) {
      problems.push({
        path: `${base}/${local}`,
        message: `${local} không được phép, hãy gộp vào một tệp / ${local} is refused: submit one self-contained file`,
      });
    }
  }
  const messages = children(root, 'message');
  for (const m of messages) {
    for (const part of children(m, 'part')) {
      const path = `${base}/${at(m)}/${at(part)}`;
      const attr =
        part.attrs['element'] !== undefined ? 'element' : part.attrs['type'] !== undefined ? 'type' : null;
      if (attr) schemaRef(part, attr, path);
      else problems.push({ path, message: 'part cần element hoặc type / a part needs element or type' });
    }
  }
  const abstracts = children(root, v.abstract);
  const bindings = children(root, 'binding');
  const services = children(root, 'service');
  need(abstracts, `${base}/${v.abstract}`, v.abstract);
  need(bindings, `${base}/binding`, 'binding');
  need(services, `${base}/service`, 'service');
  const messageNames = names(messages);
  for (const a of abstracts) {
    const operations = children(a, 'operation');
    need(operations, `${base}/${at(a)}/operation`, 'operation');
    for (const op of operations) {
      for (const io of op.children.filter(
        (x) => ['input', 'output', 'fault'].includes(x.local) && nsOf(x) === v.ns,
      )) {
        const path = `${base}/${at(a)}/${at(op)}/${io.local}`;
        if (v.operationRef === 'message') refersTo(io, 'message', path, messageNames, 'message');
        else if (io.attrs['element'] !== undefined) schemaRef(io, 'element', path);
      }
    }
  }
  const abstractNames = names(abstracts);
  for (const b of bindings) refersTo(b, v.bindingOf, `${base}/${at(b)}`, abstractNames, v.abstract);
  const bindingNames = names(bindings);
  for (const s of services) {
    if (v.serviceOf) refersTo(s, v.serviceOf, `${base}/${at(s)}`, abstractNames, v.abstract);
    const endpoints = children(s, v.endpoint);
    need(endpoints, `${base}/${at(s)}/${v.endpoint}`, v.endpoint);
    for (const e of endpoints) refersTo(e, 'binding', `${base}/${at(s)}/${at(e)}`, bindingNames, 'binding');
  }
  return problems;
}

// ── Operations, for the portal (issue 11) ────────────────────────────────────────────────────────────────────

/** One operation a document describes: a REST method and path, or a SOAP operation with its messages. */
export interface ApiOperation {
  name: string | null;
  method: string | null;
  path: string | null;
  summary: string | null;
  input: string | null;
  output: string | null;
  soapAction: string | null;
}

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const NO_OPERATION: ApiOperation = {
  name: null,
  method: null,
  path: null,
  summary: null,
  input: null,
  output: null,
  soapAction: null,
};
const textOrNull = (v: unknown) => (typeof v === 'string' && v !== '' ? v : null);

/**
 * The operations of a stored document, read with the same parsers that validated it (a stored document passed
 * `validateApiDocument`); a document they cannot read lists none rather than failing the portal's page.
 */
export function listApiOperations(type: ApiDocumentType, text: string): ApiOperation[] {
  return readOnce(`operations:${type}`, text, () => {
    try {
      return type === 'openapi' ? openApiOperations(text) : wsdlOperations(parseWsdl(text));
    } catch {
      return [];
    }
  });
}

/** The OpenAPI document as JSON, whether it was submitted as JSON or YAML (what a renderer reads). */
export function openApiAsJson(text: string): string | null {
  return readOnce('openapi-json', text, () => {
    const parsed = parseOpenApiText(text);
    return 'value' in parsed ? JSON.stringify(parsed.value) : null;
  });
}

/**
 * A provider's document as a consumer reads it (the portal, the technical guide). A provider's document names its
 * internal server as a matter of course (generators write it); served as written, the public portal told anyone,
 * without signing in, the address behind the gateway (DESIGN.md "Trust boundary", docs/security.md §2.1: the
 * provider's agency and the operator only), and a client generated from it called the provider directly. So:
 * - every address the document gives its own server — OpenAPI `servers` (of the document, a path, an operation, a
 *   link), a WSDL 1.1 port's `soap:address`/`soap12:address`/`http:address` `location`, a WSDL 2.0 `endpoint`'s
 *   `address`, the WS-Addressing `EndpointReference`'s `Address` of a port or endpoint — becomes `gatewayAddress`;
 * - every other mention of an upstream's origin (`upstreams`: what the platform was given for the service, see
 *   `hideUpstreams`) — a description, a summary, `externalDocs`, an example, `wsdl:documentation` — too;
 * - a WSDL's XML comments are left out: generator noise (`<!-- generated from http://10.0.3.7:8080/… -->`), never
 *   contract.
 * Null when an OpenAPI document cannot be read.
 */
export function documentForConsumers(
  type: ApiDocumentType,
  text: string,
  gatewayAddress: string,
  upstreams: readonly string[],
): string | null {
  const known = upstreams.map((upstream) => ({ upstream, gateway: gatewayAddress }));
  return readOnce(`consumers:${type}:${gatewayAddress}:${JSON.stringify(upstreams)}`, text, () =>
    type === 'openapi'
      ? openApiForConsumers(text, gatewayAddress, hideUpstreams(known))
      : wsdlForConsumers(text, gatewayAddress, hideUpstreams(known, escapeXml)),
  );
}

const DEFAULT_PORTS: Record<string, string> = { http: '80', https: '443' };

/** An address the platform was given for a version's upstream, and where consumers call that version instead. */
export interface UpstreamOnGateway {
  upstream: string;
  gateway: string;
}

/**
 * A function that gives a text back with every upstream's origin (`scheme://host[:port]`: the scheme and host in any
 * case, the default port written or not) replaced by the gateway address of its version — with the upstream's path
 * too when it follows (`http://10.0.3.7:8080/hotich/khaisinh` → `https://api…/hotich/1.0/khaisinh`, the same
 * resource through the gateway). Of several versions behind one origin, the first given stands for a bare origin;
 * a full upstream address is its own version's. Another port, another scheme or a longer host (`10.0.3.70`) is
 * another origin, left as written. A provider also writes its server without a scheme ("máy chủ 10.0.3.7:8443/dancu",
 * `api.internal.tinh.gov.vn/v1`): an upstream's `host[:port]` so written — starting a word (not `110.0.3.7`, not after
 * a `/`), its port as the upstream has it (none for the scheme's default) — is replaced the same way, its path too.
 * A host of one label (`hotich`) is matched without a scheme only with its port: alone it is a word of the prose.
 * One pass of a regular expression with no nested repetition: linear in the text.
 */
export function hideUpstreams(
  known: readonly UpstreamOnGateway[],
  /** How an address is written into the text (escaped for XML in a WSDL). */
  written: (s: string) => string = (s) => s,
): (text: string) => string {
  type Entry = { first: string; withPaths: Array<{ path: string; gateway: string }> };
  const byOrigin = new Map<string, Entry>();
  /** By `host[:port]` as written without a scheme: `url.host`, and `host:port` with the default port too. */
  const byHost = new Map<string, Entry>();
  const hosts = new Set<string>();
  const add = (map: Map<string, Entry>, key: string, path: string, gateway: string) => {
    const entry = map.get(key) ?? { first: written(gateway), withPaths: [] };
    map.set(key, entry);
    if (path) entry.withPaths.push({ path, gateway: written(gateway) });
  };
  for (const { upstream, gateway } of known) {
    let url: URL;
    try {
      url = new URL(upstream);
    } catch {
      continue;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') continue;
    const path = url.pathname.replace(/\/+$/, '');
    // `url.host` is lower case and without the scheme's default port: the form every match is brought to.
    add(byOrigin, `${url.protocol}//${url.host}`, path, gateway);
    add(byHost, url.host, path, gateway);
    if (url.port === '')
      add(byHost, `${url.hostname}:${DEFAULT_PORTS[url.protocol.slice(0, -1)]}`, path, gateway);
    hosts.add(url.hostname);
  }
  if (hosts.size === 0) return (text) => text;
  for (const map of [byOrigin, byHost])
    for (const entry of map.values()) entry.withPaths.sort((a, b) => b.path.length - a.path.length);
  const alternatives = [...hosts]
    .sort((a, b) => b.length - a.length)
    .map((h) => h.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('|');
  // With its scheme, or without one where a word starts (not inside a longer host or number, not in a path or after
  // another scheme's `//`); not followed by more of a host name (`10.0.3.70`, `host.other`) or another port.
  const pattern = new RegExp(
    `(?:(https?)://|(?<![A-Za-z0-9_./-]))(${alternatives})(?::(\\d{1,5}))?(?![A-Za-z0-9_-]|\\.[A-Za-z0-9-]|:\\d)`,
    'gi',
  );
  return (text) => {
    pattern.lastIndex = 0;
    let out = '';
    let copied = 0;
    for (let m = pattern.exec(text); m !== null; m = pattern.exec(text)) {
      const host = m[2]!.toLowerCase();
      let entry: Entry | undefined;
      if (m[1] !== undefined) {
        const scheme = m[1].toLowerCase();
        const port = m[3] && m[3] !== DEFAULT_PORTS[scheme] ? `:${m[3]}` : '';
        entry = byOrigin.get(`${scheme}://${host}${port}`);
      } else if (m[3] !== undefined || host.includes('.')) {
        entry = byHost.get(m[3] !== undefined ? `${host}:${m[3]}` : host);
      }
      if (!entry) continue;
      const end = m.index + m[0].length;
      const full = entry.withPaths.find(
        ({ path }) =>
          text.startsWith(path, end) &&
          !SEGMENT_GOES_ON.test(text.slice(end + path.length, end + path.length + 2)),
      );
      out += text.slice(copied, m.index) + (full ? full.gateway : entry.first);
      copied = full ? end + full.path.length : end;
      pattern.lastIndex = copied;
    }
    return copied === 0 ? text : out + text.slice(copied);
  };
}

/**
 * What continues a path's last segment (`/wsx`, `/ws.json`): an upstream's path is replaced only where that segment
 * ends — at `/`, `?`, a quote, a space, or the comma or full stop of a sentence.
 */
const SEGMENT_GOES_ON = /^(?:[\w~%-]|\.\w)/;

const escapeXml = (s: string) =>
  s
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&apos;');

const isRecord = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * Every string of an OpenAPI document — values and keys — through `hide`, except an `xml.namespace`: a namespace
 * is a name the provider's server reads byte for byte, not an address, and changed it would break every XML call.
 */
function hideInOpenApi(value: unknown, hide: (s: string) => string): unknown {
  if (typeof value === 'string') return hide(value);
  if (Array.isArray(value)) return value.map((v) => hideInOpenApi(v, hide));
  if (!isRecord(value)) return value;
  // Without a prototype: a key `__proto__` (JSON.parse makes it an own key, as YAML does) is copied as a key, where
  // on a plain object assigning it would set the copy's prototype and drop the entry.
  const out: Record<string, unknown> = Object.create(null);
  for (const [key, v] of Object.entries(value)) {
    out[hide(key)] = key === 'namespace' && typeof v === 'string' ? v : hideInOpenApi(v, hide);
  }
  return out;
}

function openApiForConsumers(
  text: string,
  gatewayAddress: string,
  hide: (s: string) => string,
): string | null {
  const parsed = parseOpenApiText(text);
  if (!('value' in parsed)) return null;
  let doc: unknown;
  try {
    doc = hideInOpenApi(parsed.value, hide);
  } catch {
    // Nested deeper than the stack: not a document a consumer could read either.
    return null;
  }
  if (!isRecord(doc)) return JSON.stringify(doc);
  const out: Record<string, unknown> = { ...doc, servers: [{ url: gatewayAddress }] };
  const withoutLinkServers = (links: unknown) => {
    if (!isRecord(links)) return links;
    const kept: Record<string, unknown> = {};
    for (const [name, link] of Object.entries(links)) {
      if (!isRecord(link)) kept[name] = link;
      else {
        const { server: _server, ...linkRest } = link;
        kept[name] = linkRest;
      }
    }
    return kept;
  };
  const withoutServers = (value: unknown) => {
    if (!isRecord(value)) return value;
    const { servers: _servers, ...kept } = value;
    return kept;
  };
  const operation = (value: unknown) => {
    const op = withoutServers(value);
    if (!isRecord(op) || !isRecord(op['responses'])) return op;
    const responses: Record<string, unknown> = {};
    for (const [status, response] of Object.entries(op['responses'])) {
      responses[status] = isRecord(response)
        ? { ...response, ...(response['links'] ? { links: withoutLinkServers(response['links']) } : {}) }
        : response;
    }
    return { ...op, responses };
  };
  if (isRecord(doc['paths'])) {
    const paths: Record<string, unknown> = {};
    for (const [path, item] of Object.entries(doc['paths'])) {
      const kept = withoutServers(item);
      if (isRecord(kept))
        for (const method of HTTP_METHODS) if (method in kept) kept[method] = operation(kept[method]);
      paths[path] = kept;
    }
    out['paths'] = paths;
  }
  if (isRecord(doc['components']) && isRecord(doc['components']['links'])) {
    out['components'] = { ...doc['components'], links: withoutLinkServers(doc['components']['links']) };
  }
  return JSON.stringify(out);
}

/** The namespaces of WS-Addressing (W3C 2005, the 2003–2004 submissions) and of its WSDL binding (`wsaw`). */
const WS_ADDRESSING_NS = new Set([
  'http://www.w3.org/2005/08/addressing',
  'http://schemas.xmlsoap.org/ws/2004/08/addressing',
  'http://schemas.xmlsoap.org/ws/2004/03/addressing',
  'http://schemas.xmlsoap.org/ws/2003/03/addressing',
  'http://www.w3.org/2006/05/addressing/wsdl',
  'http://www.w3.org/2006/02/addressing/wsdl',
]);

/**
 * Attributes that name rather than locate — namespaces, SOAP and WS-Addressing actions: the provider's server
 * matches them byte for byte, so they are published as written (an upstream origin in one is the provider's to
 * change, docs/security.md §2.1).
 */
const IDENTIFIER_ATTRIBUTE = /^(?:xmlns(?::.*)?|targetNamespace|namespace|soapAction|(?:[^:]*:)?[Aa]ction)$/;

/** One element open in the scan: its namespace and local name, the prefixes in scope, and what it is to a port. */
interface OpenElement {
  local: string;
  ns: string | undefined;
  scope: Map<string, string>;
  /** A port/endpoint, a WS-Addressing EndpointReference of one, or that reference's Address. */
  role: 'endpoint' | 'reference' | 'address' | null;
}

const isNameEnd = (c: number) =>
  c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x2f || c === 0x3e;
const isSpace = (c: number) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;

/**
 * The WSDL as consumers get it (see `documentForConsumers`), in one forward scan of the text: each `<` is a comment
 * (left out), CDATA, a processing instruction, an end tag or a start tag, found with `indexOf` from where the last
 * ended and attributes read by hand — no regular expression over the document, so no input makes it quadratic
 * (a regex that stopped at each `<address` took 10.5 s over a 700 KB WSDL of comments). Text and attribute values
 * pass through `hide`. A document the scan cannot follow (not well-formed: stored documents were checked) is
 * cut where it stops being XML rather than passed on unread.
 */
function wsdlForConsumers(text: string, gatewayAddress: string, hide: (s: string) => string): string {
  const gateway = escapeXml(gatewayAddress);
  const out: string[] = [];
  const open: OpenElement[] = [];
  let scope = new Map<string, string>();
  /** While inside a WS-Addressing Address of a port: its content is the gateway's address, nothing written. */
  let inAddress = false;
  let i = 0;
  while (i < text.length) {
    const lt = text.indexOf('<', i);
    const textEnd = lt === -1 ? text.length : lt;
    if (textEnd > i && !inAddress) out.push(hide(text.slice(i, textEnd)));
    if (lt === -1) break;
    if (text.startsWith('<!--', lt)) {
      const end = text.indexOf('-->', lt + 4);
      i = end === -1 ? text.length : end + 3;
      continue;
    }
    const closer = text.startsWith('<![CDATA[', lt) ? ']]>' : text.startsWith('<?', lt) ? '?>' : null;
    if (closer !== null || text.startsWith('<!', lt) || text.startsWith('</', lt)) {
      const end = text.indexOf(closer ?? '>', lt + 2);
      if (end === -1) break;
      i = end + (closer ?? '>').length;
      if (text.charCodeAt(lt + 1) === 0x2f) {
        const closed = open.pop();
        if (closed) scope = open.at(-1)?.scope ?? new Map();
        if (closed?.role === 'address' && inAddress) {
          inAddress = false;
          out.push(gateway);
        }
      }
      if (!inAddress)
        out.push(closer === ']]>' || closer === '?>' ? hide(text.slice(lt, i)) : text.slice(lt, i));
      continue;
    }
    // A start tag: its name, then each attribute (a quoted value may hold `>`), up to `>` or `/>`.
    let j = lt + 1;
    while (j < text.length && !isNameEnd(text.charCodeAt(j))) j++;
    const name = text.slice(lt + 1, j);
    const attributes: Array<{ name: string; start: number; end: number }> = [];
    let selfClosing = false;
    let closed = false;
    while (j < text.length) {
      while (j < text.length && isSpace(text.charCodeAt(j))) j++;
      const c = text.charCodeAt(j);
      if (c === 0x3e) {
        j++;
        closed = true;
        break;
      }
      if (c === 0x2f && text.charCodeAt(j + 1) === 0x3e) {
        j += 2;
        closed = selfClosing = true;
        break;
      }
      const nameStart = j;
      while (j < text.length && !isNameEnd(text.charCodeAt(j)) && text.charCodeAt(j) !== 0x3d) j++;
      const attribute = text.slice(nameStart, j);
      while (j < text.length && isSpace(text.charCodeAt(j))) j++;
      if (text.charCodeAt(j) !== 0x3d) {
        if (j === nameStart) j++;
        continue;
      }
      j++;
      while (j < text.length && isSpace(text.charCodeAt(j))) j++;
      const quote = text[j];
      if (quote !== '"' && quote !== "'") continue;
      const valueEnd = text.indexOf(quote, j + 1);
      if (valueEnd === -1) break;
      attributes.push({ name: attribute, start: j + 1, end: valueEnd });
      j = valueEnd + 1;
    }
    if (!closed) break;
    i = j;
    let elementScope = scope;
    for (const a of attributes) {
      if (a.name === 'xmlns' || a.name.startsWith('xmlns:')) {
        if (elementScope === scope) elementScope = new Map(scope);
        elementScope.set(a.name === 'xmlns' ? '' : a.name.slice(6), text.slice(a.start, a.end));
      }
    }
    const colon = name.indexOf(':');
    const local = colon === -1 ? name : name.slice(colon + 1);
    const ns = elementScope.get(colon === -1 ? '' : name.slice(0, colon));
    const parent = open.at(-1)?.role ?? null;
    const role: OpenElement['role'] =
      (local === 'port' && ns === WSDL11_NS) || (local === 'endpoint' && ns === WSDL20_NS)
        ? 'endpoint'
        : parent === 'endpoint' && local === 'EndpointReference' && WS_ADDRESSING_NS.has(ns ?? '')
          ? 'reference'
          : parent === 'reference' && local === 'Address' && WS_ADDRESSING_NS.has(ns ?? '')
            ? 'address'
            : null;
    if (!inAddress) {
      let copied = lt;
      for (const a of attributes) {
        const isAddress =
          (local === 'address' && a.name === 'location') || (local === 'endpoint' && a.name === 'address');
        const value = text.slice(a.start, a.end);
        out.push(text.slice(copied, a.start));
        out.push(isAddress ? gateway : IDENTIFIER_ATTRIBUTE.test(a.name) ? value : hide(value));
        copied = a.end;
      }
      out.push(text.slice(copied, j));
    }
    if (!selfClosing) {
      open.push({ local, ns, scope: elementScope, role });
      scope = elementScope;
      if (role === 'address' && !inAddress) inAddress = true;
    }
  }
  return out.join('');
}

/**
 * What the portal's public pages read from a stored document, read once per document: those pages are open to
 * anyone, and reading a 1.5 MB WSDL holds the event loop the gateway shares 0.15–0.35 s — asked for again and
 * again, it would stall every call. Keyed by the document's SHA-256 (a changed document is read anew), the most
 * recently used READ_DOCUMENTS_KEPT kept; the results are not to be changed by callers.
 */
function readOnce<T>(what: string, text: string, read: () => T): T {
  const key = `${what}:${createHash('sha256').update(text).digest('base64')}`;
  if (readDocuments.has(key)) {
    const known = readDocuments.get(key) as T;
    readDocuments.delete(key);
    readDocuments.set(key, known);
    return known;
  }
  const result = read();
  readDocuments.set(key, result);
  if (readDocuments.size > READ_DOCUMENTS_KEPT) readDocuments.delete(readDocuments.keys().next().value!);
  return result;
}
const readDocuments = new Map<string, unknown>();
const READ_DOCUMENTS_KEPT = 64;

function openApiOperations(text: string): ApiOperation[] {
  const parsed = parseOpenApiText(text);
  if (!('value' in parsed)) return [];
  const paths = (parsed.value as { paths?: unknown }).paths;
  if (paths === null || typeof paths !== 'object') return [];
  const out: ApiOperation[] = [];
  for (const [path, item] of Object.entries(paths as Record<string, unknown>)) {
    if (item === null || typeof item !== 'object') continue;
    for (const method of HTTP_METHODS) {
      const op = (item as Record<string, unknown>)[method] as Record<string, unknown> | undefined;
      if (op === null || typeof op !== 'object') continue;
      out.push({
        ...NO_OPERATION,
        name: textOrNull(op['operationId']),
        method: method.toUpperCase(),
        path,
        summary: textOrNull(op['summary']) ?? textOrNull(op['description']),
      });
    }
  }
  return out;
}

function wsdlOperations({ root }: WsdlDocument): ApiOperation[] {
  const v = root && WSDL_VERSIONS.find((w) => w.root === root.local && w.ns === nsOf(root));
  if (!root || !v) return [];
  const children = (e: Element, local: string) =>
    e.children.filter((c) => c.local === local && nsOf(c) === v.ns);
  // The SOAP action of each operation, from any binding's operation of that name (soap:operation/@soapAction in
  // WSDL 1.1, wsoap:action on the binding operation in WSDL 2.0, whose operations name theirs by `ref`).
  const soapActions = new Map<string, string>();
  for (const binding of children(root, 'binding')) {
    for (const op of children(binding, 'operation')) {
      const name = op.attrs['name'] ?? (op.attrs['ref'] ? qname(op, op.attrs['ref']).local : undefined);
      if (!name) continue;
      const action =
        Object.entries(op.attrs).find(([k]) => k.endsWith(':action'))?.[1] ??
        op.children.find((c) => c.local === 'operation' && c.attrs['soapAction'] !== undefined)?.attrs[
          'soapAction'
        ];
      if (action && !soapActions.has(name)) soapActions.set(name, action);
    }
  }
  const out: ApiOperation[] = [];
  for (const abstract of children(root, v.abstract)) {
    for (const op of children(abstract, 'operation')) {
      const name = op.attrs['name'] ?? null;
      const io = (local: string) => {
        const el = children(op, local)[0];
        return el ? textOrNull(el.attrs[v.operationRef]) : null;
      };
      out.push({
        ...NO_OPERATION,
        name,
        input: io('input'),
        output: io('output'),
        soapAction: (name && soapActions.get(name)) || null,
      });
    }
  }
  return out;
}

// ── SOAP exposed as REST (issue 12 item 6, docs/soap-rest.md) ────────────────────────────────────────────────

const SOAP11_BINDING_NS = 'http://schemas.xmlsoap.org/wsdl/soap/';
const SOAP12_BINDING_NS = 'http://schemas.xmlsoap.org/wsdl/soap12/';

function wsdl11Root({ root }: WsdlDocument): Element | null {
  return root && root.local === 'definitions' && nsOf(root) === WSDL11_NS ? root : null;
}

/** A SOAP endpoint of a WSDL 1.1: the port, its service and binding, and the SOAP version the binding speaks. */
export interface WsdlSoapPort {
  service: string;
  port: string;
  binding: string;
  soapVersion: '1.1' | '1.2';
}

/** The ports of a WSDL 1.1 whose binding is a SOAP 1.1 or 1.2 binding, in document order. */
export function wsdlSoapPorts(doc: WsdlDocument): WsdlSoapPort[] {
  const root = wsdl11Root(doc);
  if (!root) return [];
  const wsdl = (e: Element, local: string) =>
    e.children.filter((c) => c.local === local && nsOf(c) === WSDL11_NS);
  const versions = new Map<string, '1.1' | '1.2'>();
  for (const b of wsdl(root, 'binding')) {
    const soap = b.children.find((c) => c.local === 'binding');
    const ns = soap && nsOf(soap);
    if (ns === SOAP11_BINDING_NS) versions.set(b.attrs['name'] ?? '', '1.1');
    if (ns === SOAP12_BINDING_NS) versions.set(b.attrs['name'] ?? '', '1.2');
  }
  const out: WsdlSoapPort[] = [];
  for (const s of wsdl(root, 'service')) {
    for (const p of wsdl(s, 'port')) {
      const binding = qname(p, p.attrs['binding'] ?? '').local;
      const soapVersion = versions.get(binding);
      if (soapVersion)
        out.push({ service: s.attrs['name'] ?? '', port: p.attrs['name'] ?? '', binding, soapVersion });
    }
  }
  return out;
}

/** Whether an element declaration's content is a simple value: an XSD built-in type or an inline simpleType. */
function isSimpleElement(e: Element): boolean {
  if (e.local !== 'element' || e.attrs['ref'] !== undefined) return false;
  const type = e.attrs['type'];
  if (type !== undefined) return qname(e, type).ns === XSD_NS;
  return e.children.some((c) => c.local === 'simpleType') || e.children.length === 0;
}

/**
 * The XSD constructs of the inline schemas (and the WSDL features) that the JSON ↔ SOAP conversion cannot honour,
 * each named with where it is (docs/soap-rest.md lists them): what the `soap` library serializes from JSON and back
 * has no faithful form for an open content model (`xs:any`, `xs:anyAttribute`), a choice between structures, an
 * element replaced by another (substitution groups), text mixed with elements, SOAP-encoded arrays; and an
 * external schema (`xs:import`/`xs:include` with a location, `xs:redefine`) is never fetched (DESIGN.md trust
 * boundary). Pass-through SOAP versions are not subject to this list: the gateway does not read their bodies.
 */
export function unsupportedSoapRestConstructs(doc: WsdlDocument): ApiDocumentProblem[] {
  const root = wsdl11Root(doc);
  if (!root) {
    return [
      {
        path: '',
        message:
          'chỉ chuyển đổi được tài liệu WSDL 1.1 hợp lệ, không DOCTYPE / only a valid WSDL 1.1 document (no DOCTYPE) can be converted',
      },
    ];
  }
  const problems: ApiDocumentProblem[] = [];
  const named = (construct: string, path: string, why: string) =>
    problems.push({ path, message: `${construct}: ${why}` });
  const visit = (e: Element, path: string) => {
    const here = `${path}/${at(e)}`;
    if (nsOf(e) === XSD_NS) {
      switch (e.local) {
        case 'any':
          named(
            'xs:any',
            here,
            'nội dung tuỳ ý không ánh xạ được sang JSON / open content has no JSON mapping',
          );
          break;
        case 'anyAttribute':
          named('xs:anyAttribute', here, 'thuộc tính tuỳ ý / open attributes have no JSON mapping');
          break;
        case 'redefine':
          named(
            'xs:redefine',
            here,
            'định nghĩa lại lược đồ ngoài / redefines an external schema, never fetched',
          );
          break;
        case 'import':
        case 'include':
          if (e.attrs['schemaLocation'] !== undefined || e.attrs['location'] !== undefined) {
            named(
              `xs:${e.local} schemaLocation`,
              here,
              'lược đồ ngoài không được tải, hãy gộp vào tài liệu / an external schema is never fetched: inline it',
            );
          }
          break;
        case 'choice': {
          const complex = e.children.filter(
            (c) => nsOf(c) === XSD_NS && c.local !== 'annotation' && !isSimpleElement(c),
          );
          const repeated = e.children.some((c) => (c.attrs['maxOccurs'] ?? '1') !== '1');
          if (complex.length > 0 || repeated || (e.attrs['maxOccurs'] ?? '1') !== '1') {
            named(
              'xs:choice',
              here,
              'chỉ hỗ trợ lựa chọn giữa các phần tử đơn giản, không lặp / only a choice of simple, non-repeated elements is supported',
            );
          }
          break;
        }
        case 'element':
          if (e.attrs['substitutionGroup'] !== undefined || e.attrs['abstract'] === 'true') {
            named(
              'substitutionGroup',
              here,
              'phần tử thay thế / substitution groups (and abstract elements) are not supported',
            );
          }
          break;
        case 'complexType':
        case 'complexContent':
          if (e.attrs['mixed'] === 'true') {
            named('mixed', here, 'nội dung hỗn hợp chữ và phần tử / mixed content is not supported');
          }
          break;
      }
      if (Object.entries(e.attrs).some(([k, v]) => k.endsWith(':arrayType') || /(^|:)Array$/.test(v))) {
        named('soapenc:Array', here, 'mảng mã hoá SOAP / SOAP-encoded arrays are not supported');
      }
    }
    if (e.local === 'body' && (nsOf(e) === SOAP11_BINDING_NS || nsOf(e) === SOAP12_BINDING_NS)) {
      if (e.attrs['use'] === 'encoded') {
        named('use="encoded"', here, 'chỉ hỗ trợ literal / only literal bodies are supported');
      }
    }
    for (const c of e.children) visit(c, here);
  };
  for (const c of root.children) visit(c, `/${root.local}`);
  return problems.slice(0, MAX_PROBLEMS);
}
