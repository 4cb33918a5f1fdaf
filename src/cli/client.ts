import type {
  OperationQuery,
  OperationRequest,
  OperationResponse,
} from '../api/contract/operation-schemas.ts';
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

/**
 * The bearer token is not one RFC 6750 allows (b64token): the problem+json of a failed login captured into
 * LGSP_ADMIN_TOKEN, a Vietnamese word pasted. `fetch` would refuse the header (beyond Latin-1), which used to
 * surface as "could not connect, is the platform running?"; nothing is sent. The token is never in the message.
 */
export class TokenFormatError extends Error {
  constructor() {
    super('the bearer token is not an RFC 6750 b64token');
    this.name = 'TokenFormatError';
  }
}

const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

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

/**
 * What one call sends: the operation's path parameters and JSON body as its contract types them, and its query.
 * A query travels as text and the API coerces and checks it (a number, a date, one of a list), so the client
 * takes the contract's names with the values as typed or as the text a person gave.
 */
export type CallOptions<Id extends OperationId> = Omit<OperationRequest<Id>, 'query'> &
  (OperationQuery<Id> extends undefined
    ? { query?: never }
    : { query?: { [K in keyof OperationQuery<Id>]?: OperationQuery<Id>[K] | string | null } }) & {
    /** `false` for the calls made before there is a session (sign-in). */
    auth?: boolean;
  };

/** Where a call goes and as whom, once its contract types have been checked. */
interface CallTarget {
  params?: Record<string, string>;
  query?: Record<string, unknown>;
  auth?: boolean;
}

/** The options argument, which may be left out when the operation needs none. */
type CallArguments<Id extends OperationId> =
  // biome-ignore lint/complexity/noBannedTypes: `{}` is exactly "nothing required" here
  {} extends CallOptions<Id> ? [options?: CallOptions<Id>] : [options: CallOptions<Id>];

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
    /**
     * Headers added to every call: the web console signs in with an HttpOnly session cookie instead of a token and
     * sends the session's CSRF token with each call (the browser adds the cookie itself, same origin).
     */
    private readonly extraHeaders: () => Record<string, string> = () => ({}),
  ) {}

  /**
   * Calls one operation and answers its success response as the contract types it: parsed JSON, or the bytes of
   * a file (the connection request's .docx letter) when the answer is not JSON.
   */
  async call<Id extends OperationId>(
    operationId: Id,
    ...[options]: CallArguments<Id>
  ): Promise<OperationResponse<Id>> {
    const { params, query, body, auth } = (options ?? {}) as CallTarget & { body?: unknown };
    return this.send<Id>(
      operationId,
      { params, query, auth },
      body !== undefined ? { body: JSON.stringify(body), contentType: 'application/json' } : null,
    );
  }

  /**
   * Calls an operation that takes a file as it is (the reconciliation upload, issue 11): `form` goes as
   * `multipart/form-data`, its boundary written by `fetch`, so the file is not read into a JSON string first.
   */
  async upload<Id extends OperationId>(
    operationId: Id,
    options: Omit<CallOptions<Id>, 'body'> & { form: FormData },
  ): Promise<OperationResponse<Id>> {
    const { form, ...rest } = options as { form: FormData } & CallTarget;
    return this.send<Id>(operationId, rest, { body: form });
  }

  private async send<Id extends OperationId>(
    operationId: Id,
    { params, query, auth }: CallTarget,
    payload: { body: string | FormData; contentType?: string } | null,
  ): Promise<OperationResponse<Id>> {
    const url = new URL(`${this.baseUrl}${operationPath(operationId, params)}`);
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value !== undefined && value !== null && value !== '') url.searchParams.set(key, String(value));
    }
    const headers: Record<string, string> = {
      accept: 'application/json, application/problem+json, */*;q=0.1',
      ...this.extraHeaders(),
    };
    if (auth !== false && this.token) {
      if (!B64TOKEN.test(this.token)) throw new TokenFormatError();
      headers['authorization'] = `Bearer ${this.token}`;
    }
    if (payload?.contentType) headers['content-type'] = payload.contentType;

    let response: Response;
    try {
      response = await fetch(url, {
        method: OPERATIONS[operationId].method,
        headers,
        ...(payload ? { body: payload.body } : {}),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (err) {
      throw new ConnectionError(this.baseUrl, networkReason(err));
    }
    if (response.ok && !isJson(response)) {
      return new Uint8Array(await response.arrayBuffer()) as OperationResponse<Id>;
    }
    const text = await response.text();
    let parsed: unknown = null;
    if (text) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = null;
      }
    }
    if (!response.ok) {
      const problem =
        parsed && typeof parsed === 'object' && !Array.isArray(parsed)
          ? (parsed as ApiError['problem'])
          : null;
      throw new ApiError(response.status, problem, url.pathname);
    }
    return parsed as OperationResponse<Id>;
  }
}

/** `application/json` and `application/problem+json` (RFC 9457), with or without parameters. */
function isJson(response: Response): boolean {
  return /^application\/([\w.-]+\+)?json\b/i.test(response.headers.get('content-type') ?? '');
}

function networkReason(err: unknown): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError') return 'TIMEOUT';
  return e.cause?.code ?? e.cause?.message ?? e.message ?? String(err);
}
