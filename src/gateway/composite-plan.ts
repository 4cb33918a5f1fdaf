import {
  type CompositeBackend,
  type CompositeDefinition,
  fieldAt,
  parseTemplate,
  type TemplatePart,
} from '../core/composite.ts';
import { applyFieldMapping, type FieldMapping, normalizeFieldMapping } from '../core/field-mapping.ts';

/**
 * A composite's definition compiled once per snapshot (R-17, docs/aggregation.md): templates parsed, so a call only
 * fills them in; and the pure steps of a call — filling templates, shaping and merging answers — kept apart from
 * the I/O in `composite.ts`, so they are tested in tables.
 */
export interface CompiledBackend extends CompositeBackend {
  pathParts: TemplatePart[];
  queryParts: Array<[name: string, parts: TemplatePart[]]>;
}

export interface CompiledComposite {
  sequential: boolean;
  backends: CompiledBackend[];
}

/** A definition saved by the control plane is valid; a template that no longer parses is left literal. */
export function compileComposite(definition: CompositeDefinition): CompiledComposite {
  const parts = (template: string): TemplatePart[] => {
    const parsed = parseTemplate(template);
    return typeof parsed === 'string' ? [template] : parsed;
  };
  return {
    sequential: definition.sequential,
    backends: definition.backends.map((b) => ({
      ...b,
      // Definitions saved before `drop` and `constants` existed lack them: they change nothing.
      ...normalizeFieldMapping(b),
      pathParts: parts(b.path),
      queryParts: Object.entries(b.query).map(([name, value]) => [name, parts(value)]),
    })),
  };
}

/** What a call's templates are filled from. */
export interface TemplateValues {
  /** The composite's resource parameters, decoded (`soDinhDanh` → `0123…`). */
  params: ReadonlyMap<string, string>;
  query: URLSearchParams;
  /** The answers of the backends so far, by index (undefined: not yet, or failed). */
  answers: readonly unknown[];
}

/**
 * Fills a template. Every value is percent-encoded (RFC 3986), so a value can never add a path segment, a query
 * parameter or a dot segment to the backend's path. `{ problem }` names the placeholder without a value.
 */
export function fill(parts: readonly TemplatePart[], values: TemplateValues): string | { problem: string } {
  let out = '';
  for (const part of parts) {
    if (typeof part === 'string') {
      out += part;
      continue;
    }
    let value: unknown;
    let name: string;
    if (part.kind === 'param') {
      value = values.params.get(part.name);
      name = part.name;
    } else if (part.kind === 'query') {
      value = values.query.get(part.name) ?? undefined;
      name = `query.${part.name}`;
    } else {
      value = fieldAt(values.answers[part.backend], part.path);
      name = `resp${part.backend}.${part.path.join('.')}`;
    }
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
      return { problem: `{${name}}: không có giá trị / no value` };
    }
    out += encodeURIComponent(String(value));
  }
  return out;
}

/** The `{param}` values of a call: the composite resource's template against the call's path segments. */
export function resourceParams(
  template: string,
  segments: readonly string[],
  start: number,
): Map<string, string> {
  const params = new Map<string, string>();
  const names = template.split('/').slice(1);
  for (let i = 0; i < names.length; i++) {
    const name = names[i]!;
    if (!name.startsWith('{')) continue;
    const raw = segments[start + i] ?? '';
    let value = raw;
    try {
      value = decodeURIComponent(raw);
    } catch {
      // The path is canonical (paths.ts); a malformed escape stays as sent and is encoded again.
    }
    params.set(name.slice(1, -1), value);
  }
  return params;
}

type Obj = Record<string, unknown>;

const isObject = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * A new object without a prototype: a backend's `"__proto__"` field stays a field (JSON.stringify writes it back),
 * never the merged answer's prototype.
 */
const bare = (): Obj => Object.create(null) as Obj;

/** A backend's answer after its field mapping (allow-list, drops, renames, constants; src/core/field-mapping.ts). */
export function shape(value: unknown, backend: Partial<FieldMapping>): unknown {
  return applyFieldMapping(value, normalizeFieldMapping(backend));
}

/**
 * Merges a shaped answer into the composite's answer: under its group, or field by field at the top (a later
 * backend's field wins, KrakenD's merge); an answer that is not an object and has no group goes under
 * `collection` (KrakenD's `is_collection`).
 */
export function mergeInto(target: Obj, backend: Pick<CompositeBackend, 'group'>, value: unknown): void {
  if (backend.group !== null) target[backend.group] = value;
  else if (isObject(value)) for (const key of Object.keys(value)) target[key] = value[key];
  else target['collection'] = value;
}

export function newAnswer(): Obj {
  return bare();
}
