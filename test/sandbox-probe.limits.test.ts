import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { SANDBOX_ANSWER_MAX_BYTES } from '../src/api/contract/index.ts';
import { TOKEN_ANSWER_MAX_BYTES } from '../src/federation/peer-clients.ts';
import { sandboxTestCall } from '../src/gateway/sandbox-probe.ts';
import { tooLargeReason } from '../src/net/read-limit.ts';
import { type Flood, flood } from './helpers/trickle.ts';

/**
 * Memory, beside time: the sandbox test call (`lgsp version-change test`, onboarding, the demo) read the gateway's
 * relayed answer whole (`arrayBuffer()`), bounded only by its deadline — a provider answering without end, or
 * gigabytes, filled the CLI's memory as fast as the link carried it for up to 35 s. It now reads the answer to its end
 * up to the sandbox try's limit (`SANDBOX_ANSWER_MAX_BYTES`) keeping none of it, and past it closes the connection
 * and fails saying why (the gateway records such a call unfinished: no publish evidence). The token's answer is read
 * up to `TOKEN_ANSWER_MAX_BYTES`.
 */
describe('the sandbox test call reads an answer only up to its limit', () => {
  /** What each flooded answer sent, by path, as the gateway's side saw it. */
  const floods = new Map<string, Promise<Flood>>();
  let floodToken = false;
  /**
   * A gateway relaying its provider's answer: `/…/flood/<bytes>/…` answers 200 with a body of exactly that many bytes
   * (`inf`: without end), anything else a small JSON answer; `/token` a token, or a token answer without end.
   */
  const gateway = createServer((req, res) => {
    const url = req.url ?? '';
    if (url === '/token' && !floodToken) {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ access_token: 't', token_type: 'Bearer', expires_in: 3600 }));
      return;
    }
    const size = url === '/token' ? 'inf' : url.split('/flood/')[1]?.split('/')[0];
    if (size === undefined) {
      res.setHeader('content-type', 'application/json');
      res.end('{"hoTen":"Nguyễn Văn A"}');
      return;
    }
    // flood's body is `totalBytes` and its 3-byte closing `"]}`.
    floods.set(url, flood(res, size === 'inf' ? Number.POSITIVE_INFINITY : Number(size) - 3));
  });
  let gatewayUrl = '';
  const call = (path: string, timeoutMs = 20_000) =>
    sandboxTestCall(
      gatewayUrl,
      { consumerKey: 'k', consumerSecret: 's' },
      { method: 'GET', path },
      timeoutMs,
    );
  /** The flooded answer at `path` ended with its connection closed by us, having sent at most `limit` + margin. */
  const cutOff = async (path: string, limitBytes: number) => {
    const sent = await floods.get(path);
    assert.ok(sent, `${path} was asked`);
    await Promise.race([
      sent.connectionClosed,
      sleep(5_000).then(() => assert.fail(`${path}: the connection was left open`)),
    ]);
    assert.equal(sent.complete, false, `${path}: the whole answer was sent (${sent.sentBytes} bytes)`);
    // At most what the sockets' buffers of both sides hold beyond the limit (a few MiB on loopback).
    assert.ok(sent.sentBytes < limitBytes + 16 * 1024 * 1024, `${path}: ${sent.sentBytes} bytes sent`);
  };

  before(async () => {
    await new Promise<void>((r) => gateway.listen(0, '127.0.0.1', r));
    gatewayUrl = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}`;
  });
  beforeEach(() => {
    floodToken = false;
  });
  after(async () => {
    gateway.closeAllConnections();
    await new Promise((r) => gateway.close(r));
  });

  test('a provider answering as usual passes: its status', async () => {
    assert.equal(await call('/dancu/1.0/congdan/thu-nghiem'), 200);
  });

  test('an answer of exactly the limit is read through: 200 — the try would pass it too', async () => {
    const path = `/dancu/1.0/flood/${SANDBOX_ANSWER_MAX_BYTES}/thu-nghiem`;
    assert.equal(await call(path), 200);
    const sent = await floods.get(path);
    assert.equal(sent?.complete, true, 'the whole answer was read');
  });

  for (const size of ['inf', String(4 * SANDBOX_ANSWER_MAX_BYTES)]) {
    test(`an answer of ${size} bytes: reading stops at the limit, the connection is closed, the call fails saying why`, async () => {
      const path = `/dancu/1.0/flood/${size}/thu-nghiem`;
      const t0 = performance.now();
      await assert.rejects(call(path), (err: Error) => {
        assert.ok(err.message.startsWith(tooLargeReason(SANDBOX_ANSWER_MAX_BYTES)), err.message);
        assert.match(err.message, /bằng chứng .* \/ .*evidence/);
        return true;
      });
      const elapsedMs = performance.now() - t0;
      // Ended by its size, not by its 20 s deadline.
      assert.ok(elapsedMs < 10_000, `ended after ${elapsedMs} ms`);
      await cutOff(path, SANDBOX_ANSWER_MAX_BYTES);
    });
  }

  test('a token answer without end: read only up to TOKEN_ANSWER_MAX_BYTES, then the call fails', async () => {
    floodToken = true;
    await assert.rejects(call('/dancu/1.0/congdan/thu-nghiem'), (err: Error) => {
      assert.equal(err.message, `POST /token: ${tooLargeReason(TOKEN_ANSWER_MAX_BYTES)}`);
      return true;
    });
    await cutOff('/token', TOKEN_ANSWER_MAX_BYTES);
  });
});
