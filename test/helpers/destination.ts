import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedMessage {
  messageId: string;
  sha256: string;
  bytes: number;
  headers: IncomingHttpHeaders;
}

/**
 * An async destination system for tests: takes pushed messages, and — as a destination should — treats a message
 * id it has already taken as done (exactly-once effect over at-least-once delivery). `mode` makes it answer 503
 * (down) or hang up without answering; `delays` holds each push for a while.
 */
export async function startDestination(port = 0) {
  const received = new Map<string, ReceivedMessage>();
  /** Every push, duplicates included. */
  const pushes: string[] = [];
  const state = { mode: 'up' as 'up' | 'down' | 'hangup', delayMs: 0, inFlight: 0, maxInFlight: 0 };
  const server: Server = createServer((req, res) => {
    const hash = createHash('sha256');
    let bytes = 0;
    state.inFlight++;
    state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
    req.on('data', (c: Buffer) => {
      hash.update(c);
      bytes += c.length;
    });
    req.on('end', () => {
      setTimeout(() => {
        state.inFlight--;
        const id = String(req.headers['x-lgsp-message-id'] ?? '');
        pushes.push(id);
        if (state.mode === 'hangup') {
          req.socket.destroy();
          return;
        }
        if (state.mode === 'down') {
          res.writeHead(503).end('bảo trì');
          return;
        }
        if (!received.has(id))
          received.set(id, { messageId: id, sha256: hash.digest('hex'), bytes, headers: req.headers });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      }, state.delayMs);
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const actualPort = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${actualPort}`,
    port: actualPort,
    received,
    pushes,
    state,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
