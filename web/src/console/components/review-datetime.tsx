import { DatePicker } from 'antd';
import type { Dayjs } from 'dayjs';
import { vietnamWallClockToIso } from '../../shared/time.ts';

/**
 * A date and time picked as Vietnam wall-clock time (`dd/mm/yyyy HH:mm`), whatever the browser's zone: the figures
 * the person picks are read as UTC+7 and turned into the instant the API wants. Enter in the field confirms the
 * typed date only; it does not also submit the surrounding form (which would announce a half-edited window).
 */
export function ReviewDateTimePicker(props: {
  id?: string;
  value?: Dayjs | null;
  onChange?: (value: Dayjs | null) => void;
  'aria-describedby'?: string;
}) {
  return (
    <DatePicker
      {...props}
      showTime={{ format: 'HH:mm' }}
      format="DD/MM/YYYY HH:mm"
      placeholder="dd/mm/yyyy HH:mm"
      style={{ width: 220 }}
      onKeyDown={(event) => {
        if (event.key === 'Enter') event.preventDefault();
      }}
    />
  );
}

export function pickedVietnamTimeToIso(value: Dayjs): string {
  return vietnamWallClockToIso(value.year(), value.month() + 1, value.date(), value.hour(), value.minute());
}
