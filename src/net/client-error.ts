import type { Duplex } from 'node:stream';
import { type ErrorCode, toProblem } from '../core/errors.ts';

/** The codes one port answers its HTTP parser's refusals with (the gateway's GW_…, the admin API's API_…). */
export interface ClientErrorCodes {
  malformed: ErrorCode;
  headersTooLarge: ErrorCode;
  timeout: ErrorCode;
  /** CONNECT (a tunnel through a forward proxy), which neither port serves. */
  connect: ErrorCode;
}

/**
 * A request node:http's parser refused before any handler saw it — headers over the limit, a malformed request
 * line or header, headers or a request that did not arrive in time — answered like every other client error:
 * RFC 9457 problem+json with a stable code (issue 10 item 8), where node:http would write a bare status line and
 * Fastify its own JSON. Then the connection is closed, as node:http does: the parser cannot go on after its error.
 * Nothing of the request is echoed. On a keep-alive connection the refused request may follow answered ones: it is
 * answered too, unless a response is under way on the socket (its bytes would be corrupted — node:http's own rule)
 * or the socket is no longer writable (the client went away); then the connection is only closed.
 */
export function answerClientError(
  err: Error & { code?: string },
  socket: Duplex,
  codes: ClientErrorCodes,
): void {
  // node:http's own test (lib/_http_server.js socketOnError): the response attached to the socket, if any, and
  // whether a byte of it is on the wire (`_headerSent`; `headersSent` only says its head is set).
  const inFlight = (
    socket as Duplex & { _httpMessage?: { headersSent?: boolean; _headerSent?: boolean } | null }
  )._httpMessage;
  if (socket.writable && inFlight?.headersSent && !inFlight._headerSent) {
    // Its answer is decided but not written yet — a refusal whose record is made durable before it goes out
    // (telemetry: strict durability): that answer is the one the client gets. Destroying the socket here sent
    // nothing at all. The parser cannot read on, so the connection ends with it, at the latest after a moment.
    setTimeout(() => socket.destroy(), CLOSE_AFTER_MS).unref();
    return;
  }
  if (socket.writable && !inFlight?.headersSent) {
    const code =
      err.code === 'HPE_HEADER_OVERFLOW'
        ? codes.headersTooLarge
        : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? codes.timeout
          : codes.malformed;
    answerAndClose(socket, code);
    return;
  }
  socket.destroy();
}

/**
 * A CONNECT request: node:http hands it to a 'connect' listener, and without one closes the connection without a
 * word. Neither port is a forward proxy, so the client is told so (405, problem+json) before the connection closes;
 * what it sent after the request line is never read.
 */
export function refuseConnect(socket: Duplex, codes: ClientErrorCodes): void {
  if (socket.writable)
    answerAndClose(socket, codes.connect, 'Allow: GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS\r\n');
  else socket.destroy();
}

function answerAndClose(socket: Duplex, code: ErrorCode, extraHeaders = ''): void {
  const problem = toProblem(code);
  const body = Buffer.from(JSON.stringify(problem));
  socket.write(
    `HTTP/1.1 ${problem.status} ${STATUS_TEXT[problem.status] ?? 'Bad Request'}\r\n` +
      'content-type: application/problem+json; charset=utf-8\r\n' +
      `content-length: ${body.length}\r\n` +
      extraHeaders +
      'connection: close\r\n\r\n',
  );
  // end, not destroy: the answer is flushed first (over TLS too); a client that does not read it is cut soon.
  socket.end(body);
  setTimeout(() => socket.destroy(), CLOSE_AFTER_MS).unref();
}

const CLOSE_AFTER_MS = 1_000;

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  431: 'Request Header Fields Too Large',
};
