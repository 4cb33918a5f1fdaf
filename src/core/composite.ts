/**
 * Composite services (R-17, issue 12 item 5; docs/aggregation.md): a version whose answer the LGSP assembles from
 * other versions' answers, declared as data in KrakenD's model — backends, parallel or in sequence, per-backend
 * timeouts, allow-lists, renames, grouping, required or optional — never as a script. This file holds the
 * definition's shape and its template syntax, with no I/O: the control plane checks and resolves a definition when
 * it is saved (src/control/composites.ts), the gateway runs it (src/gateway/composite.ts).
 */

import type { FieldMapping } from './field-mapping.ts';

/**
 * One backend call of a composite. Its answer is reshaped by the one field-mapping type (src/core/field-mapping.ts):
 * `allow` and `mapping` as KrakenD names them, `drop` and `constants` beside them.
 */
export interface CompositeBackend extends FieldMapping {
  /** `/{context}/{version}` of the version called, as the provider wrote it (`/dancu/1.0`). */
  target: string;
  /** The version `target` named when the definition was saved (resolved by the control plane). */
  versionId: string;
  /** The resource path on the backend, a template: `/congdan/{soDinhDanh}`, `/hoso/{resp0.maHoSo}`. */
  path: string;
  /** Query parameters sent to the backend, each value a template. */
  query: Record<string, string>;
  /** How long this backend may take, in ms (the whole composite stays inside the gateway's 30 s, R-03). */
  timeoutMs: number;
  /** A required backend that fails fails the composite (502); an optional one only makes it incomplete. */
  required: boolean;
  /** The answer goes under this key of the merged answer; absent: its fields are merged at the top. */
  group: string | null;
}

/**
 * A backend as stored: definitions saved before `drop` and `constants` existed (issue 12 item 6) lack them, and stay
 * valid — absent, they change nothing (`normalizeFieldMapping`).
 */
export type StoredCompositeBackend = Omit<CompositeBackend, 'drop' | 'constants'> &
  Partial<Pick<CompositeBackend, 'drop' | 'constants'>>;

export interface CompositeDefinition {
  /** `true`: backends run one after the other, and a later one may use an earlier one's answer. */
  sequential: boolean;
  backends: StoredCompositeBackend[];
}

export const COMPOSITE_MAX_BACKENDS = 10;
export const COMPOSITE_DEFAULT_TIMEOUT_MS = 10_000;
/** The gateway's upper limit for a provider's answer; a composite as a whole stays inside it too. */
export const COMPOSITE_TOTAL_LIMIT_MS = 30_000;

/**
 * What a placeholder `{…}` of a backend's path or query refers to: a parameter of the composite's own resource
 * template (`{soDinhDanh}`), a query parameter of the consumer's call (`{query.nam}`), or a field of an earlier
 * backend's answer in a sequential composite (`{resp0.duLieu.maHoSo}`, backends counted from 0).
 */
export type Placeholder =
  | { kind: 'param'; name: string }
  | { kind: 'query'; name: string }
  | { kind: 'response'; backend: number; path: string[] };

/** A template split into literal text and placeholders. */
export type TemplatePart = string | Placeholder;

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const FIELD = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

/** Parses `{…}` placeholders; a problem (in Vietnamese and English) as a string when the template is malformed. */
export function parseTemplate(template: string): TemplatePart[] | string {
  const parts: TemplatePart[] = [];
  let at = 0;
  while (at < template.length) {
    const open = template.indexOf('{', at);
    const close = template.indexOf('}', at);
    if (open < 0) {
      if (close >= 0) return `"${template}": thừa dấu } / stray }`;
      parts.push(template.slice(at));
      break;
    }
    if (close >= 0 && close < open) return `"${template}": thừa dấu } / stray }`;
    if (open > at) parts.push(template.slice(at, open));
    const end = template.indexOf('}', open);
    if (end < 0) return `"${template}": thiếu dấu } / unclosed {`;
    const inner = template.slice(open + 1, end);
    const placeholder = parsePlaceholder(inner);
    if (typeof placeholder === 'string') return `"${template}": ${placeholder}`;
    parts.push(placeholder);
    at = end + 1;
  }
  return parts;
}

function parsePlaceholder(inner: string): Placeholder | string {
  const bad = `{${inner}} không hợp lệ: dùng {tenThamSo}, {query.ten} hoặc {respN.truong} / not valid: use {param}, {query.name} or {respN.field}`;
  const dotted = inner.split('.');
  const head = dotted[0]!;
  // `query` and `respN` name sources, never a parameter: `{resp0}` alone is a mistake, not a parameter.
  if (dotted.length === 1) {
    return IDENTIFIER.test(head) && head !== 'query' && !/^resp\d+$/.test(head)
      ? { kind: 'param', name: head }
      : bad;
  }
  if (head === 'query')
    return dotted.length === 2 && IDENTIFIER.test(dotted[1]!) ? { kind: 'query', name: dotted[1]! } : bad;
  const resp = /^resp(\d{1,2})$/.exec(head);
  if (!resp) return bad;
  const path = dotted.slice(1);
  if (!path.every((f) => FIELD.test(f))) return bad;
  return { kind: 'response', backend: Number(resp[1]), path };
}

/** The placeholders of a parsed template. */
export function placeholdersOf(parts: TemplatePart[]): Placeholder[] {
  return parts.filter((p): p is Placeholder => typeof p !== 'string');
}

/** A dotted path into a JSON value; undefined when any step is missing. */
export function fieldAt(value: unknown, path: readonly string[]): unknown {
  let at = value;
  for (const key of path) {
    if (at === null || typeof at !== 'object' || Array.isArray(at)) return undefined;
    if (!Object.hasOwn(at, key)) return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  return at;
}
