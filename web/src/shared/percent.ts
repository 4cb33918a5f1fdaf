import { formatPercent } from '../../../src/core/percent.ts';
import { useLanguage } from './i18n.tsx';

/**
 * A rate (0–1) as a percentage in the language the screen shows, from the platform's one formatter
 * (src/core/percent.ts): `100,0 %` in Vietnamese, `100.0 %` in English; null reads `—`.
 */
export function useFormatPercent(): (
  rate: number | null,
  options?: { fractionDigits?: number; fixed?: boolean },
) => string {
  const { language } = useLanguage();
  return (rate, options) => (rate === null ? '—' : formatPercent(rate, options)[language]);
}
