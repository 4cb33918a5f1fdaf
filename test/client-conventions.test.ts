import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../src/core/config.ts';
import { toProblem } from '../src/core/errors.ts';
import { authParameter, statusEnvelope } from '../src/gateway/client-conventions.ts';
import { bearerToken } from '../src/gateway/policy.ts';
import { type Platform, startPlatform } from '../src/platform.ts';
import { silentLogger } from '../src/telemetry/logger.ts';
import { queryTransactions } from '../src/telemetry/transactions.ts';
import { getToken, startGatewayHarness, within } from './helpers/gateway-harness.ts';
import { untilEveryWorker } from './helpers/gateway-workers.ts';
import { seedProvince } from './helpers/seed.ts';
import { storeKinds, withMigratedStore } from './helpers/stores.ts';
import { startUpstream } from './helpers/upstream.ts';

// Issue 12 item 8: clients written for other provincial LGSPs (HCM, Hậu Giang, national price database, WSO2) work
// unchanged — each convention behind its switch in `clientConventions`.

const CITIZEN_ID = '089201001234';
const PATH = `/dancu/1.0/congdan/${CITIZEN_ID}`;

/** Form 1 of `lgspaccesstoken`: base64 of the JSON HCM / Hậu Giang clients build. */
function formOne(fields: Record<string, string>): string {
  return Buffer.from(JSON.stringify({ AppName: 'HoTich', ...fields })).toString('base64');
}

const form = { 'content-type': 'application/x-www-form-urlencoded' };
const basic = (key: string, secret: string, scheme = 'Basic') =>
  `${scheme} ${Buffer.from(`${key}:${secret}`).toString('base64')}`;

describe('auth schemes and the status envelope, as tables', () => {
  test('bearer/basic in any case only when the convention is on (RFC 9110 §11.1)', () => {
    const rows: Array<[string | undefined, boolean, string | null]> = [
      ['Bearer abc', false, 'abc'],
      ['bearer abc', false, null],
      ['bearer abc', true, 'abc'],
      ['BEARER  abc ', true, 'abc'],
      ['Bearerabc', true, null],
      ['Basic abc', true, null],
      ['Bearer ', true, null],
      [undefined, true, null],
    ];
    for (const [header, anyCase, want] of rows) {
      const got = bearerToken(header, anyCase);
      assert.equal(typeof got === 'string' ? got : null, want, `${header} ${anyCase}`);
    }
    assert.equal(authParameter('basic eA==', 'Basic', 'basic', true), 'eA==');
    assert.equal(authParameter('basic eA==', 'Basic', 'basic', false), null);
    assert.equal(authParameter('Basic eA==', 'Basic', 'basic', false), 'eA==');
    assert.equal(authParameter('Basicx', 'Basic', 'basic', true), null);
  });

  test('the envelope keeps the status, both titles, the detail, the code and the transaction id', () => {
    const e = statusEnvelope(toProblem('GW_QUOTA_EXCEEDED', 'minute', { transactionId: 'txn_1' }));
    assert.equal(e['StatusCode'], 429);
    assert.equal(e['Status'], 'Error');
    assert.match(String(e['Description']), /^Vượt hạn mức.* \/ The subscription quota.*: minute$/);
    assert.deepEqual(e['ResultObject'], { code: 'GW_QUOTA_EXCEEDED', transactionId: 'txn_1' });
  });
});

for (const kind of storeKinds) {
  describe(`client conventions of other LGSPs on ${kind}`, () => {
    let h: Awaited<ReturnType<typeof startGatewayHarness>>;
    let upstream: Awaited<ReturnType<typeof startUpstream>>;
    let seed: Awaited<ReturnType<typeof seedProvince>>;
    let header: string;

    const recordOf = async (id: string) => {
      let rec: Awaited<ReturnType<typeof queryTransactions>>['items'][number] | undefined;
      await within(5_000, async () => {
        rec = (await queryTransactions(h.store, { transactionId: id })).items[0];
        return rec !== undefined;
      });
      return rec!;
    };
    const problemCode = async (res: Response) => ((await res.json()) as { code: string }).code;

    before(async () => {
      upstream = await startUpstream();
      h = await startGatewayHarness(kind, {
        clientConventions: { lgspAccessToken: true, statusEnvelopeVersions: ['thue/1.0'] },
      });
      seed = await seedProvince(h, upstream.url);
      await h.snapshots.refresh();
      header = formOne({
        AccessKey: seed.credential.consumerKey,
        SecretKey: seed.credential.consumerSecret,
        PartnerCode: seed.provider.code,
        PartnerCodeCus: seed.consumer.code,
      });
    });
    after(async () => {
      await h.close();
      await upstream.close();
    });

    test('form 1: the header alone authorizes the call like a token; the provider never sees it or the secret', async () => {
      upstream.seen.length = 0;
      const res = await fetch(`${h.url}${PATH}`, { headers: { lgspaccesstoken: header } });
      assert.equal(res.status, 200);
      await res.arrayBuffer();
      assert.equal(upstream.seen.length, 1);
      const seen = JSON.stringify(upstream.seen[0]!.headers);
      assert.ok(!seen.toLowerCase().includes('lgspaccesstoken'), 'no lgspaccesstoken upstream');
      assert.ok(!seen.includes(seed.credential.consumerSecret), 'no secret upstream');
      assert.equal(upstream.seen[0]!.headers['x-lgsp-consumer-organization'], seed.consumer.code);
      const rec = await recordOf(res.headers.get('x-lgsp-transaction-id')!);
      assert.equal(rec.authMethod, 'lgspaccesstoken');
      assert.equal(rec.consumer.credentialId, seed.credential.id);
      assert.equal(rec.consumerStatus, 200);
      assert.ok(!JSON.stringify(rec).includes(seed.credential.consumerSecret), 'no secret in the record');
      // A second call is served from the verified-header cache: the same answer.
      assert.equal((await fetch(`${h.url}${PATH}`, { headers: { lgspaccesstoken: header } })).status, 200);
      // Same subscription policy as a token: a service it is not subscribed to is refused.
      const tax = await fetch(`${h.url}/thue/1.0/doanhnghiep/0312345678`, {
        headers: {
          lgspaccesstoken: formOne({
            AccessKey: seed.credential.consumerKey,
            SecretKey: seed.credential.consumerSecret,
          }),
        },
      });
      assert.equal(tax.status, 403);
    });

    test('form 1: the wrong calling organization or provider → 403, the wrong secret → 401', async () => {
      const wrongOrg = await fetch(`${h.url}${PATH}`, {
        headers: {
          lgspaccesstoken: formOne({
            AccessKey: seed.credential.consumerKey,
            SecretKey: seed.credential.consumerSecret,
            PartnerCodeCus: '000.00.99.H01',
          }),
        },
      });
      assert.equal(wrongOrg.status, 403);
      assert.equal(await problemCode(wrongOrg), 'GW_LGSP_ACCESS_TOKEN_ORG_MISMATCH');
      const wrongProvider = await fetch(`${h.url}${PATH}`, {
        headers: {
          lgspaccesstoken: formOne({
            AccessKey: seed.credential.consumerKey,
            SecretKey: seed.credential.consumerSecret,
            PartnerCode: '000.00.99.H01',
          }),
        },
      });
      assert.equal(wrongProvider.status, 403);
      assert.equal(await problemCode(wrongProvider), 'GW_LGSP_ACCESS_TOKEN_PROVIDER_MISMATCH');
      const wrongSecret = await fetch(`${h.url}${PATH}`, {
        headers: { lgspaccesstoken: formOne({ AccessKey: seed.credential.consumerKey, SecretKey: 'sai' }) },
      });
      assert.equal(wrongSecret.status, 401);
      assert.equal(await problemCode(wrongSecret), 'GW_LGSP_ACCESS_TOKEN_INVALID');
      for (const junk of ['khong-phai-base64!', Buffer.from('[1,2]').toString('base64'), 'x'.repeat(5000)]) {
        const res = await fetch(`${h.url}${PATH}`, { headers: { lgspaccesstoken: junk } });
        assert.equal(res.status, 401, junk.slice(0, 20));
        assert.equal(await problemCode(res), 'GW_LGSP_ACCESS_TOKEN_INVALID');
      }
    });

    test('form 1: repeated wrong secrets block the key as at /token (429), even with the right secret', async () => {
      const other = await h.registry.issueCredential(seed.consumerSystem.id, 'production', 'test');
      await h.snapshots.refresh();
      let last = 0;
      for (let i = 0; i < 12 && last !== 429; i++) {
        const res = await fetch(`${h.url}${PATH}`, {
          headers: { lgspaccesstoken: formOne({ AccessKey: other.consumerKey, SecretKey: `sai-${i}` }) },
        });
        last = res.status;
        await res.arrayBuffer();
      }
      assert.equal(last, 429);
      const right = await fetch(`${h.url}${PATH}`, {
        headers: {
          lgspaccesstoken: formOne({ AccessKey: other.consumerKey, SecretKey: other.consumerSecret }),
        },
      });
      assert.equal(right.status, 429);
      assert.equal(await problemCode(right), 'GW_TOKEN_THROTTLED');
      assert.ok(
        Number(right.headers.get('retry-after')) >= 1,
        "Number(right.headers.get('retry-after')) >= 1",
      );
      // `/token` shares the block: it is one limit per key, whichever way the secret comes.
      const token = await fetch(`${h.url}/token`, {
        method: 'POST',
        headers: { ...form, authorization: basic(other.consumerKey, other.consumerSecret) },
        body: 'grant_type=client_credentials',
      });
      assert.equal(token.status, 429);
    });

    test('form 2: an opaque lgspaccesstoken beside Bearer — the token decides, the codes are recorded, nothing reaches the provider', async () => {
      const token = await getToken(h.url, seed.credential.consumerKey, seed.credential.consumerSecret);
      upstream.seen.length = 0;
      const res = await fetch(`${h.url}${PATH}`, {
        headers: {
          authorization: `Bearer ${token}`,
          lgspaccesstoken: 'mot-chuoi-mo-cua-csdl-gia',
          SENDER_CODE: 'STC.AG',
          RECEIVER_CODE: 'BTC.CSDLGIA',
          TRAN_CODE: 'GIA-2026-000123',
        },
      });
      assert.equal(res.status, 200);
      await res.arrayBuffer();
      const seen = upstream.seen[0]!.headers;
      assert.equal(seen['lgspaccesstoken'], undefined);
      assert.ok(
        !JSON.stringify(seen).includes('mot-chuoi-mo-cua-csdl-gia'),
        "!JSON.stringify(seen).includes('mot-chuoi-mo-cua-csdl-gia')",
      );
      const rec = await recordOf(res.headers.get('x-lgsp-transaction-id')!);
      assert.equal(rec.authMethod, 'bearer');
      assert.deepEqual(rec.clientCodes, {
        sender: 'STC.AG',
        receiver: 'BTC.CSDLGIA',
        transaction: 'GIA-2026-000123',
      });
      assert.ok(
        !JSON.stringify(rec).includes('mot-chuoi-mo-cua-csdl-gia'),
        'the header is not in the record',
      );
      // A bad token is refused whatever lgspaccesstoken says.
      const bad = await fetch(`${h.url}${PATH}`, {
        headers: { authorization: 'Bearer khong.hop.le', lgspaccesstoken: header },
      });
      assert.equal(bad.status, 401);
      // A code that is no short text → 400, never recorded as such.
      const long = await fetch(`${h.url}${PATH}`, {
        headers: { authorization: `Bearer ${token}`, lgspaccesstoken: 'x', TRAN_CODE: 'x'.repeat(200) },
      });
      assert.equal(long.status, 400);
      assert.equal(await problemCode(long), 'GW_CLIENT_CODE_INVALID');
    });

    test('lower-case schemes: `basic` at /token and /revoke, `bearer` on calls (RFC 9110 §11.1)', async () => {
      const res = await fetch(`${h.url}/token`, {
        method: 'POST',
        headers: {
          ...form,
          authorization: basic(seed.credential.consumerKey, seed.credential.consumerSecret, 'basic'),
        },
        body: 'grant_type=client_credentials',
      });
      assert.equal(res.status, 200);
      const { access_token: token } = (await res.json()) as { access_token: string };
      for (const scheme of ['bearer', 'BEARER', 'Bearer']) {
        const call = await fetch(`${h.url}${PATH}`, { headers: { authorization: `${scheme} ${token}` } });
        assert.equal(call.status, 200, scheme);
        await call.arrayBuffer();
      }
    });

    test('POST /revoke (RFC 7009): the revoked token → 401 GW_TOKEN_REVOKED; unknown and foreign tokens → 200, untouched', async () => {
      const token = await getToken(h.url, seed.credential.consumerKey, seed.credential.consumerSecret);
      assert.equal(
        (await fetch(`${h.url}${PATH}`, { headers: { authorization: `Bearer ${token}` } })).status,
        200,
      );
      const revoke = await fetch(`${h.url}/revoke`, {
        method: 'POST',
        headers: {
          ...form,
          authorization: basic(seed.credential.consumerKey, seed.credential.consumerSecret, 'basic'),
        },
        body: new URLSearchParams({ token, token_type_hint: 'access_token' }).toString(),
      });
      assert.equal(revoke.status, 200);
      assert.equal(revoke.headers.get('cache-control'), 'no-store');
      const after = await fetch(`${h.url}${PATH}`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(after.status, 401);
      assert.equal(await problemCode(after), 'GW_TOKEN_REVOKED');
      // Revoking it again, or a token that is none of ours: 200 (RFC 7009 §2.2).
      for (const t of [token, 'khong.phai.token']) {
        const again = await fetch(`${h.url}/oauth2/revoke`, {
          method: 'POST',
          headers: form,
          body: new URLSearchParams({
            token: t,
            client_id: seed.credential.consumerKey,
            client_secret: seed.credential.consumerSecret,
          }).toString(),
        });
        assert.equal(again.status, 200);
      }
      // Another client cannot revoke this client's token: 200, and the token keeps working.
      const mine = await getToken(h.url, seed.credential.consumerKey, seed.credential.consumerSecret);
      const stranger = await h.registry.issueCredential(seed.consumerSystem.id, 'production', 'test');
      await h.snapshots.refresh();
      const foreign = await fetch(`${h.url}/revoke`, {
        method: 'POST',
        headers: { ...form, authorization: basic(stranger.consumerKey, stranger.consumerSecret) },
        body: new URLSearchParams({ token: mine }).toString(),
      });
      assert.equal(foreign.status, 200);
      assert.equal(
        (await fetch(`${h.url}${PATH}`, { headers: { authorization: `Bearer ${mine}` } })).status,
        200,
      );
      // Client authentication as at /token: a wrong secret is 401 invalid_client; no token parameter is 400.
      const wrong = await fetch(`${h.url}/revoke`, {
        method: 'POST',
        headers: { ...form, authorization: basic(seed.credential.consumerKey, 'sai') },
        body: new URLSearchParams({ token: mine }).toString(),
      });
      assert.equal(wrong.status, 401);
      assert.equal(((await wrong.json()) as { error: string }).error, 'invalid_client');
      const missing = await fetch(`${h.url}/revoke`, {
        method: 'POST',
        headers: {
          ...form,
          authorization: basic(seed.credential.consumerKey, seed.credential.consumerSecret),
        },
        body: '',
      });
      assert.equal(missing.status, 400);
      assert.equal(
        (await fetch(`${h.url}${PATH}`, { headers: { authorization: `Bearer ${mine}` } })).status,
        200,
      );
    });

    test('the status envelope on an opted-in version, for platform errors only; problem+json elsewhere', async () => {
      const tax = await fetch(`${h.url}/thue/1.0/doanhnghiep/0312345678`);
      assert.equal(tax.status, 401);
      assert.match(tax.headers.get('content-type')!, /^application\/json/);
      const envelope = (await tax.json()) as Record<string, unknown>;
      assert.deepEqual(Object.keys(envelope).sort(), ['Description', 'ResultObject', 'Status', 'StatusCode']);
      assert.equal(envelope['StatusCode'], 401);
      assert.equal((envelope['ResultObject'] as { code: string }).code, 'GW_TOKEN_MISSING');
      const token = await getToken(h.url, seed.credential.consumerKey, seed.credential.consumerSecret);
      const forbidden = await fetch(`${h.url}/thue/1.0/doanhnghiep/0312345678`, {
        headers: { authorization: `Bearer ${token}` },
      });
      assert.equal(forbidden.status, 403);
      assert.equal(((await forbidden.json()) as { StatusCode: number }).StatusCode, 403);
      const dancu = await fetch(`${h.url}${PATH}`);
      assert.equal(dancu.status, 401);
      assert.match(dancu.headers.get('content-type')!, /^application\/problem\+json/);
    });

    test('form 1 of a revoked credential → 401 at once, though the header was cached', async () => {
      assert.equal((await fetch(`${h.url}${PATH}`, { headers: { lgspaccesstoken: header } })).status, 200);
      await h.registry.revokeCredential(seed.credential.id, 'test', 'thử thu hồi');
      await h.snapshots.refresh();
      const res = await fetch(`${h.url}${PATH}`, { headers: { lgspaccesstoken: header } });
      assert.equal(res.status, 401);
      assert.equal(await problemCode(res), 'GW_LGSP_ACCESS_TOKEN_INVALID');
    });
  });
}

describe('client conventions switched off (the default for lgspaccesstoken)', () => {
  let h: Awaited<ReturnType<typeof startGatewayHarness>>;
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  let seed: Awaited<ReturnType<typeof seedProvince>>;
  before(async () => {
    upstream = await startUpstream();
    h = await startGatewayHarness('pglite', {
      clientConventions: { tokenRevocation: false, caseInsensitiveAuthSchemes: false },
    });
    seed = await seedProvince(h, upstream.url);
    await h.snapshots.refresh();
  });
  after(async () => {
    await h.close();
    await upstream.close();
  });

  test('no lgspaccesstoken, no /revoke, schemes as spelled', async () => {
    const header = formOne({
      AccessKey: seed.credential.consumerKey,
      SecretKey: seed.credential.consumerSecret,
    });
    const res = await fetch(`${h.url}${PATH}`, { headers: { lgspaccesstoken: header } });
    assert.equal(res.status, 401);
    assert.equal(((await res.json()) as { code: string }).code, 'GW_TOKEN_MISSING');
    const revoke = await fetch(`${h.url}/revoke`, { method: 'POST', headers: form, body: 'token=x' });
    assert.notEqual(revoke.status, 200);
    await revoke.arrayBuffer();
    const token = await getToken(h.url, seed.credential.consumerKey, seed.credential.consumerSecret);
    const lower = await fetch(`${h.url}${PATH}`, { headers: { authorization: `bearer ${token}` } });
    assert.equal(lower.status, 401);
    await lower.arrayBuffer();
  });
});

/** LGSP_GATEWAY_WORKERS=2: a token revoked at one worker is refused by every worker from the answer on. */
describe('POST /revoke with the gateway in worker processes', () => {
  let platform: Platform;
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  let seed: Awaited<ReturnType<typeof seedProvince>>;
  const dataDir = mkdtempSync(join(tmpdir(), 'lgsp-revoke-'));
  // A fresh connection per request: called until every worker has answered (test/helpers/gateway-workers.ts).
  const call = (token: string) =>
    fetch(`${platform.gatewayUrl}${PATH}`, {
      headers: { authorization: `Bearer ${token}`, connection: 'close' },
    }).then(async (r) => ({ status: r.status, headers: r.headers, body: await r.text() }));

  before(async () => {
    upstream = await startUpstream();
    await withMigratedStore(dataDir);
    const config = loadConfig({
      env: {},
      overrides: {
        dataDir,
        gateway: { port: 0, host: '127.0.0.1', workers: 2 },
        admin: { port: 0, password: 'mat-khau-kiem-thu' },
        egress: { allow: [new URL(upstream.url).host] },
        logLevel: 'silent',
      },
    });
    platform = await startPlatform(config, { logger: silentLogger() });
    seed = await seedProvince(platform, upstream.url);
    await platform.snapshots.refresh();
  });
  after(async () => {
    await platform.stop();
    await upstream.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('the next call with the revoked token is 401 on every worker', async () => {
    const token = await getToken(
      platform.gatewayUrl,
      seed.credential.consumerKey,
      seed.credential.consumerSecret,
    );
    // Every worker has verified (and cached) the token.
    for (const r of await untilEveryWorker(() => call(token))) assert.equal(r.status, 200);
    const revoke = await fetch(`${platform.gatewayUrl}/revoke`, {
      method: 'POST',
      headers: {
        ...form,
        authorization: basic(seed.credential.consumerKey, seed.credential.consumerSecret),
        connection: 'close',
      },
      body: new URLSearchParams({ token }).toString(),
    });
    assert.equal(revoke.status, 200);
    await revoke.arrayBuffer();
    for (const r of await untilEveryWorker(() => call(token))) {
      assert.equal(r.status, 401);
      assert.equal((JSON.parse(r.body) as { code: string }).code, 'GW_TOKEN_REVOKED');
    }
    // Another token of the same credential is untouched.
    const fresh = await getToken(
      platform.gatewayUrl,
      seed.credential.consumerKey,
      seed.credential.consumerSecret,
    );
    assert.equal((await call(fresh)).status, 200);
  });
});
