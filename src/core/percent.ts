/**
 * A rate (0–1) as the percentage a person reads, as the Vietnamese/English pair a screen chooses from (like
 * `formatSize`): Vietnamese marks decimals with a comma — `33,3 %` — English with a point — `33.3 %`. A screen that
 * wrote `toFixed(1)` showed `100.0 %` on a Vietnamese page, which a Vietnamese reader takes for a thousands group.
 * `fixed`: always that many decimals (a table's column lines up); otherwise at most that many (`0 %`, `33,3 %`).
 */
export function formatPercent(
  rate: number,
  { fractionDigits = 1, fixed = false }: { fractionDigits?: number; fixed?: boolean } = {},
): { vi: string; en: string } {
  const options = {
    minimumFractionDigits: fixed ? fractionDigits : 0,
    maximumFractionDigits: fractionDigits,
  };
  const value = rate * 100;
  return {
    vi: `${new Intl.NumberFormat('vi-VN', options).format(value)} %`,
    en: `${new Intl.NumberFormat('en-US', options).format(value)} %`,
  };
}
