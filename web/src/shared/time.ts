import { formatVietnamDate, formatVietnamDateTime, VIETNAM_OFFSET_MINUTES } from '../../../src/core/time.ts';

/**
 * Every date and time a person reads is Vietnam time, `dd/mm/yyyy HH:mm` (UTC+7, no daylight saving), whatever the
 * browser's own time zone: an operator in Hà Nội and an auditor's laptop set to UTC must read the same figure.
 * The API speaks ISO 8601 instants; only the screen turns them into this.
 */
const VIETNAM_OFFSET_MS = VIETNAM_OFFSET_MINUTES * 60_000;

type Shown = string | number | Date | null | undefined;

function valid(value: Shown): value is string | number | Date {
  return value !== null && value !== undefined && value !== '' && !Number.isNaN(new Date(value).getTime());
}

/** `15/06/2027 00:00` (the platform's one formatter, core/time.ts); an empty or invalid value reads as `—`. */
export function formatDateTime(value: Shown): string {
  return valid(value) ? formatVietnamDateTime(value, VIETNAM_OFFSET_MINUTES) : '—';
}

/** `15/06/2027`. */
export function formatDate(value: Shown): string {
  return valid(value) ? formatVietnamDate(value, VIETNAM_OFFSET_MINUTES) : '—';
}

/**
 * A deadline a person reads. The platform's review deadlines end with a working day, at 00:00 Vietnam time of the
 * next day: written as `09/12/2026 00:00` it read as "still on the 9th", so a deadline at midnight is the day it
 * closes — `hết ngày 08/12/2026` / `end of 08/12/2026`; any other time is the date and time as everywhere.
 */
export function formatDeadline(value: Shown): { vi: string; en: string } {
  if (!valid(value)) return { vi: '—', en: '—' };
  const at = new Date(value).getTime();
  const shown = formatVietnamDateTime(at, VIETNAM_OFFSET_MINUTES);
  if (!shown.endsWith(' 00:00')) return { vi: shown, en: shown };
  const day = formatVietnamDate(at - 1, VIETNAM_OFFSET_MINUTES);
  return { vi: `hết ngày ${day}`, en: `end of ${day}` };
}

/** A Vietnam-time wall-clock date and time (from a date picker) as the instant the API wants. */
export function vietnamWallClockToIso(
  year: number,
  month: number,
  day: number,
  hour = 0,
  minute = 0,
): string {
  return new Date(Date.UTC(year, month - 1, day, hour, minute) - VIETNAM_OFFSET_MS).toISOString();
}

/** How long ago, for ages in review queues: "3 giờ" / "3 h", "2 ngày" / "2 d". */
export function formatAge(fromIso: string, now = Date.now()): { vi: string; en: string } {
  const minutes = Math.max(0, Math.floor((now - new Date(fromIso).getTime()) / 60_000));
  if (minutes < 60) return { vi: `${minutes} phút`, en: `${minutes} min` };
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return { vi: `${hours} giờ`, en: `${hours} h` };
  const days = Math.floor(hours / 24);
  return { vi: `${days} ngày`, en: `${days} d` };
}
