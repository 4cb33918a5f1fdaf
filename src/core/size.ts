/**
 * A size a person reads, as the Vietnamese/English pair a screen chooses from (like `formatAge`): the platform's
 * one formatter for bytes (the console's `useFormatSize`, web/src/shared/size.ts), so no screen writes an English
 * "bytes" after a Vietnamese label.
 * Vietnamese groups digits with a dot and marks decimals with a comma (1.280 byte, 1,3 KiB), English the other way.
 * Larger units are binary (KiB = 1024 byte), as the platform's limits are (`admin.bodyLimitBytes`).
 */
export interface SizeText {
  vi: string;
  en: string;
}

const UNITS = ['KiB', 'MiB', 'GiB', 'TiB'] as const;

const numberFormat = {
  vi: new Intl.NumberFormat('vi-VN', { maximumFractionDigits: 1 }),
  en: new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 }),
};

function scaled(bytes: number): { value: number; unit: string } {
  let value = bytes;
  let unit = 0;
  do {
    value /= 1024;
    unit += 1;
  } while (value >= 1024 && unit < UNITS.length);
  return { value, unit: UNITS[unit - 1]! };
}

/**
 * `0 byte` / `0 bytes`, `1,3 KiB` / `1.3 KiB`. With `exact`, a size of 1 KiB or more also gives its byte count
 * first — `1.280 byte (1,3 KiB)` — for a record read as evidence (a transaction's request and response sizes).
 */
export function formatSize(bytes: number, { exact = false }: { exact?: boolean } = {}): SizeText {
  const whole = Math.max(0, Math.round(bytes));
  const count = {
    vi: `${numberFormat.vi.format(whole)} byte`,
    en: `${numberFormat.en.format(whole)} ${whole === 1 ? 'byte' : 'bytes'}`,
  };
  if (whole < 1024) return count;
  const { value, unit } = scaled(whole);
  const rounded = {
    vi: `${numberFormat.vi.format(value)} ${unit}`,
    en: `${numberFormat.en.format(value)} ${unit}`,
  };
  return exact ? { vi: `${count.vi} (${rounded.vi})`, en: `${count.en} (${rounded.en})` } : rounded;
}
