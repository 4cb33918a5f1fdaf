import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatPercent } from '../src/core/percent.ts';
import { formatSize } from '../src/core/size.ts';

// The platform's one formatter for sizes (src/core/size.ts, the console's useFormatSize): Vietnamese first, its digit grouping and decimal
// comma, binary units; the transaction detail asks for the exact count beside the rounded size.
test('sizes read in Vietnamese (1.280 byte, 1,3 KiB) and in English (1,280 bytes, 1.3 KiB)', () => {
  const table: Array<[bytes: number, exact: boolean, vi: string, en: string]> = [
    [0, false, '0 byte', '0 bytes'],
    [1, false, '1 byte', '1 byte'],
    [1023, true, '1.023 byte', '1,023 bytes'],
    [1024, false, '1 KiB', '1 KiB'],
    [1280, false, '1,3 KiB', '1.3 KiB'],
    [1280, true, '1.280 byte (1,3 KiB)', '1,280 bytes (1.3 KiB)'],
    [12_345_678, false, '11,8 MiB', '11.8 MiB'],
    [12_345_678, true, '12.345.678 byte (11,8 MiB)', '12,345,678 bytes (11.8 MiB)'],
  ];
  for (const [bytes, exact, vi, en] of table) {
    assert.deepEqual(formatSize(bytes, { exact }), { vi, en }, `${bytes} bytes, exact: ${exact}`);
  }
});

// The platform's one formatter for rates (src/core/percent.ts, the console's useFormatPercent): a decimal comma in
// Vietnamese — the statistics showed "100.0 %" on a Vietnamese page.
test('rates read in Vietnamese (33,3 %, 100,0 %) and in English (33.3 %, 100.0 %)', () => {
  const table: Array<[rate: number, fixed: boolean, vi: string, en: string]> = [
    [0, false, '0 %', '0 %'],
    [1 / 3, false, '33,3 %', '33.3 %'],
    [1, false, '100 %', '100 %'],
    [1, true, '100,0 %', '100.0 %'],
    [0.66666, true, '66,7 %', '66.7 %'],
  ];
  for (const [rate, fixed, vi, en] of table) {
    assert.deepEqual(formatPercent(rate, { fixed }), { vi, en }, `${rate}, fixed: ${fixed}`);
  }
});
