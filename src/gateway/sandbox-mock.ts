import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { EMPTY_SHA256 } from '../core/hashing.ts';
import type { TransactionRecord } from '../telemetry/record.ts';
import type { Route } from './compiled-snapshot.ts';
import type { GatewayContext } from './context.ts';
import { endAfterRecord, finish, hasBody, refuse } from './exchange.ts';
import { bodyLimit, bodyTooLarge, refusal } from './policy.ts';
import { type CompiledMock, chooseMock, parsePrefer } from './sandbox-mock-table.ts';

/**
 * Sandbox mocks (issue 12 item 9), the answering half: the choice is made by `sandbox-mock-table.ts` (which says
 * how), the answer and its record here, through `exchange.ts` like every answer the gateway writes itself.
 */

/**
 * Answers a sandbox call from the version's examples (`mock` is the route's compiled table). The request body is
 * read — within the version's limit, hashed and counted for the record like a forwarded one — and discarded.
 */
export function mockAnswer(
  ctx: GatewayContext,
  req: IncomingMessage,
  res: ServerResponse,
  rec: TransactionRecord,
  route: Route,
  mock: CompiledMock,
  path: string,
): void {
  const resourcePath = path.length > route.pathPrefix.length ? path.slice(route.pathPrefix.length) : '/';
  const choice = chooseMock(
    mock,
    rec.method,
    resourcePath,
    parsePrefer(req.headers.prefer),
    req.headers.accept,
  );
  if (!choice.ok) {
    refuse(ctx, res, rec, refusal(choice.code, choice.detail, MOCK_HEADER));
    return;
  }
  const respond = () => {
    const body = choice.example?.body ?? EMPTY;
    res.writeHead(choice.status, {
      ...(choice.content ? { 'content-type': choice.content.mediaType } : {}),
      'content-length': body.length,
      'x-lgsp-transaction-id': rec.id,
      ...MOCK_HEADER,
      vary: 'Accept, Prefer',
      ...(route.deprecationHeaders ?? {}),
    });
    rec.responseBytes = rec.method === 'HEAD' ? 0 : body.length;
    rec.responseSha256 = rec.method === 'HEAD' ? EMPTY_SHA256 : (choice.example?.sha256 ?? EMPTY_SHA256);
    endAfterRecord(res, finish(ctx, rec, choice.status, null), rec.method === 'HEAD' ? undefined : body);
  };
  if (!hasBody(req)) {
    rec.requestSha256 = EMPTY_SHA256;
    respond();
    return;
  }
  const limit = bodyLimit(route, ctx.config.gateway.maxRequestBodyBytes);
  const hash = createHash('sha256');
  let bytes = 0;
  let done = false;
  req.on('data', (chunk: Buffer) => {
    if (done) return;
    bytes += chunk.length;
    if (bytes > limit) {
      done = true;
      req.pause();
      refuse(ctx, res, rec, bodyTooLarge(limit));
      return;
    }
    hash.update(chunk);
  });
  req.once('end', () => {
    if (done) return;
    done = true;
    rec.requestBytes = bytes;
    rec.requestSha256 = hash.digest('hex');
    respond();
  });
  req.once('error', () => {
    if (done) return;
    done = true;
    res.destroy();
    finish(ctx, rec, 499, 'GW_CLIENT_CLOSED');
  });
}

const MOCK_HEADER: Readonly<Record<string, string>> = Object.freeze({ 'x-lgsp-mock': 'true' });
const EMPTY = Buffer.alloc(0);
