import type { OperationResponse } from '../../../src/api/contract/operation-schemas.ts';
import type { OperationId } from '../../../src/api/contract/operations.ts';
import { ApiClient, ApiError, ConnectionError } from '../../../src/cli/client.ts';
import type { Translate } from './i18n.tsx';

export type { OperationId, OperationResponse };
export { ApiError, ConnectionError };

/**
 * The console calls the admin API through the same typed client as the CLI, keyed by operationId (types come
 * from the API contract, never re-declared here). It is signed in by the HttpOnly session cookie the browser sends
 * by itself; each call carries the session's CSRF token, which only this page can read.
 */
let csrfToken: string | null = null;

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

export const api = new ApiClient(window.location.origin, null, () =>
  csrfToken ? { 'x-csrf-token': csrfToken } : ({} as Record<string, string>),
);

/** A problem from the API as one line a person reads (the API's titles are already "Tiếng Việt / English"). */
export function problemText(err: unknown, t: Translate): string {
  if (err instanceof ApiError) {
    const details = (err.problem?.errors ?? [])
      .map((e) => [e.path, e.message].filter(Boolean).join(': '))
      .filter(Boolean);
    const head = err.problem?.title ?? `HTTP ${err.status}`;
    const detail = err.problem?.detail ? ` — ${err.problem.detail}` : '';
    return [`${head}${detail}`, ...details].join('\n');
  }
  if (err instanceof ConnectionError) {
    return t('Không kết nối được máy chủ', 'Could not reach the server');
  }
  return String((err as Error)?.message ?? err);
}
