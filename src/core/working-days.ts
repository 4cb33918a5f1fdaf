/**
 * Working days in local time (no I/O). Decree 194/2025 gives the providing side 2 working days to create a
 * connection account or refuse it with reasons; the clock skips Saturdays, Sundays and public holidays.
 *
 * A working day counts as a whole calendar day of local time (00:00–24:00), so a request received on Friday at
 * 16:00 has used 8/24 of a working day by midnight, and its 2 working days end on Tuesday at 16:00. Days are
 * judged in the platform's local time (`timezoneOffsetMinutes`, UTC+7 in Vietnam), never in UTC: Friday 20:00 UTC
 * is already Saturday 03:00 in Vietnam.
 */

const DAY_MS = 86_400_000;
/** Far enough for any real deadline; stops a calendar whose holidays cover every weekday from looping forever. */
const MAX_DAYS_SCANNED = 3_660;

export interface WorkingCalendar {
  /** Local time as minutes east of UTC (Vietnam: 420). */
  timezoneOffsetMinutes: number;
  /** Public holidays as local dates, `YYYY-MM-DD`. */
  holidays: readonly string[];
}

/**
 * Vietnam's public holidays of 2026 that fall on weekdays, as the days off of civil servants (the 2019 Labour
 * Code, Art. 112; a holiday on a weekend is taken on the next working day). Sources (press reports of the official
 * schedules):
 * - Tết Dương lịch: Thursday 2026-01-01.
 * - Tết Nguyên đán Bính Ngọ: off from Saturday 14/2 to Sunday 22/2/2026 (9 days, the plan approved for civil
 *   servants, as reported by congan.com.vn) — the weekdays 2026-02-16 … 2026-02-20.
 * - Giỗ Tổ Hùng Vương (10/3 âm lịch) falls on Sunday 26/4/2026, taken on Monday 2026-04-27 (thanhnien.vn,
 *   23/02/2026).
 * - 30/4 and 1/5 fall on Thursday and Friday: 2026-04-30, 2026-05-01.
 * - Quốc khánh: 2/9 (Wednesday) and one adjacent day, chosen each year by the Prime Minister. ASSUMPTION: the
 *   day before, Tuesday 2026-09-01; set `workflow.holidays` (LGSP_HOLIDAYS) if the announced schedule differs.
 * Other years, and any later change, are the operator's to set in the configuration.
 */
export const VIETNAM_HOLIDAYS_2026: readonly string[] = [
  '2026-01-01',
  '2026-02-16',
  '2026-02-17',
  '2026-02-18',
  '2026-02-19',
  '2026-02-20',
  '2026-04-27',
  '2026-04-30',
  '2026-05-01',
  '2026-09-01',
  '2026-09-02',
];

function isWorkingDay(localDayStartMs: number, holidays: ReadonlySet<string>): boolean {
  const day = new Date(localDayStartMs);
  const weekday = day.getUTCDay();
  if (weekday === 0 || weekday === 6) return false;
  return !holidays.has(day.toISOString().slice(0, 10));
}

/** Working days elapsed from `startMs` to `endMs` (fractional; 0 when `endMs` is not after `startMs`). */
export function workingDaysBetween(startMs: number, endMs: number, calendar: WorkingCalendar): number {
  if (!(endMs > startMs)) return 0;
  const offsetMs = calendar.timezoneOffsetMinutes * 60_000;
  const holidays = new Set(calendar.holidays);
  const to = endMs + offsetMs;
  let from = startMs + offsetMs;
  let workingMs = 0;
  while (from < to) {
    const dayStart = Math.floor(from / DAY_MS) * DAY_MS;
    const until = Math.min(dayStart + DAY_MS, to);
    if (isWorkingDay(dayStart, holidays)) workingMs += until - from;
    from = until;
  }
  return workingMs / DAY_MS;
}

/** The moment (ms since the epoch) when `workingDays` working days have elapsed since `startMs`. */
export function deadlineOf(startMs: number, workingDays: number, calendar: WorkingCalendar): number {
  const offsetMs = calendar.timezoneOffsetMinutes * 60_000;
  const holidays = new Set(calendar.holidays);
  let remainingMs = Math.max(0, workingDays) * DAY_MS;
  let at = startMs + offsetMs;
  if (remainingMs === 0) return startMs;
  for (let scanned = 0; scanned < MAX_DAYS_SCANNED; scanned++) {
    const dayStart = Math.floor(at / DAY_MS) * DAY_MS;
    const dayEnd = dayStart + DAY_MS;
    if (isWorkingDay(dayStart, holidays)) {
      if (dayEnd - at >= remainingMs) return at + remainingMs - offsetMs;
      remainingMs -= dayEnd - at;
    }
    at = dayEnd;
  }
  throw new Error(`no ${workingDays} working days within ${MAX_DAYS_SCANNED} days: check the holiday list`);
}
