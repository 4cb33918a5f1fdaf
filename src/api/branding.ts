import { readFileSync, statSync } from 'node:fs';
import type { Config } from '../core/config.ts';

/**
 * The province's logo (issue 11: one platform per province, its name, logo and colours are configuration). The
 * file is read once, when the admin API is built, so a missing, oversized or foreign file stops the start with a
 * message saying which setting to fix, instead of a broken image on the first visit.
 */

export const MAX_LOGO_BYTES = 256 * 1024;

export interface Logo {
  bytes: Buffer;
  contentType: 'image/png' | 'image/svg+xml';
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** An SVG document: an optional XML declaration and comments, then the `<svg` root. */
const SVG_START = /^\uFEFF?\s*(<\?xml[^>]*\?>\s*)?(<!--[\s\S]*?-->\s*)*<svg[\s>]/;

export class BrandingError extends Error {
  constructor(why: string) {
    super(`branding.logoFile (LGSP_BRANDING_LOGO_FILE): ${why}`);
    this.name = 'BrandingError';
  }
}

/** A neutral emblem in the configured colour: what the console and portal show until a province sets its own. */
export function defaultLogo(primaryColor: string): Logo {
  const svg = [
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64" width="64" height="64" role="img" aria-label="LGSP">',
    `<rect x="2" y="2" width="60" height="60" rx="12" fill="${primaryColor}"/>`,
    '<circle cx="32" cy="20" r="6" fill="#fff"/><circle cx="16" cy="44" r="6" fill="#fff"/>',
    '<circle cx="48" cy="44" r="6" fill="#fff"/>',
    '<path d="M32 20 16 44h32z" fill="none" stroke="#fff" stroke-width="3" stroke-linejoin="round"/>',
    '</svg>',
  ].join('');
  return { bytes: Buffer.from(svg, 'utf8'), contentType: 'image/svg+xml' };
}

/** The configured logo file, checked: a PNG or an SVG, at most MAX_LOGO_BYTES; the built-in one when unset. */
export function loadLogo(branding: Config['branding']): Logo {
  if (branding.logoFile === '') return defaultLogo(branding.primaryColor);
  let size: number;
  try {
    size = statSync(branding.logoFile).size;
  } catch (err) {
    throw new BrandingError(
      `không đọc được tệp / cannot read ${branding.logoFile} (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  if (size > MAX_LOGO_BYTES) {
    throw new BrandingError(
      `tệp logo ${size} byte, tối đa ${MAX_LOGO_BYTES} / the logo is ${size} bytes, at most ${MAX_LOGO_BYTES}`,
    );
  }
  const bytes = readFileSync(branding.logoFile);
  if (bytes.subarray(0, PNG_SIGNATURE.length).equals(PNG_SIGNATURE))
    return { bytes, contentType: 'image/png' };
  if (SVG_START.test(bytes.subarray(0, 4096).toString('utf8')))
    return { bytes, contentType: 'image/svg+xml' };
  throw new BrandingError('logo phải là tệp PNG hoặc SVG / the logo must be a PNG or an SVG file');
}
