import { fieldAt } from './composite.ts';

/**
 * JSON field mapping declared as data (issue 12 item 6, R-26 data standardization; docs/gateway.md "Ánh xạ trường"):
 * the one shape the gateway uses to reshape a JSON body — a version's request and answer, and each backend answer of
 * a composite (src/core/composite.ts, KrakenD's `allow`/`mapping`, with `drop` and `constants` beside them). Applied
 * in a fixed order: keep only `allow`, remove `drop`, rename by `mapping`, then set `constants`. No I/O here: the
 * control plane checks a mapping when saved (`fieldMappingProblems`), the gateway applies it (`applyFieldMapping`).
 */
export interface FieldMapping {
  /** Only these fields are kept (dotted paths, `chuHo.hoTen`); null: every field. */
  allow: string[] | null;
  /** These fields are removed (dotted paths), after the allow-list. */
  drop: string[];
  /** Top-level fields renamed: `{ "hoTen": "tenCongDan" }` (KrakenD's `mapping`). */
  mapping: Record<string, string>;
  /** Top-level fields set to a fixed JSON value, replacing whatever was there: `{ "maDonVi": "000.00.31.H01" }`. */
  constants: Record<string, unknown>;
}

/** A version's mapping: of the consumer's JSON request before it is forwarded, and of the JSON answer before it is returned. */
export interface VersionFieldMapping {
  request: FieldMapping | null;
  response: FieldMapping | null;
}

/** The mapping that changes nothing; what an absent field of a saved definition means. */
export const NO_MAPPING: Readonly<FieldMapping> = Object.freeze({
  allow: null,
  drop: [],
  mapping: {},
  constants: {},
});

/** A mapping as saved, with absent fields at their "change nothing" value (older composite definitions lack some). */
export function normalizeFieldMapping(input: Partial<FieldMapping> | null | undefined): FieldMapping {
  return {
    allow: input?.allow ?? null,
    drop: input?.drop ?? [],
    mapping: input?.mapping ?? {},
    constants: input?.constants ?? {},
  };
}

/** Whether a mapping changes anything at all (a mapping that does not is not applied: no work per call). */
export function mapsAnything(m: FieldMapping): boolean {
  return (
    m.allow !== null ||
    m.drop.length > 0 ||
    Object.keys(m.mapping).length > 0 ||
    Object.keys(m.constants).length > 0
  );
}

const FIELD = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;
/** Names that would reach an object's prototype rather than a field of it. */
const RESERVED = new Set(['__proto__', 'constructor', 'prototype']);

export interface FieldMappingProblem {
  /** JSON Pointer of the problem inside the request body (`/fieldMapping/request/drop/0`). */
  path: string;
  message: string;
}

/** Every problem of a mapping at `at` (a JSON Pointer), in Vietnamese then English; none means it is valid. */
export function fieldMappingProblems(m: Partial<FieldMapping>, at: string): FieldMappingProblem[] {
  const problems: FieldMappingProblem[] = [];
  const dotted = (path: string, where: string) => {
    const steps = path.split('.');
    if (!steps.every((s) => FIELD.test(s) && !RESERVED.has(s))) {
      problems.push({
        path: where,
        message: `"${path}": cần tên trường, có thể nối bằng dấu chấm (a.b) / expected field names joined by dots`,
      });
    }
  };
  const field = (name: string, where: string) => {
    if (!FIELD.test(name) || RESERVED.has(name)) {
      problems.push({
        path: where,
        message: `"${name}": không phải tên trường hợp lệ / not a valid field name`,
      });
    }
  };
  for (const [i, path] of (m.allow ?? []).entries()) dotted(path, `${at}/allow/${i}`);
  for (const [i, path] of (m.drop ?? []).entries()) dotted(path, `${at}/drop/${i}`);
  const targets = new Map<string, string>();
  for (const [from, to] of Object.entries(m.mapping ?? {})) {
    field(from, `${at}/mapping/${from}`);
    field(to, `${at}/mapping/${from}`);
    const earlier = targets.get(to);
    if (earlier !== undefined) {
      problems.push({
        path: `${at}/mapping/${from}`,
        message: `"${from}" và "${earlier}" cùng đổi thành "${to}" / both renamed to "${to}"`,
      });
    }
    targets.set(to, from);
  }
  for (const name of Object.keys(m.constants ?? {})) field(name, `${at}/constants/${name}`);
  return problems;
}

type Obj = Record<string, unknown>;

const isObject = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * A new object without a prototype: a body's `"__proto__"` field stays a field (JSON.stringify writes it back),
 * never the mapped object's prototype.
 */
export const bareObject = (): Obj => Object.create(null) as Obj;

/** Keeps only the allowed fields (dotted paths) of an object. */
function pick(value: Obj, allow: readonly string[]): Obj {
  const out = bareObject();
  for (const path of allow) {
    const steps = path.split('.');
    const found = fieldAt(value, steps);
    if (found === undefined) continue;
    let at = out;
    for (let i = 0; i < steps.length - 1; i++) {
      const step = steps[i]!;
      if (!isObject(at[step])) at[step] = bareObject();
      at = at[step] as Obj;
    }
    at[steps[steps.length - 1]!] = found;
  }
  return out;
}

/** A copy of `value` without the field at `steps` (the objects on the way are copied, never changed in place). */
function without(value: Obj, steps: readonly string[]): Obj {
  const [head, ...rest] = steps;
  if (head === undefined || !Object.hasOwn(value, head)) return value;
  const out = bareObject();
  for (const key of Object.keys(value)) out[key] = value[key];
  if (rest.length === 0) delete out[head];
  else if (isObject(out[head])) out[head] = without(out[head] as Obj, rest);
  return out;
}

/**
 * A JSON value after a mapping. Only an object is reshaped: an array, a string or a number is returned as it is
 * (a mapping names fields, and a list has none). The value given is never changed in place.
 */
export function applyFieldMapping(value: unknown, m: FieldMapping): unknown {
  if (!isObject(value)) return value;
  let kept = m.allow ? pick(value, m.allow) : value;
  for (const path of m.drop) kept = without(kept, path.split('.'));
  const out = bareObject();
  // Own keys only: `mapping["__proto__"]` would otherwise be Object.prototype, not a rename.
  for (const key of Object.keys(kept)) {
    out[Object.hasOwn(m.mapping, key) ? m.mapping[key]! : key] = kept[key];
  }
  for (const key of Object.keys(m.constants)) out[key] = m.constants[key];
  return out;
}

/** Whether a Content-Type names JSON: `application/json` or any `+json` type (RFC 6839), parameters ignored. */
export function isJsonContentType(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  const type = contentType.split(';', 1)[0]!.trim().toLowerCase();
  return type === 'application/json' || (type.startsWith('application/') && type.endsWith('+json'));
}
