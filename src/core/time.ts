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

/** "07:30" → 450: minutes since midnight of a subscription's time window bound, checked on every call. */
export function minutesOfDay(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return h! * 60 + m!;
}
