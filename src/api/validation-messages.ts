/**
 * What a person reads when the admin API refuses a request's shape (issue 11 item 7): Ajv's English messages
 * ("must NOT have fewer than 10 characters") become "Tiếng Việt / English" ones, naming the field by its
 * Vietnamese label when the contract gives one (the schema's `title`, or a short `description` — its part before
 * " / "). The value sent is never repeated: it may be a secret or personal data.
 *
 * The API's Ajv runs with `verbose: true` so each error carries the schema it failed (`parentSchema`), which is
 * where the label is.
 */

/** The members of an Ajv error this module reads (Ajv's `ErrorObject`, without importing Ajv here). */
export interface AjvErrorLike {
  instancePath?: string;
  schemaPath?: string;
  keyword?: string;
  message?: string;
  params?: Record<string, unknown>;
  /** With `verbose: true`: the schema object that holds the failing keyword. */
  parentSchema?: unknown;
}

const TYPES_VI: Record<string, string> = {
  string: 'chuỗi ký tự',
  number: 'số',
  integer: 'số nguyên',
  boolean: 'true hoặc false',
  object: 'đối tượng JSON',
  array: 'mảng',
  null: 'null',
};

const FORMATS_VI: Record<string, string> = {
  // The range is the API's own rule (core/time.ts isAcceptedInstant), checked with the format.
  'date-time': 'thời điểm ISO 8601 từ năm 1970 đến năm 9999, ví dụ 2027-06-15T00:00:00+07:00',
  date: 'ngày YYYY-MM-DD',
  time: 'giờ HH:MM:SS',
  email: 'địa chỉ thư điện tử',
  uri: 'địa chỉ URL',
  'uri-reference': 'địa chỉ URL',
  uuid: 'UUID',
  ipv4: 'địa chỉ IPv4',
  ipv6: 'địa chỉ IPv6',
  hostname: 'tên máy',
};

/** English where "must be a valid <format>" does not say enough. */
const FORMATS_EN: Record<string, string> = {
  'date-time': 'an ISO 8601 date-time from year 1970 to 9999, e.g. 2027-06-15T00:00:00+07:00',
};

const LABEL_MAX_CHARS = 80;

/** The Vietnamese label of a schema: its `title`, else its description's Vietnamese part when that is short. */
export function fieldLabel(schema: unknown): string | null {
  if (!schema || typeof schema !== 'object') return null;
  const s = schema as { title?: unknown; description?: unknown; anyOf?: unknown };
  // A nullable field (`x | null`) carries its description on the `x` branch.
  if (s.title === undefined && s.description === undefined && Array.isArray(s.anyOf)) {
    return fieldLabel(s.anyOf[0]);
  }
  const text = typeof s.title === 'string' ? s.title : typeof s.description === 'string' ? s.description : '';
  const vi = text.split(' / ')[0]!.trim();
  if (!vi || vi.length > LABEL_MAX_CHARS || /[:;\n]/.test(vi)) return null;
  return vi;
}

/** The schema of property `name` of an object schema, if it declares one. */
function propertySchema(objectSchema: unknown, name: string): unknown {
  const properties = (objectSchema as { properties?: Record<string, unknown> } | null)?.properties;
  return properties && Object.hasOwn(properties, name) ? properties[name] : undefined;
}

const list = (values: unknown) => (Array.isArray(values) ? values.map(String).join(', ') : String(values));

/** Vietnamese and English for one Ajv keyword. */
function texts(e: AjvErrorLike): { vi: string; en: string } {
  const p = e.params ?? {};
  const limit = p['limit'];
  switch (e.keyword) {
    case 'required':
      return { vi: 'bắt buộc', en: 'required' };
    case 'additionalProperties':
      return { vi: 'trường không được phép', en: 'unknown field' };
    case 'minLength':
      return limit === 1
        ? { vi: 'không được để trống', en: 'must not be empty' }
        : { vi: `cần ít nhất ${limit} ký tự`, en: `must have at least ${limit} characters` };
    case 'maxLength':
      return { vi: `tối đa ${limit} ký tự`, en: `must have at most ${limit} characters` };
    case 'type': {
      const types = String(p['type'] ?? '').split(',');
      return {
        vi: `phải là ${types.map((t) => TYPES_VI[t] ?? t).join(' hoặc ')}`,
        en: `must be ${types.join(' or ')}`,
      };
    }
    case 'format': {
      const format = String(p['format'] ?? '');
      return {
        vi: `sai định dạng: cần ${FORMATS_VI[format] ?? format}`,
        en: `must be ${FORMATS_EN[format] ?? `a valid ${format}`}`,
      };
    }
    case 'enum':
      return {
        vi: `chỉ nhận một trong: ${list(p['allowedValues'])}`,
        en: `must be one of: ${list(p['allowedValues'])}`,
      };
    case 'const':
      return { vi: `phải là ${String(p['allowedValue'])}`, en: `must be ${String(p['allowedValue'])}` };
    case 'pattern':
      return { vi: `sai định dạng (mẫu ${String(p['pattern'])})`, en: `must match ${String(p['pattern'])}` };
    case 'minimum':
      return { vi: `phải từ ${limit} trở lên`, en: `must be at least ${limit}` };
    case 'exclusiveMinimum':
      return { vi: `phải lớn hơn ${limit}`, en: `must be greater than ${limit}` };
    case 'maximum':
      return { vi: `không được quá ${limit}`, en: `must be at most ${limit}` };
    case 'exclusiveMaximum':
      return { vi: `phải nhỏ hơn ${limit}`, en: `must be less than ${limit}` };
    case 'multipleOf':
      return {
        vi: `phải là bội số của ${String(p['multipleOf'])}`,
        en: `must be a multiple of ${String(p['multipleOf'])}`,
      };
    case 'minItems':
      return { vi: `cần ít nhất ${limit} phần tử`, en: `must have at least ${limit} items` };
    case 'maxItems':
      return { vi: `tối đa ${limit} phần tử`, en: `must have at most ${limit} items` };
    case 'uniqueItems': {
      const [a, b] = [Number(p['i']), Number(p['j'])].sort((x, y) => x - y);
      return {
        vi: `các phần tử không được trùng nhau (phần tử ${a} và ${b})`,
        en: `must not have duplicate items (items ${a} and ${b})`,
      };
    }
    case 'minProperties':
      return { vi: `cần ít nhất ${limit} trường`, en: `must have at least ${limit} fields` };
    case 'maxProperties':
      return { vi: `tối đa ${limit} trường`, en: `must have at most ${limit} fields` };
    case 'anyOf':
    case 'oneOf':
      return { vi: 'không khớp dạng nào được phép', en: 'must match one of the allowed forms' };
    default:
      return { vi: 'không hợp lệ', en: e.message ?? 'is not valid' };
  }
}

const pointerEscape = (s: string) => s.replaceAll('~', '~0').replaceAll('/', '~1');

/** One refused place: the JSON Pointer into the request part, and the "Tiếng Việt / English" message. */
export interface ValidationMessage {
  path: string;
  message: string;
}

/**
 * Ajv's errors as messages a person can act on, one per place and meaning. Unknown and missing fields are named in
 * the path itself. A choice among fixed values (`OneOf`, a union of constants) fails once per value: it is said
 * once, listing the values. A nullable field (`x | null`) fails its `null` branch too: only the real reason is said.
 */
export function validationMessages(errors: AjvErrorLike[]): ValidationMessage[] {
  const unions = errors.filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf');
  const branchOf = (e: AjvErrorLike) =>
    unions.find(
      (u) =>
        u !== e &&
        u.instancePath === e.instancePath &&
        typeof u.schemaPath === 'string' &&
        (e.schemaPath ?? '').startsWith(`${u.schemaPath}/`),
    );
  const out: ValidationMessage[] = [];
  const seen = new Set<string>();
  const add = (path: string, label: string | null, t: { vi: string; en: string }) => {
    const message = `${label ? `"${label}": ` : ''}${t.vi} / ${t.en}`;
    const key = `${path}\u0000${message}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push({ path, message });
  };
  for (const e of errors) {
    let path = e.instancePath ?? '';
    const union = branchOf(e);
    if (e.keyword === 'anyOf' || e.keyword === 'oneOf') {
      const branches = errors.filter((b) => branchOf(b) === e);
      if (branches.length > 0 && branches.every((b) => b.keyword === 'const')) {
        const values = branches.map((b) => String(b.params?.['allowedValue']));
        add(path, fieldLabel(e.parentSchema), {
          vi: `chỉ nhận một trong: ${values.join(', ')}`,
          en: `must be one of: ${values.join(', ')}`,
        });
      } else if (branches.length === 0) {
        add(path, fieldLabel(e.parentSchema), texts(e));
      }
      continue;
    }
    if (union) {
      const siblings = errors.filter((b) => branchOf(b) === union);
      // Said once by the union (a choice among constants), or the `null` of a nullable field beside its reason.
      if (siblings.every((b) => b.keyword === 'const')) continue;
      if (e.keyword === 'type' && e.params?.['type'] === 'null') continue;
    }
    let label = fieldLabel(e.parentSchema);
    if (e.keyword === 'additionalProperties' && typeof e.params?.['additionalProperty'] === 'string') {
      path = `${path}/${pointerEscape(e.params['additionalProperty'])}`;
      label = null;
    } else if (e.keyword === 'required' && typeof e.params?.['missingProperty'] === 'string') {
      const name = e.params['missingProperty'];
      path = `${path}/${pointerEscape(name)}`;
      label = fieldLabel(propertySchema(e.parentSchema, name));
    }
    add(path, label, texts(e));
  }
  return out;
}
