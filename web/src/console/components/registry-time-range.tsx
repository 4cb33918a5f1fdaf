import { DatePicker } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { useT } from '../../shared/i18n.tsx';
import { vietnamWallClockToIso } from '../../shared/time.ts';

const VIETNAM_OFFSET_MS = 7 * 60 * 60 * 1000;

/**
 * A time range a person picks in Vietnam time, whatever the browser's zone: the pickers show wall-clock figures,
 * read here as Vietnam time (UTC+7) and sent to the API as ISO instants.
 */
export type TimeRange = [from: string, to: string];

/** The picker's figures for an instant, as a clock in Vietnam shows it. */
export function vietnamPickerValue(iso: string): Dayjs {
  const d = new Date(new Date(iso).getTime() + VIETNAM_OFFSET_MS);
  return dayjs(
    new Date(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes()),
  );
}

/** The instant a picker's figures name, read as Vietnam time. */
export function pickerValueToIso(value: Dayjs): string {
  return vietnamWallClockToIso(value.year(), value.month() + 1, value.date(), value.hour(), value.minute());
}

/** The last `hours` hours up to the next whole minute. */
export function lastHours(hours: number, now = Date.now()): TimeRange {
  const to = Math.ceil(now / 60_000) * 60_000;
  return [new Date(to - hours * 3_600_000).toISOString(), new Date(to).toISOString()];
}

export function TimeRangePicker({
  value,
  onChange,
  label,
}: {
  value: TimeRange;
  onChange: (range: TimeRange) => void;
  label?: string;
}) {
  const t = useT();
  const name = label ?? t('Khoảng thời gian (giờ Việt Nam)', 'Time range (Vietnam time)');
  return (
    <DatePicker.RangePicker
      // Never wider than the form it is in: on a phone its two date-times spilled past the screen's edge.
      style={{ maxWidth: '100%' }}
      showTime={{ format: 'HH:mm' }}
      format="DD/MM/YYYY HH:mm"
      allowClear={false}
      aria-label={name}
      value={[vietnamPickerValue(value[0]), vietnamPickerValue(value[1])]}
      placeholder={[t('Từ', 'From'), t('Đến', 'To')]}
      onChange={(range) => {
        if (range?.[0] && range[1]) onChange([pickerValueToIso(range[0]), pickerValueToIso(range[1])]);
      }}
    />
  );
}
