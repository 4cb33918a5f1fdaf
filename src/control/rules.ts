import type { ResourceTemplate, VersionStatus } from '../api/contract/index.ts';
import { LgspError } from '../core/errors.ts';

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

/** Pushes an async destination takes at once (issue 4): at least one, at most what one node sensibly opens. */
export function validateDeliveryConcurrency(value: number): number {
  if (!Number.isInteger(value) || value < 1 || value > 256) {
    throw new LgspError('API_VALIDATION_FAILED', `deliveryConcurrency ${value}: từ 1 đến 256 / 1–256`);
  }
  return value;
}

/** A version's request body limit (issue 10 item 7): null for the platform's default, else 1 KiB – 2 GiB. */
export function validateRequestBodyLimit(value: number | null): number | null {
  if (value === null) return null;
  if (!Number.isInteger(value) || value < 1024 || value > 2147483647) {
    throw new LgspError(
      'API_VALIDATION_FAILED',
      `requestBodyLimitBytes ${value}: từ 1024 đến 2147483647 byte / 1024–2147483647 bytes`,
    );
  }
  return value;
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
  if (url.search || url.hash)
    throw new LgspError(
      'CP_UPSTREAM_URL_INVALID',
      `${raw}: không được có query hay fragment / no query or fragment`,
    );
  return url.toString().replace(/\/$/, '');
}

/**
 * The status moves anyone may make by hand (PATCH): only back to draft, to withdraw or rework a version. Every
 * step forward is a workflow action with its own checks (`Lifecycle`): submit (the R-11 description and the
 * OpenAPI/WSDL document), start the sandbox test (a sandbox upstream), publish (the recorded sandbox call as
 * evidence, and the predecessor's sunset, R-18), reject (a reason). Deprecation and retirement follow from
 * publishing a successor and from the sunset date, never by hand.
 */
export const MANUAL_VERSION_MOVES: Readonly<Record<VersionStatus, readonly VersionStatus[]>> = {
  draft: [],
  submitted: ['draft'],
  sandbox_test: ['draft'],
  published: [],
  deprecated: [],
  retired: [],
  rejected: ['draft'],
};

export function assertVersionMove(from: VersionStatus, to: VersionStatus): void {
  if (from !== to && !MANUAL_VERSION_MOVES[from].includes(to)) {
    throw new LgspError('CP_VERSION_STATE', `${from} → ${to}`);
  }
}
