import { formatSize } from '../../../src/core/size.ts';
import { useLanguage } from './i18n.tsx';

export { formatSize };

/**
 * A size in the language the screen shows, from the platform's one formatter (src/core/size.ts): `1.280 byte`,
 * `1,3 KiB` in Vietnamese; with `exact`, the byte count and the rounded size beside it.
 */
export function useFormatSize(): (bytes: number, options?: { exact?: boolean }) => string {
  const { language } = useLanguage();
  return (bytes, options) => formatSize(bytes, options)[language];
}
