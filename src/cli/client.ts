/** A problem+json answer from the admin API (RFC 9457), or a bare HTTP error when the answer was not one. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: {
      code?: string;
      title?: string;
      detail?: string;
      errors?: Array<{ in?: string; path?: string; message?: string }>;
      [member: string]: unknown;
    } | null,
    readonly url: string,
  ) {
    super(problem?.title ?? `HTTP ${status}`);
    this.name = 'ApiError';
  }
}

/** The admin API could not be reached at all (refused, unknown host, timed out). */
export class ConnectionError extends Error {
  constructor(
    readonly url: string,
    readonly reason: string,
  ) {
    super(`${url}: ${reason}`);
    this.name = 'ConnectionError';
  }
}

/** nothing waits longer than 30 seconds; the platform answers well before that or not at all. */
const REQUEST_TIMEOUT_MS = 30_000;

export type Query = Record<string, string | number | undefined | null>;

/** The admin API over HTTP: the embedded store belongs to the running platform, so the CLI never opens it. */
export class ApiClient {
  constructor(
    readonly baseUrl: string,
    private readonly token: string | null,
  ) {}

  async request<T = Record<string, unknown>>(
    method: string,
    path: string,
    options: { body?: unknown; query?: Query; auth?: boolean } = {},
  ): Promise<T> {
    const url = new URL(`${this.baseUrl}${path}`);
    for (const [key, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined && value !== null && value !== '') url.searchParams.set(key, String(value));
    }
    const headers: Record<string, string> = { accept: 'application/json, application/problem+json' };
    if (options.auth !== false && this.token) headers['authorization'] = `Bearer ${this.token}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';

    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers,
        ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (err) {
      throw new ConnectionError(this.baseUrl, networkReason(err));
    }
    const text = await response.text();
    let body: unknown = null;
    if (text) {
      try {
        body = JSON.parse(text);
      } catch {
        body = null;
      }
    }
    if (!response.ok) {
      const problem =
        body && typeof body === 'object' && !Array.isArray(body) ? (body as ApiError['problem']) : null;
      throw new ApiError(response.status, problem, url.pathname);
    }
    return body as T;
  }
}

function networkReason(err: unknown): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError') return 'TIMEOUT';
  return e.cause?.code ?? e.cause?.message ?? e.message ?? String(err);
}

/** One path segment from a user-typed id, so `lgsp org show ../x` cannot reach another route. */
export const seg = (id: string | undefined) => encodeURIComponent(id ?? '');
