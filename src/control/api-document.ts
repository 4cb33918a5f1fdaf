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
  return type === 'openapi' ? validateOpenApi(text) : validateWsdl(text);
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

function validateWsdl(text: string): ApiDocumentProblem[] {
  // No DTD at all: entity expansion (XXE, "billion laughs") is refused before any parser sees it.
  if (/<!DOCTYPE/i.test(text)) {
    return [{ path: '', message: 'không chấp nhận DOCTYPE / a DOCTYPE is refused' }];
  }
  const wellFormed = XMLValidator.validate(text);
  if (wellFormed !== true) {
    const { msg, line, col } = wellFormed.err;
    return [
      {
        path: '',
        message: `XML sai cú pháp (dòng / line ${line}, cột / column ${col}) / malformed XML: ${msg}`,
      },
    ];
  }
  const parser = new XMLParser({
    preserveOrder: true,
    ignoreAttributes: false,
    attributeNamePrefix: '',
    processEntities: false,
    parseAttributeValue: false,
    parseTagValue: false,
  });
  const roots = toElements(parser.parse(text) as XmlNode[], new Map());
  const root = roots[0];
  const rootNs = root && nsOf(root);
  if (
    !root ||
    !(
      (root.local === 'definitions' && rootNs === WSDL11_NS) ||
      (root.local === 'description' && rootNs === WSDL20_NS)
    )
  ) {
    return [
      {
        path: root ? `/${root.local}` : '',
        message:
          `gốc phải là definitions (WSDL 1.1, ${WSDL11_NS}) hoặc description (WSDL 2.0, ${WSDL20_NS}) / ` +
          'the root must be WSDL 1.1 definitions or WSDL 2.0 description in the WSDL namespace',
      },
    ];
  }
  return rootNs === WSDL11_NS ? checkWsdl11(root) : checkWsdl20(root);
}

/** The WSDL children of `e` with this local name. */
const wsdlChildren = (e: Element, local: string, ns: string) =>
  e.children.filter((c) => c.local === local && nsOf(c) === ns);

const at = (e: Element) => (e.attrs['name'] ? `${e.local}[@name='${e.attrs['name']}']` : e.local);

/** Element declarations and types of the inline schemas, by `{namespace}local`, for checking what parts name. */
function schemaNames(
  root: Element,
  wsdlNs: string,
): { elements: Set<string>; types: Set<string>; namespaces: Set<string> } {
  const elements = new Set<string>();
  const types = new Set<string>();
  const namespaces = new Set<string>();
  for (const typesEl of wsdlChildren(root, 'types', wsdlNs)) {
    for (const schema of typesEl.children.filter((c) => c.local === 'schema' && nsOf(c) === XSD_NS)) {
      const target = schema.attrs['targetNamespace'] ?? '';
      namespaces.add(target);
      for (const d of schema.children.filter((c) => nsOf(c) === XSD_NS && c.attrs['name'])) {
        if (d.local === 'element') elements.add(`{${target}}${d.attrs['name']}`);
        if (d.local === 'complexType' || d.local === 'simpleType') types.add(`{${target}}${d.attrs['name']}`);
      }
    }
  }
  return { elements, types, namespaces };
}

interface Checker {
  problems: ApiDocumentProblem[];
  need: (found: Element[], path: string, vi: string, en: string) => void;
  /** A QName attribute that must name something this document defines (in its own target namespace). */
  refersTo: (e: Element, attr: string, path: string, known: Set<string>, ns: string, what: string) => void;
}

function checker(): Checker {
  const problems: ApiDocumentProblem[] = [];
  return {
    problems,
    need(found, path, vi, en) {
      if (found.length === 0) problems.push({ path, message: `thiếu ${vi} / no ${en}` });
    },
    refersTo(e, attr, path, known, ns, what) {
      const value = e.attrs[attr];
      if (value === undefined) {
        problems.push({ path, message: `thiếu thuộc tính ${attr} / the ${attr} attribute is missing` });
        return;
      }
      const q = qname(e, value);
      if (q.ns === ns && !known.has(q.local)) {
        problems.push({ path, message: `${attr}="${value}": không có ${what} này / no such ${what}` });
      }
    },
  };
}

/** WSDL 1.1: messages, port types with operations, bindings of a port type, services with ports of a binding. */
function checkWsdl11(root: Element): ApiDocumentProblem[] {
  const c = checker();
  const tns = root.attrs['targetNamespace'];
  const base = `/${root.local}`;
  if (wsdlChildren(root, 'import', WSDL11_NS).length > 0) {
    c.problems.push({
      path: `${base}/import`,
      message:
        'wsdl:import không được phép, hãy gộp vào một tệp / wsdl:import is refused: submit one self-contained file',
    });
  }
  const messages = wsdlChildren(root, 'message', WSDL11_NS);
  const portTypes = wsdlChildren(root, 'portType', WSDL11_NS);
  const bindings = wsdlChildren(root, 'binding', WSDL11_NS);
  const services = wsdlChildren(root, 'service', WSDL11_NS);
  c.need(portTypes, `${base}/portType`, 'portType', 'portType');
  c.need(bindings, `${base}/binding`, 'binding', 'binding');
  c.need(services, `${base}/service`, 'service', 'service');
  const names = (els: Element[]) => new Set(els.map((e) => e.attrs['name'] ?? ''));
  const schema = schemaNames(root, WSDL11_NS);
  for (const m of messages) {
    for (const part of wsdlChildren(m, 'part', WSDL11_NS)) {
      const path = `${base}/${at(m)}/${at(part)}`;
      const ref = part.attrs['element'] ?? part.attrs['type'];
      if (ref === undefined) {
        c.problems.push({ path, message: 'part cần element hoặc type / a part needs element or type' });
        continue;
      }
      const q = qname(part, ref);
      // Only what this document declares can be checked: imported schemas are not fetched.
      if (q.ns === undefined) {
        c.problems.push({ path, message: `tiền tố không khai báo / undeclared prefix: ${ref}` });
      } else if (q.ns !== XSD_NS && schema.namespaces.has(q.ns)) {
        const known = part.attrs['element'] !== undefined ? schema.elements : schema.types;
        if (!known.has(`{${q.ns}}${q.local}`)) {
          c.problems.push({ path, message: `${ref}: không có trong phần types / not declared in the types` });
        }
      }
    }
  }
  const messageNames = names(messages);
  for (const pt of portTypes) {
    const operations = wsdlChildren(pt, 'operation', WSDL11_NS);
    c.need(operations, `${base}/${at(pt)}/operation`, 'operation', 'operation');
    for (const op of operations) {
      for (const io of op.children.filter(
        (x) => ['input', 'output', 'fault'].includes(x.local) && nsOf(x) === WSDL11_NS,
      )) {
        c.refersTo(
          io,
          'message',
          `${base}/${at(pt)}/${at(op)}/${io.local}`,
          messageNames,
          tns ?? '',
          'message',
        );
      }
    }
  }
  const portTypeNames = names(portTypes);
  for (const b of bindings) c.refersTo(b, 'type', `${base}/${at(b)}`, portTypeNames, tns ?? '', 'portType');
  const bindingNames = names(bindings);
  for (const s of services) {
    const ports = wsdlChildren(s, 'port', WSDL11_NS);
    c.need(ports, `${base}/${at(s)}/port`, 'port', 'port');
    for (const p of ports)
      c.refersTo(p, 'binding', `${base}/${at(s)}/${at(p)}`, bindingNames, tns ?? '', 'binding');
  }
  return c.problems.slice(0, MAX_PROBLEMS);
}

/** WSDL 2.0: interfaces with operations, bindings of an interface, services with endpoints of a binding. */
function checkWsdl20(root: Element): ApiDocumentProblem[] {
  const c = checker();
  const tns = root.attrs['targetNamespace'] ?? '';
  const base = `/${root.local}`;
  for (const local of ['import', 'include']) {
    if (wsdlChildren(root, local, WSDL20_NS).length > 0) {
      c.problems.push({
        path: `${base}/${local}`,
        message: `${local} không được phép, hãy gộp vào một tệp / ${local} is refused: submit one self-contained file`,
      });
    }
  }
  const interfaces = wsdlChildren(root, 'interface', WSDL20_NS);
  const bindings = wsdlChildren(root, 'binding', WSDL20_NS);
  const services = wsdlChildren(root, 'service', WSDL20_NS);
  c.need(interfaces, `${base}/interface`, 'interface', 'interface');
  c.need(bindings, `${base}/binding`, 'binding', 'binding');
  c.need(services, `${base}/service`, 'service', 'service');
  for (const i of interfaces) {
    c.need(wsdlChildren(i, 'operation', WSDL20_NS), `${base}/${at(i)}/operation`, 'operation', 'operation');
  }
  const names = (els: Element[]) => new Set(els.map((e) => e.attrs['name'] ?? ''));
  const interfaceNames = names(interfaces);
  for (const b of bindings) c.refersTo(b, 'interface', `${base}/${at(b)}`, interfaceNames, tns, 'interface');
  const bindingNames = names(bindings);
  for (const s of services) {
    c.refersTo(s, 'interface', `${base}/${at(s)}`, interfaceNames, tns, 'interface');
    const endpoints = wsdlChildren(s, 'endpoint', WSDL20_NS);
    c.need(endpoints, `${base}/${at(s)}/endpoint`, 'endpoint', 'endpoint');
    for (const e of endpoints)
      c.refersTo(e, 'binding', `${base}/${at(s)}/${at(e)}`, bindingNames, tns, 'binding');
  }
  return c.problems.slice(0, MAX_PROBLEMS);
}
