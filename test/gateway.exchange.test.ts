import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ManualClock } from '../src/core/clock.ts';
import { loadConfig } from '../src/core/config.ts';
import type { CompiledSnapshot } from '../src/gateway/compiled-snapshot.ts';
import { createGateway, type Gateway } from '../src/gateway/server.ts';
import { SnapshotHolder } from '../src/gateway/snapshot-holder.ts';
import { silentLogger } from '../src/telemetry/logger.ts';
import type { RecordSink, TransactionRecord } from '../src/telemetry/record.ts';
import { snapshotData } from './helpers/gateway-snapshot.ts';

/**
 * Every gateway answer is problem+json with its transaction id (or RFC 6749 JSON at /token) and is recorded — the
 * unexpected-error path included (issue 9). A gateway on a hand-written snapshot and an in-memory record sink.
 */
const NOW = Date.parse('2026-11-24T03:00:00Z');

class MemorySink implements RecordSink {
  readonly overloaded = false;
  readonly records: TransactionRecord[] = [];
  record(txn: TransactionRecord): void {
    this.records.push(txn);
  }
  byId(id: string | null): TransactionRecord | undefined {
    return this.records.find((r) => r.id === id);
  }
}

describe('gateway exchange: answers and records, failures included', () => {
  const clock = new ManualClock(NOW);
  const logger = silentLogger();
  const config = loadConfig({ env: {} });
  const sink = new MemorySink();
  let snapshots: SnapshotHolder;
  let broken: CompiledSnapshot | null = null;
  let gateway: Gateway;
  let url: string;
  const basic = (text: string) => `Basic ${Buffer.from(text).toString('base64')}`;
  const postToken = (authorization: string, body = 'grant_type=client_credentials') =>
    fetch(`${url}/token`, {
      method: 'POST',
      headers: { authorization, 'content-type': 'application/x-www-form-urlencoded' },
      body,
    });

  before(async () => {
    snapshots = new SnapshotHolder(null, clock, logger);
    await snapshots.install(await snapshotData(NOW));
    // A holder whose snapshot can be swapped for a broken one, to force an internal failure.
    const holder = Object.create(snapshots) as SnapshotHolder;
    Object.defineProperty(holder, 'current', { get: () => broken ?? snapshots.current });
    gateway = createGateway({ config, clock, logger, snapshots: holder, records: sink });
    url = await gateway.listen(0, '127.0.0.1');
  });
  after(() => gateway.close());

  test('building a gateway starts no timer; listen does, close stops it', async () => {
    const started: unknown[] = [];
    const stopped: unknown[] = [];
    const { setInterval: realSet, clearInterval: realClear } = globalThis;
    globalThis.setInterval = ((fn: () => void, ms: number) => {
      const timer = realSet(fn, ms);
      started.push(timer);
      return timer;
    }) as typeof setInterval;
    globalThis.clearInterval = ((timer: NodeJS.Timeout) => {
      stopped.push(timer);
      realClear(timer);
    }) as typeof clearInterval;
    try {
      const g = createGateway({ config, clock, logger, snapshots, records: sink });
      assert.equal(started.length, 0, 'createGateway has no side effects');
      await g.listen(0, '127.0.0.1');
      assert.equal(started.length, 1, 'the token cache sweep runs while listening');
      await g.close();
      assert.deepEqual(stopped, started, 'close stops it');
    } finally {
      globalThis.setInterval = realSet;
      globalThis.clearInterval = realClear;
    }
  });

  test('POST /token with Basic credentials that are not percent-encoded properly → 401 invalid_client, recorded', async () => {
    for (const credentials of ['%zz:x', 'k-a:%E0%A4%A', '%:%']) {
      const res = await postToken(basic(credentials));
      assert.equal(res.status, 401, credentials);
      assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
      assert.equal(res.headers.get('www-authenticate'), 'Basic realm="lgsp"');
      assert.equal(res.headers.get('cache-control'), 'no-store');
      const body = (await res.json()) as { error: string };
      assert.equal(body.error, 'invalid_client');
      const rec = sink.byId(res.headers.get('x-lgsp-transaction-id'));
      assert.ok(rec, 'recorded under the transaction id it answered with');
      assert.equal(rec.errorCode, 'GW_TOKEN_CLIENT_INVALID');
      assert.equal(rec.consumerStatus, 401);
      assert.equal(rec.resourceTemplate, '/token');
    }
    // Properly encoded credentials still work: `bi-mat` needs no escape, `k%2Da` is `k-a`.
    assert.equal((await postToken(basic('k%2Da:bi-mat'))).status, 200);
  });

  test('an unexpected failure on a service path → 500 GW_INTERNAL problem+json with its transaction id, recorded', async () => {
    broken = new Proxy(snapshots.current!, {
      get(target, key) {
        if (key === 'routes') throw new Error('snapshot broken on purpose');
        return Reflect.get(target, key);
      },
    });
    try {
      const token = ((await (await postToken(basic('k-a:bi-mat'))).json()) as { access_token: string })
        .access_token;
      const res = await fetch(`${url}/dancu/1.0/congdan/1`, {
        headers: { authorization: `Bearer ${token}` },
      });
      assert.equal(res.status, 500);
      assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/);
      const problem = (await res.json()) as { code: string; transactionId: string; status: number };
      assert.equal(problem.code, 'GW_INTERNAL');
      assert.equal(problem.status, 500);
      assert.match(problem.transactionId, /^txn_/);
      assert.equal(res.headers.get('x-lgsp-transaction-id'), problem.transactionId);
      const rec = sink.byId(problem.transactionId);
      assert.ok(rec, 'the failed call is recorded');
      assert.equal(rec.errorCode, 'GW_INTERNAL');
      assert.equal(rec.consumerStatus, 500);
      assert.equal(rec.consumerSystemId, 'sys_consumer', 'with what was known when it failed');
    } finally {
      broken = null;
    }
  });

  test('an unexpected failure at /token → 500 RFC 6749 server_error with its transaction id, recorded', async () => {
    broken = new Proxy(snapshots.current!, {
      get(target, key) {
        if (key === 'credentialsByKey') throw new Error('snapshot broken on purpose');
        return Reflect.get(target, key);
      },
    });
    try {
      const res = await postToken(basic('k-a:bi-mat'));
      assert.equal(res.status, 500);
      assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
      assert.equal(((await res.json()) as { error: string }).error, 'server_error');
      const rec = sink.byId(res.headers.get('x-lgsp-transaction-id'));
      assert.ok(rec, 'rec');
      assert.equal(rec.errorCode, 'GW_INTERNAL');
      assert.equal(rec.consumerStatus, 500);
    } finally {
      broken = null;
    }
  });

  test('no gateway answer is a plain application/json 500 without a transaction id', async () => {
    broken = new Proxy(snapshots.current!, {
      get() {
        throw new Error('everything broken on purpose');
      },
    });
    try {
      const token = 'Bearer x.y.z';
      for (const path of ['/dancu/1.0/congdan/1', '/_lgsp/inbox', '/.well-known/jwks.json', '/x']) {
        const res = await fetch(`${url}${path}`, { headers: { authorization: token } });
        // The token cannot be checked against a broken snapshot (401), or the path fails outright (500).
        assert.ok([401, 500].includes(res.status), `${path}: ${res.status}`);
        assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/, path);
        const id = res.headers.get('x-lgsp-transaction-id');
        assert.match(id ?? '', /^txn_/, path);
        assert.equal(((await res.json()) as { transactionId: string }).transactionId, id, path);
        assert.ok(sink.byId(id), `${path}: recorded`);
      }
    } finally {
      broken = null;
    }
  });
});
