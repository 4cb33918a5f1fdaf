import { parseArgs } from 'node:util';
import { ENVIRONMENTS, type Environment } from '../api/contract/common.ts';

/** A mistake in how the command was typed: printed with the usage line, exit code 2. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly usage?: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface OptionSpec {
  type: 'string' | 'boolean';
  multiple?: boolean;
  short?: string;
}
export type OptionSpecs = Record<string, OptionSpec>;

/** Options that each take one text value (`--name <tên>`), the kind most commands have. */
export function textOptions<const Name extends string>(...names: Name[]): Record<Name, OptionSpec> {
  return Object.fromEntries(names.map((name) => [name, { type: 'string' }])) as Record<Name, OptionSpec>;
}

/** Accepted by every command, before or after its name. */
export const GLOBAL_OPTIONS = {
  url: { type: 'string' },
  token: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies OptionSpecs;

export const GLOBAL_OPTIONS_HELP = `Tuỳ chọn chung / Global options:
  --url <url>      Địa chỉ API quản trị / admin API URL (LGSP_ADMIN_URL, mặc định http://127.0.0.1:9080)
  --token <token>  Bearer token (LGSP_ADMIN_TOKEN, hoặc phiên của \`lgsp login\` / or the saved login)
  --json           In JSON gốc của API / print the API's raw JSON
  -h, --help       Trợ giúp / help`;

export type Values = Record<string, string | boolean | Array<string | boolean> | undefined>;

export interface Parsed {
  values: Values;
  positionals: string[];
}

/** node:util parseArgs, strict, with the global options added; its errors become usage errors. */
export function parse(args: string[], options: OptionSpecs, usage?: string): Parsed {
  try {
    const { values, positionals } = parseArgs({
      args,
      options: { ...GLOBAL_OPTIONS, ...options },
      allowPositionals: true,
      strict: true,
    });
    return { values: values as Values, positionals };
  } catch (err) {
    throw new UsageError(explainParseError(err as Error & { code?: string }), usage);
  }
}

function explainParseError(err: Error & { code?: string }): string {
  const option = /'(-{1,2}[^'\s]+)/.exec(err.message)?.[1] ?? '';
  switch (err.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `Tuỳ chọn không hợp lệ / Unknown option: ${option || err.message}`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return `Thiếu giá trị hoặc giá trị không hợp lệ / Missing or invalid value: ${option || err.message}`;
    default:
      return err.message;
  }
}

/**
 * The first positional (the command or subcommand name) and the other arguments, skipping the values of
 * options that take one, so `--url http://x org list` finds `org`, not the URL.
 */
export function splitFirst(
  args: string[],
  options: OptionSpecs,
): { name: string | undefined; rest: string[] } {
  const takesValue = new Set<string>();
  for (const [name, spec] of Object.entries({ ...GLOBAL_OPTIONS, ...options })) {
    if (spec.type === 'string') {
      takesValue.add(`--${name}`);
      if ('short' in spec && spec.short) takesValue.add(`-${spec.short}`);
    }
  }
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') return { name: args[i + 1], rest: [...args.slice(0, i), ...args.slice(i + 2)] };
    if (takesValue.has(arg)) {
      i++;
      continue;
    }
    if (arg.startsWith('-') && arg !== '-') continue;
    return { name: arg, rest: [...args.slice(0, i), ...args.slice(i + 1)] };
  }
  return { name: undefined, rest: args };
}

export function str(values: Values, name: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
}

/**
 * A point in time as an operator types it, for the API's ISO 8601 instants: a day `2027-02-10` is its start in
 * Vietnam time (`2027-02-10T00:00:00+07:00`), a date-time without a zone `2027-02-10T08:30` is Vietnam time too; a
 * value with its own zone (`Z`, `+07:00`) or anything else goes as typed, for the API to judge. The help said
 * "ISO date" and the API refused a date alone (400 `API_VALIDATION_FAILED`).
 */
export function vietnamInstant(value: string): string {
  const v = value.trim();
  if (/^\d{4}-\d{2}-\d{2}$/.test(v)) return `${v}T00:00:00+07:00`;
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(v)) {
    return `${v.length === 16 ? `${v}:00` : v}+07:00`;
  }
  return v;
}

/**
 * The end of a period as an operator types it, for the API's `to`, which is exclusive. A day alone means through
 * that day — `--from 2026-12-01 --to 2026-12-31` is all of December: the start of the next day in Vietnam time
 * (`2027-01-01T00:00:00+07:00`). A time is the instant itself, exclusive, as the console's range pickers send their
 * end; zone-less it is Vietnam time (`vietnamInstant`).
 */
export function vietnamPeriodEnd(value: string): string {
  const v = value.trim();
  const day = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v);
  if (!day) return vietnamInstant(v);
  const [year, month, date] = [Number(day[1]), Number(day[2]), Number(day[3])];
  const next = new Date(Date.UTC(year, month - 1, date + 1));
  // Not a real day (2026-02-30): sent as typed for the API to refuse, not rolled over into March.
  const real = new Date(Date.UTC(year, month - 1, date));
  if (real.getUTCMonth() !== month - 1 || real.getUTCDate() !== date) return vietnamInstant(v);
  return `${next.toISOString().slice(0, 10)}T00:00:00+07:00`;
}

/** `--from`/`--to` in a synopsis: a day or a zone-less time, Vietnam time (the help's one wording). */
export const PERIOD_SYNOPSIS = '--from <yyyy-mm-dd[Thh:mm]> --to <yyyy-mm-dd[Thh:mm]>';
export const PERIOD_NOTE =
  'giờ Việt Nam; --to là một ngày thì gồm cả ngày đó / Vietnam time; a day in --to includes that day';

/** A required period (`--from`, `--to`) for the API: `vietnamInstant` and `vietnamPeriodEnd`. */
export function vietnamPeriod(values: Values, usage?: string): { from: string; to: string } {
  return {
    from: vietnamInstant(required(values, 'from', usage)),
    to: vietnamPeriodEnd(required(values, 'to', usage)),
  };
}

/** The same for a list's optional filters: only the ends that were typed. */
export function vietnamPeriodFilter(values: Values): { from?: string; to?: string } {
  const from = str(values, 'from');
  const to = str(values, 'to');
  return {
    ...(from ? { from: vietnamInstant(from) } : {}),
    ...(to ? { to: vietnamPeriodEnd(to) } : {}),
  };
}

/** The text options that were given, under their API names: `{ 'letter-number': 'letterNumber' }`. */
export function given<Field extends string>(
  values: Values,
  names: Record<string, Field>,
): Partial<Record<Field, string>> {
  const out: Partial<Record<Field, string>> = {};
  for (const [option, field] of Object.entries(names)) {
    const value = str(values, option);
    if (value !== undefined) out[field] = value;
  }
  return out;
}

export function bool(values: Values, name: string): boolean {
  return values[name] === true;
}

export function list(values: Values, name: string): string[] {
  const v = values[name];
  return Array.isArray(v)
    ? v.filter((x): x is string => typeof x === 'string')
    : typeof v === 'string'
      ? [v]
      : [];
}

export function required(values: Values, name: string, usage?: string): string {
  const v = str(values, name);
  if (v === undefined || v === '') throw new UsageError(`Thiếu / Missing --${name}`, usage);
  return v;
}

/** An integer ≥ 1; with `allowNone`, the word `none` clears the setting (null). */
export function positiveInt(
  values: Values,
  name: string,
  usage: string | undefined,
  allowNone?: false,
): number | undefined;
export function positiveInt(
  values: Values,
  name: string,
  usage: string | undefined,
  allowNone: boolean,
): number | null | undefined;
export function positiveInt(
  values: Values,
  name: string,
  usage: string | undefined,
  allowNone = false,
): number | null | undefined {
  const v = str(values, name);
  if (v === undefined) return undefined;
  if (allowNone && v === 'none') return null;
  if (!/^[1-9][0-9]{0,9}$/.test(v)) {
    throw new UsageError(
      `--${name}: cần số nguyên ≥ 1${allowNone ? " hoặc 'none'" : ''} / expected an integer ≥ 1${allowNone ? " or 'none'" : ''}: ${v}`,
      usage,
    );
  }
  return Number(v);
}

/** Whether a typed value is one of a contract's listed values (roles, environments, …). */
export function isOneOf<T extends string>(value: string, allowed: readonly T[]): value is T {
  return (allowed as readonly string[]).includes(value);
}

/** `--env`: one of the environments (sandbox, production). */
export function environmentOption(values: Values, usage: string | undefined): Environment {
  const env = required(values, 'env', usage);
  if (!isOneOf(env, ENVIRONMENTS)) throw new UsageError(`--env: ${ENVIRONMENTS.join(' | ')}: ${env}`, usage);
  return env;
}

/** An update with nothing to change is a typing mistake, caught here rather than sent. */
export function nonEmpty<T extends Record<string, unknown>>(patch: T, usage?: string): T {
  if (Object.keys(patch).length === 0) {
    throw new UsageError(
      'Không có gì để sửa: hãy nêu ít nhất một tuỳ chọn / Nothing to update: give an option',
      usage,
    );
  }
  return patch;
}
