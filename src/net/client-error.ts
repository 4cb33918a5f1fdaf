import type { Duplex } from 'node:stream';
import { type ErrorCode, toProblem } from '../core/errors.ts';

/** The codes one port answers its HTTP parser's refusals with (the gateway's GW_…, the admin API's API_…). */
export interface ClientErrorCodes {
  malformed: ErrorCode;
  headersTooLarge: ErrorCode;
  timeout: ErrorCode;
}

/**
 * A request node:http's parser refused before any handler saw it — headers over the limit, a malformed request
 * line or header, headers or a request that did not arrive in time — answered like every other client error:
 * RFC 9457 problem+json with a stable code (issue 10 item 8), where node:http would write a bare status line and
 * Fastify its own JSON. Then the connection is closed, as node:http does: the parser cannot go on after its error.
 * Nothing of the request is echoed. A socket already written to (a response under way) or no longer writable
 * (the client went away) is only closed.
 */
export function answerClientError(
  err: Error & { code?: string },
  socket: Duplex,
  codes: ClientErrorCodes,
): void {
  const written = (socket as Duplex & { bytesWritten?: number }).bytesWritten ?? 0;
  if (socket.writable && written === 0) {
    const code =
      err.code === 'HPE_HEADER_OVERFLOW'
        ? codes.headersTooLarge
        : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? codes.timeout
          : codes.malformed;
    const problem = toProblem(code);
    const body = Buffer.from(JSON.stringify(problem));
    socket.write(
      `HTTP/1.1 ${problem.status} ${STATUS_TEXT[problem.status] ?? 'Bad Request'}\r\n` +
        'content-type: application/problem+json; charset=utf-8\r\n' +
        `content-length: ${body.length}\r\n` +
        'connection: close\r\n\r\n',
    );
    // end, not destroy: the answer is flushed first (over TLS too); a client that does not read it is cut soon.
    socket.end(body);
    setTimeout(() => socket.destroy(), CLOSE_AFTER_MS).unref();
    return;
  }
  socket.destroy();
}

const CLOSE_AFTER_MS = 1_000;

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  408: 'Request Timeout',
  431: 'Request Header Fields Too Large',
};
