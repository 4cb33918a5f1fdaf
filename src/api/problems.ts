import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ERRORS, type ErrorCode, LgspError, type Problem, toProblem } from '../core/errors.ts';
import { newId } from '../core/ids.ts';
import { isStoreUnreachable } from '../store/port.ts';
import { ProblemRef } from './contract/index.ts';
import { type AjvErrorLike, validationMessages } from './validation-messages.ts';

/** One entry of a validation problem's `errors` array: where in the request, and what is wrong there. */
export interface FieldError {
  in: string;
  /** JSON Pointer (RFC 6901) into that part of the request: `/contact/email`. */
  path: string;
  message: string;
}

/** Ajv's errors in a form a person can act on, Vietnamese first (validation-messages.ts), in part `part`. */
export function fieldErrors(part: string, errors: AjvErrorLike[]): FieldError[] {
  return validationMessages(errors).map((m) => ({ in: part, ...m }));
}

/** Fastify's own client errors, by code, and the registry code we answer them with. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'API_MALFORMED_JSON',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'API_MALFORMED_JSON',
  FST_ERR_CTP_BODY_TOO_LARGE: 'API_BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'API_UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'API_BAD_REQUEST',
  FST_ERR_BAD_URL: 'API_BAD_REQUEST',
  FST_ERR_NOT_FOUND: 'API_NOT_FOUND',
};

/**
 * PostgreSQL's (and PGlite's) "data exception" class (SQLSTATE 22xxx: 22021 invalid byte sequence, 22P05
 * untranslatable character, 22P02 invalid text representation, 22003 numeric value out of range, 22008 datetime
 * field overflow …): a value the database cannot take. The input guard refuses the known cases first; this is the
 * backstop, so a value nobody foresaw is still the client's 400, not our 500 (issue 10 item 8).
 */
/** When a client should ask again after the store was unreachable: the probe and the pool find it back in seconds. */
const STORE_RETRY_AFTER_S = 5;

function isDataException(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^22[0-9A-Z]{3}$/.test(code);
}

/**
 * Maps anything thrown in a request to the problem we answer; `internal` is true when it must be logged as an
 * error, `suspect` when it is the client's but worth a warning (a database data exception the guard missed).
 */
export function problemFor(error: unknown): { problem: Problem; internal: boolean; suspect?: boolean } {
  if (error instanceof LgspError) {
    return { problem: toProblem(error.code, error.detail, error.extra), internal: false };
  }
  const e = error as Partial<FastifyError> & { validation?: AjvErrorLike[] };
  if (Array.isArray(e.validation)) {
    const errors = fieldErrors(e.validationContext ?? 'body', e.validation);
    const detail = errors.map((f) => `${f.in}${f.path}: ${f.message}`).join('; ');
    return { problem: toProblem('API_VALIDATION_FAILED', detail, { errors }), internal: false };
  }
  // Issue 13 item 7: the store away is no server fault of this request: 503 and when to try again.
  if (isStoreUnreachable(error)) {
    return {
      problem: toProblem('API_STORE_UNAVAILABLE', undefined, { retryAfterSeconds: STORE_RETRY_AFTER_S }),
      internal: false,
    };
  }
  if (isDataException(error)) {
    const detail = 'giá trị không lưu được / a value cannot be stored';
    return { problem: toProblem('API_VALIDATION_FAILED', detail), internal: false, suspect: true };
  }
  const mapped = e.code ? FASTIFY_CODES[e.code] : undefined;
  if (mapped) return { problem: toProblem(mapped), internal: false };
  // A body Fastify could not parse without naming its own code (a parser's SyntaxError) is malformed JSON.
  if (error instanceof SyntaxError && e.statusCode === 400) {
    return { problem: toProblem('API_MALFORMED_JSON'), internal: false };
  }
  // Other client errors Fastify raises (4xx) are the client's to fix; we never echo their message verbatim
  // beyond the code, so nothing internal leaks through it.
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return { problem: toProblem('API_BAD_REQUEST', e.code), internal: false };
  }
  return { problem: toProblem('API_INTERNAL'), internal: true };
}

/** The path the problem is about (RFC 9457 `instance`): the request path, without a query that may hold ids. */
export function instanceOf(request: FastifyRequest): string {
  const url = request.url;
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

/**
 * The id of a request to the admin port (Fastify's `genReqId`): unique across nodes and restarts (Fastify's own is a
 * per-process counter), bound to the request's log lines as `reqId` (the one line per request, and the error's).
 */
export function newRequestId(): string {
  return newId('api');
}

/**
 * How the admin port names its requests, spread into both of its servers' options (the admin API, and a gateway or
 * worker node's health port). `requestIdHeader: false` — Fastify 5's default, written down because it is a decision:
 * an id a caller sends (`X-Request-Id`, `X-LGSP-Transaction-Id`) is never taken as ours. A caller can send any
 * string — another request's id, to make two requests' log lines look like one; a line break or a megabyte, into
 * our log — and an id is only worth quoting if the platform made it.
 */
export const REQUEST_ID_OPTIONS = { genReqId: newRequestId, requestIdHeader: false } as const;

/**
 * The response header that names the request on every answer of the admin port. The gateway's name for its
 * transaction id (`X-LGSP-Transaction-Id`, `txn_…`): one platform, one header to log at a proxy, read in a browser's
 * network tab and quote to the operator, whatever port answered; the prefix says which (`api_…` here).
 */
export const TRANSACTION_ID_HEADER = 'x-lgsp-transaction-id';

/**
 * Every answer of the admin port carries its request's id in `X-LGSP-Transaction-Id` — a success as well as a
 * refusal, so an operator matching a console action, a proxy's log line or a support ticket to the server log
 * (`reqId`) has the id even when nothing failed. Set when the request arrives (install it before any other hook), so
 * every later way out keeps it: a handler's answer or file, a hook's refusal, Fastify's own (a body too large,
 * malformed JSON: its error path keeps the reply's headers) and the 404 handler. The one way out that runs no hook —
 * a URL Fastify cannot decode, answered through `frameworkErrors` — goes through `sendProblem`, which sets it too.
 */
export function installRequestIdHeader(app: FastifyInstance): void {
  app.addHook('onRequest', (request, reply, done) => {
    reply.header(TRANSACTION_ID_HEADER, request.id);
    done();
  });
}

/**
 * A problem as the admin port answers it: `instance` is the request's path; `transactionId` — what a person quotes
 * to the operator (the console shows it under the refusal) — is the request's id, which the operator finds in the
 * server log (`reqId`), and the same as the `X-LGSP-Transaction-Id` header: one answer, one id. (A gateway
 * transaction an admin action caused, as a sandbox try's, is named in that action's own answer, not here.)
 */
export function sendProblem(request: FastifyRequest, reply: FastifyReply, problem: Problem): FastifyReply {
  // A refusal that ends by itself (a sign-in lockout) says when, as RFC 9110 §10.2.3 asks of a 429.
  if (typeof problem['retryAfterSeconds'] === 'number') {
    reply.header('retry-after', String(problem['retryAfterSeconds']));
  }
  return reply
    .code(problem.status)
    .header(TRANSACTION_ID_HEADER, request.id)
    .type('application/problem+json')
    .send({ ...problem, instance: instanceOf(request), transactionId: request.id });
}

/**
 * Fastify's `frameworkErrors`: a URL it cannot decode (`%ff`, `%%30`) is refused before routing, where Fastify would
 * answer its own JSON (echoing the path, without the request's id); answer it like every other client error, as
 * problem+json with a stable code (issue 10 item 8). Both servers of the admin port use it.
 */
export function answerFrameworkError(error: Error, request: FastifyRequest, reply: FastifyReply): void {
  sendProblem(request, reply, problemFor(error).problem);
}

/**
 * The one place errors become answers (DESIGN.md "One error registry"): domain errors, Fastify's validation
 * and parsing errors, unknown routes and anything unexpected all leave as RFC 9457 problem+json with a code
 * from core/errors.ts. An unexpected error is logged with its stack and answered without internals.
 */
export function installProblemHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error, request, reply) => {
    const { problem, internal, suspect } = problemFor(error);
    if (internal)
      request.log.error(
        { err: error, url: instanceOf(request) },
        'lỗi nội bộ của API quản trị / admin API internal error',
      );
    else if (suspect)
      request.log.warn(
        { err: error, url: instanceOf(request) },
        'API quản trị từ chối một giá trị / admin API refused a value',
      );
    return sendProblem(request, reply, problem);
  });
  app.setNotFoundHandler((request, reply) => {
    return sendProblem(
      request,
      reply,
      toProblem('API_NOT_FOUND', `${request.method} ${instanceOf(request)}`),
    );
  });
}

/** OpenAPI response entries for the problems a route can answer, all sharing the `Problem` schema. */
export function problemResponses(...statuses: number[]): Record<number, unknown> {
  const out: Record<number, unknown> = {};
  for (const status of [...new Set(statuses)].sort()) {
    const codes = (Object.keys(ERRORS) as ErrorCode[]).filter(
      (c) => ERRORS[c].status === status && !c.startsWith('GW_'),
    );
    out[status] = {
      description: `Problem (RFC 9457)${codes.length ? `: ${codes.join(', ')}` : ''}`,
      content: { 'application/problem+json': { schema: ProblemRef } },
    };
  }
  return out;
}
