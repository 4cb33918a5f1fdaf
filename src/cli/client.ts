import { OPERATIONS, type OperationId } from '../api/contract/operations.ts';

/*
 * The admin API's one typed client, keyed by OpenAPI operationId (issue 9): the method and path of every call come
 * from the contract's operations table, so no command writes an API path. It uses only `fetch`, `URL` and
 * `AbortSignal`, nothing of Node's own, so the web console can call the API through it too.
 */

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

/** What one call sends: path parameters by name, the query string, a JSON body, and whether to send the token. */
export interface CallOptions {
  params?: Record<string, string>;
  query?: Query;
  body?: unknown;
  /** `false` for the calls made before there is a session (sign-in). */
  auth?: boolean;
}

/**
 * The path of an operation with its parameters filled in, each one URL-encoded as a single segment, so a
 * user-typed id such as `../x` cannot reach another route.
 */
export function operationPath(operationId: OperationId, params: Record<string, string> = {}): string {
  return OPERATIONS[operationId].path.replace(/:(\w+)/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`${operationId}: missing path parameter ${name}`);
    return encodeURIComponent(value);
  });
}

/** The admin API over HTTP: the embedded store belongs to the running platform, so the CLI never opens it. */
export class ApiClient {
  constructor(
    readonly baseUrl: string,
    private readonly token: string | null,
  ) {}

  /** Calls one operation and answers its JSON body. */
  async call<T = Record<string, unknown>>(operationId: OperationId, options: CallOptions = {}): Promise<T> {
    const { response, url } = await this.send(
      operationId,
      options,
      'application/json, application/problem+json',
    );
    const body = parseJson(await response.text());
    if (!response.ok) throw new ApiError(response.status, problemOf(body), url.pathname);
    return body as T;
  }

  /** Calls one operation whose answer is a file (a .docx letter), and answers its bytes. */
  async download(operationId: OperationId, options: CallOptions = {}): Promise<Uint8Array> {
    const { response, url } = await this.send(operationId, options, '*/*');
    if (!response.ok) {
      throw new ApiError(response.status, problemOf(parseJson(await response.text())), url.pathname);
    }
    return new Uint8Array(await response.arrayBuffer());
  }

  private async send(
    operationId: OperationId,
    options: CallOptions,
    accept: string,
  ): Promise<{ response: Response; url: URL }> {
    const url = new URL(`${this.baseUrl}${operationPath(operationId, options.params)}`);
    for (const [key, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined && value !== null && value !== '') url.searchParams.set(key, String(value));
    }
    const headers: Record<string, string> = { accept };
    if (options.auth !== false && this.token) headers['authorization'] = `Bearer ${this.token}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    try {
      const response = await fetch(url, {
        method: OPERATIONS[operationId].method,
        headers,
        ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      return { response, url };
    } catch (err) {
      throw new ConnectionError(this.baseUrl, networkReason(err));
    }
  }
}

function parseJson(text: string): unknown {
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function problemOf(body: unknown): ApiError['problem'] {
  return body && typeof body === 'object' && !Array.isArray(body) ? (body as ApiError['problem']) : null;
}

function networkReason(err: unknown): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError') return 'TIMEOUT';
  return e.cause?.code ?? e.cause?.message ?? e.message ?? String(err);
}
