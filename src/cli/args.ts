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

/** The forms every CLI option that takes a date or a time accepts (`readVietnamTime`), for help and errors. */
export const TIME_FORMS_VI =
  'dd/mm/yyyy, dd/mm/yyyy HH:mm (giờ Việt Nam), hoặc ISO 8601: 2027-02-05, 2027-02-05T08:30 (giờ Việt Nam), ' +
  '2027-02-05T08:30:00+07:00';
export const TIME_FORMS_EN =
  'dd/mm/yyyy, dd/mm/yyyy HH:mm (Vietnam time), or ISO 8601: 2027-02-05, 2027-02-05T08:30 (Vietnam time), ' +
  '2027-02-05T08:30:00+07:00';

const pad = (n: number) => String(n).padStart(2, '0');

/** A calendar day that exists (not 30/02) and a time of day that does (not 24:10). */
function realDay(year: number, month: number, date: number): boolean {
  const d = new Date(Date.UTC(year, month - 1, date));
  return d.getUTCFullYear() === year && d.getUTCMonth() === month - 1 && d.getUTCDate() === date;
}

/**
 * THE parser of every CLI option that takes a date or a time (`--at`, `--since`, `--previous-sunset`, `--from`,
 * `--to`): what an operator in Vietnam types, as an ISO 8601 instant for the API.
 *  - `dd/mm/yyyy` (also `d/m/yyyy`) and `dd/mm/yyyy HH:mm[:ss]` — how Vietnamese write dates, Vietnam time;
 *  - ISO 8601: a day `2027-02-10`, a date-time without a zone `2027-02-10T08:30[:ss[.sss]]` (Vietnam time), or
 *    with its own zone (`Z`, `+07:00`), sent as typed;
 * a day alone is its start (00:00 Vietnam time), or with `end` (the exclusive end of a period, `--to`) the start
 * of the next day, so `--to 31/12/2026` includes the 31st. Anything else — another form, a day that does not
 * exist — is a usage error (exit 2) naming the option and the accepted forms, never sent on for the API to refuse
 * with its schema.
 */
export function readVietnamTime(value: string, option: string, options: { end?: boolean } = {}): string {
  const v = value.trim();
  const refuse = (why?: [vi: string, en: string]): never => {
    throw new UsageError(
      `--${option}: không đọc được thời điểm "${value}"${why ? ` (${why[0]})` : ''}; dùng ${TIME_FORMS_VI} / ` +
        `cannot read the time "${value}"${why ? ` (${why[1]})` : ''}; use ${TIME_FORMS_EN}`,
    );
  };
  const NO_TIME: [string, string] = ['không có giờ đó', 'no such time of day'];
  const NO_DAY: [string, string] = ['không có ngày đó', 'no such day'];
  let year: number;
  let month: number;
  let date: number;
  let clock: string | undefined;
  const vn = /^(\d{1,2})\/(\d{1,2})\/(\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$/.exec(v);
  const iso =
    /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/.exec(v);
  if (vn) {
    [date, month, year] = [Number(vn[1]), Number(vn[2]), Number(vn[3])];
    if (vn[4] !== undefined) {
      const [h, m, sec] = [Number(vn[4]), Number(vn[5]), Number(vn[6] ?? 0)];
      if (h > 23 || m > 59 || sec > 59) refuse(NO_TIME);
      clock = `${pad(h)}:${pad(m)}:${pad(sec)}`;
    }
  } else if (iso) {
    [year, month, date] = [Number(iso[1]), Number(iso[2]), Number(iso[3])];
    if (iso[4] !== undefined) {
      const [h, m, sec] = [Number(iso[4]), Number(iso[5]), Number(iso[6] ?? 0)];
      if (h > 23 || m > 59 || sec > 59) refuse(NO_TIME);
      if (iso[8] !== undefined) {
        if (!realDay(year, month, date) || Number.isNaN(Date.parse(v))) refuse(NO_DAY);
        return v;
      }
      clock = `${iso[4]}:${iso[5]}:${iso[6] ?? '00'}${iso[7] ?? ''}`;
    }
  } else {
    return refuse();
  }
  if (!realDay(year, month, date)) refuse(NO_DAY);
  if (clock !== undefined) return `${year}-${pad(month)}-${pad(date)}T${clock}+07:00`;
  const start = new Date(Date.UTC(year, month - 1, date + (options.end ? 1 : 0)));
  return `${start.toISOString().slice(0, 10)}T00:00:00+07:00`;
}

/** A point in time (`readVietnamTime`): a day alone is its start. */
export function vietnamInstant(value: string, option: string): string {
  return readVietnamTime(value, option);
}

/**
 * The end of a period as an operator types it, for the API's `to`, which is exclusive (`readVietnamTime` with
 * `end`). A day alone means through that day — `--from 01/12/2026 --to 31/12/2026` is all of December: the start
 * of the next day in Vietnam time (`2027-01-01T00:00:00+07:00`). A time is the instant itself, exclusive, as the
 * console's range pickers send their end.
 */
export function vietnamPeriodEnd(value: string, option: string): string {
  return readVietnamTime(value, option, { end: true });
}

/** `--from`/`--to` in a synopsis: a day or a zone-less time, Vietnam time (the help's one wording). */
export const PERIOD_SYNOPSIS = '--from <dd/mm/yyyy[ HH:mm]> --to <dd/mm/yyyy[ HH:mm]>';
export const PERIOD_NOTE =
  'giờ Việt Nam, hoặc ISO 8601; --to là một ngày thì gồm cả ngày đó / Vietnam time, or ISO 8601; a day in --to ' +
  'includes that day';

/** A required period (`--from`, `--to`) for the API: `vietnamInstant` and `vietnamPeriodEnd`. */
export function vietnamPeriod(values: Values, usage?: string): { from: string; to: string } {
  return {
    from: vietnamInstant(required(values, 'from', usage), 'from'),
    to: vietnamPeriodEnd(required(values, 'to', usage), 'to'),
  };
}

/** The same for a list's optional filters: only the ends that were typed. */
export function vietnamPeriodFilter(values: Values): { from?: string; to?: string } {
  const from = str(values, 'from');
  const to = str(values, 'to');
  return {
    ...(from ? { from: vietnamInstant(from, 'from') } : {}),
    ...(to ? { to: vietnamPeriodEnd(to, 'to') } : {}),
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
