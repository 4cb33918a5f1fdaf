import { LgspError } from '../core/errors.ts';
import type { ResourceTemplate } from '../core/types.ts';

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;

export interface TimeWindow {
  start: string;
  end: string;
}

/** "07:30-17:00" → {start, end}; a window may pass midnight ("22:00-06:00"); null means all day. */
export function parseTimeOfUse(raw: string | null): TimeWindow | null {
  if (raw === null || raw.trim() === '') return null;
  const [start, end, ...rest] = raw.split('-').map((s) => s.trim());
  if (!start || !end || rest.length > 0 || !HHMM.test(start) || !HHMM.test(end) || start === end) {
    throw new LgspError('CP_TIME_WINDOW_INVALID', raw);
  }
  return { start, end };
}

export function minutesOfDay(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return h! * 60 + m!;
}

const METHODS = new Set(['*', 'GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']);
const SEGMENT = /^(\{[A-Za-z_][A-Za-z0-9_]*\}|[A-Za-z0-9._~-]+)$/;

/** Resource templates: `/congdan/{soDinhDanh}`, `/hoso`, or a final `/*` that matches the rest of the path. */
export function validateResourceTemplates(resources: ResourceTemplate[]): ResourceTemplate[] {
  return resources.map(({ method, path }) => {
    const m = method.toUpperCase();
    const segments = path.split('/').slice(1);
    const valid =
      METHODS.has(m) &&
      path.startsWith('/') &&
      segments.every((s, i) => SEGMENT.test(s) || (s === '*' && i === segments.length - 1));
    if (!valid) throw new LgspError('CP_RESOURCE_TEMPLATE_INVALID', `${method} ${path}`);
    return { method: m, path };
  });
}

export function validateUpstreamUrl(raw: string | null): string | null {
  if (raw === null || raw === '') return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new LgspError('CP_UPSTREAM_URL_INVALID', raw);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new LgspError('CP_UPSTREAM_URL_INVALID', raw);
  if (url.search || url.hash) throw new LgspError('CP_UPSTREAM_URL_INVALID', `${raw}: no query or fragment`);
  return url.toString().replace(/\/$/, '');
}
