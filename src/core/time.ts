/**
 * The one set of converters between what the stores hand back for a timestamp (PGlite a `Date`, `pg` a `Date`, raw
 * SQL and JSON columns an ISO string) and what the platform works with: epoch milliseconds inside, ISO 8601 UTC
 * with milliseconds on the wire.
 */
export type Instant = Date | string | number;

/** ISO 8601, UTC, milliseconds: `2026-12-03T09:31:36.000Z`. */
export function isoOf(value: Instant): string {
  return (value instanceof Date ? value : new Date(value)).toISOString();
}

export function isoOrNull(value: Instant | null | undefined): string | null {
  return value === null || value === undefined ? null : isoOf(value);
}

/** Epoch milliseconds. */
export function msOf(value: Instant): number {
  return typeof value === 'number' ? value : (value instanceof Date ? value : new Date(value)).getTime();
}

export function msOrNull(value: Instant | null | undefined): number | null {
  return value === null || value === undefined ? null : msOf(value);
}

/**
 * The instants the admin API accepts wherever it takes a `date-time` (a list's `from`/`to`, a report's or a
 * reconciliation's period, a date in a body): 01/01/1970 00:00 to 31/12/9999 23:59:59.999, UTC, after the offset is
 * applied. Inside that range JavaScript's `Date`, PGlite and PostgreSQL (through `pg`) all hold the instant exactly
 * and print it the same way; outside it they part — year 0 exists for `Date` but not for PostgreSQL, and `pg` sends
 * it as 1 BC where PGlite sends "0000" and is refused; a year past 9999 is `+010000-…` to `Date.toISOString`, which
 * only `pg` rewrites. A leap second (`23:59:60`) or an hours-only offset (`+07`) passes the format check but is no
 * `Date` at all (an invalid date, a 500 on PGlite). So one rule, applied where the API validates a request: outside
 * it, a 400 on every store.
 */
export const EARLIEST_ACCEPTED_MS = Date.UTC(1970, 0, 1);
export const LATEST_ACCEPTED_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/** Whether an RFC 3339 date-time is an instant the API accepts (`EARLIEST_ACCEPTED_MS` above). */
export function isAcceptedInstant(text: string): boolean {
  const ms = Date.parse(text);
  return Number.isFinite(ms) && ms >= EARLIEST_ACCEPTED_MS && ms <= LATEST_ACCEPTED_MS;
}

/** "07:30" → 450: minutes since midnight of a subscription's time window bound, checked on every call. */
export function minutesOfDay(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return h! * 60 + m!;
}

/**
 * Vietnam's offset from UTC in minutes (UTC+7, no daylight saving since 1975): the default of the platform's
 * `timezoneOffsetMinutes`, and what the CLI prints in (it is a client without the platform's configuration).
 */
export const VIETNAM_OFFSET_MINUTES = 420;

/** The wall-clock fields of an instant at `offsetMinutes` east of UTC, zero-padded. */
function localParts(value: Instant, offsetMinutes: number) {
  const d = new Date(msOf(value) + offsetMinutes * 60_000);
  const two = (n: number) => String(n).padStart(2, '0');
  return {
    day: two(d.getUTCDate()),
    month: two(d.getUTCMonth() + 1),
    year: String(d.getUTCFullYear()),
    hour: two(d.getUTCHours()),
    minute: two(d.getUTCMinutes()),
    second: two(d.getUTCSeconds()),
  };
}

/**
 * What a person reads (notices, e-mails, error messages, files, the CLI): the local date and time as Vietnamese
 * write it, `dd/mm/yyyy HH:mm`. A sunset at 2027-06-14T17:00Z is `15/06/2027 00:00` in Vietnam — the UTC date
 * would be a day early. Machines keep ISO 8601 (`isoOf`): JSON fields, the audit trail, reconciliation files.
 */
export function formatVietnamDateTime(value: Instant, offsetMinutes: number): string {
  const p = localParts(value, offsetMinutes);
  return `${p.day}/${p.month}/${p.year} ${p.hour}:${p.minute}`;
}

/**
 * The same to the second, `dd/mm/yyyy HH:mm:ss`: a log line a person reads in a terminal, where two events of one
 * minute must still be told apart (src/telemetry/logger.ts).
 */
export function formatVietnamDateTimeSeconds(value: Instant, offsetMinutes: number): string {
  const p = localParts(value, offsetMinutes);
  return `${p.day}/${p.month}/${p.year} ${p.hour}:${p.minute}:${p.second}`;
}

/** The local date alone, `dd/mm/yyyy`. */
export function formatVietnamDate(value: Instant, offsetMinutes: number): string {
  const p = localParts(value, offsetMinutes);
  return `${p.day}/${p.month}/${p.year}`;
}

/** `UTC+07:00`: said once beside local times in a text, so a reader abroad knows which clock they are. */
export function utcOffsetLabel(offsetMinutes: number): string {
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return `UTC${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/**
 * The local wall-clock time as a `Date` whose UTC fields hold it: what a spreadsheet cell takes (Excel dates have
 * no time zone, exceljs writes a `Date` by its UTC fields), so the cell shows Vietnam time and filters by it.
 */
export function wallClockDate(value: Instant, offsetMinutes: number): Date {
  return new Date(msOf(value) + offsetMinutes * 60_000);
}
