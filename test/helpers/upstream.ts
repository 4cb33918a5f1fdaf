import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { EgressPolicy } from '../../src/net/egress.ts';

/**
 * Lets the platform's egress policy reach exactly these test servers' `host:port` (issue 10: tests allow their
 * own upstreams, nothing wider).
 */
export function allowEgressTo(egress: Pick<EgressPolicy, 'allowTargets'>, ...urls: string[]): void {
  egress.allowTargets(...urls.map((url) => new URL(url).host));
}

export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  bodySha256: string;
  bodyBytes: number;
}

/**
 * A provider system for tests: echoes what it received (method, path, headers, body hash) as JSON, or, on
 * `/…/cham` (slow), answers only after `slowMs`; `/…/xml` answers a SOAP envelope.
 */
export async function startUpstream(options: { slowMs?: number } = {}) {
  const seen: SeenRequest[] = [];
  const server: Server = createServer((req, res) => {
    const hash = createHash('sha256');
    let bytes = 0;
    req.on('data', (c: Buffer) => {
      hash.update(c);
      bytes += c.length;
    });
    req.on('end', () => {
      const entry = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        bodySha256: hash.digest('hex'),
        bodyBytes: bytes,
      };
      seen.push(entry);
      if (req.url?.includes('/cham')) {
        const timer = setTimeout(() => res.end('{"late":true}'), options.slowMs ?? 35_000);
        res.on('close', () => clearTimeout(timer));
        return;
      }
      if (req.url?.includes('/dong')) {
        // A long answer in chunks, for consumers that hang up half-way.
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        let sent = 0;
        const timer = setInterval(() => {
          res.write(Buffer.alloc(16_384, 65));
          if (++sent === 100) {
            clearInterval(timer);
            res.end();
          }
        }, 20);
        res.on('close', () => clearInterval(timer));
        return;
      }
      if (req.url?.includes('/xml')) {
        res.writeHead(200, { 'content-type': 'text/xml; charset=utf-8', 'x-provider': 'soap' });
        res.end(
          '<?xml version="1.0"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><KetQua>Hợp lệ</KetQua></soap:Body></soap:Envelope>',
        );
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'x-provider': 'echo' });
      res.end(
        JSON.stringify({
          hoTen: 'Nguyễn Văn An',
          seen: { method: entry.method, url: entry.url, bodySha256: entry.bodySha256 },
        }),
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    seen,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
