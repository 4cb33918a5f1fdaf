import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { SandboxTryResult } from '../src/api/contract/sandbox-try.ts';
import { tryEvidence } from '../src/cli/commands/version.ts';
import { newId } from '../src/core/ids.ts';
import { certificateInfo } from '../src/net/tls.ts';
import { Alerts } from '../src/telemetry/alerts.ts';
import { silentLogger } from '../src/telemetry/logger.ts';
import { insertTransactions } from '../src/telemetry/record-copy.ts';
import { type AdminHarness, openAdminHarness, seedProvince } from './helpers/admin-api.ts';
import { selfSignedCertificate } from './helpers/certificates.ts';
import { adminEnv, runCli } from './helpers/cli.ts';
import { FULL_DESCRIPTION, OPENAPI_DOC } from './helpers/onboard.ts';
import { callRecord } from './helpers/records.ts';
import { startTestPlatform, TEST_PLATFORM_PASSWORD, type TestPlatform } from './helpers/test-platform.ts';
import { allowEgressTo, startUpstream } from './helpers/upstream.ts';

// biome-ignore lint/suspicious/noExplicitAny: JSON bodies read in assertions
type Json = Record<string, any>;

describe('lgsp CLI: services, versions, subscriptions, transactions, audit', () => {
  let h: AdminHarness;
  let url: string;
  let dir: string;
  let seed: Awaited<ReturnType<typeof seedProvince>>;

  const lgsp = (...args: string[]) => runCli(args, adminEnv(url, h.token, dir));
  async function json(...args: string[]): Promise<Json> {
    const run = await lgsp(...args, '--json');
    assert.equal(run.code, 0, run.err);
    return JSON.parse(run.out);
  }

  before(async () => {
    // The new version's sandbox is in the province's WAN: listed exactly (issue 10).
    h = await openAdminHarness('pglite', {
      startMs: Date.now(),
      overrides: { egress: { allow: ['10.0.0.9:80'] } },
    });
    seed = await seedProvince(h);
    await h.app.listen({ port: 0, host: '127.0.0.1' });
    url = `http://127.0.0.1:${(h.app.server.address() as { port: number }).port}`;
    dir = mkdtempSync(join(tmpdir(), 'lgsp-cli-'));
  });
  after(async () => {
    await h.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  test('service create with a description file, show, update', async () => {
    const file = join(dir, 'mota.json');
    writeFileSync(file, JSON.stringify({ capacity: '50 lượt/giây', dataQuality: 'Cập nhật hằng ngày' }));
    const created = await json(
      'service',
      'create',
      '--context',
      'dancu',
      '--name',
      'Tra cứu dân cư',
      '--provider-system',
      seed.provider.id,
      '--description-json',
      file,
    );
    assert.equal(created.description.capacity, '50 lượt/giây');
    const shown = await lgsp('service', 'show', created.id);
    assert.equal(shown.code, 0);
    assert.match(shown.out, /Năng lực đáp ứng \/ Capacity\s+50 lượt\/giây/);
    assert.match(shown.out, /Ngừng cung cấp từ \/ Ends at\s+-\n/, 'no end announced yet');
    const renamed = await json('service', 'update', created.id, '--name', 'Tra cứu công dân');
    assert.equal(renamed.name, 'Tra cứu công dân');
    const listed = await lgsp('service', 'list');
    assert.match(listed.out, /dancu/);
    // the announced end reads in Vietnam time, when announced and on show (70 days ahead, 09:30 local).
    const endMs = Date.now() + 70 * 86_400_000;
    const endDay = new Date(endMs + 7 * 3_600_000).toISOString().slice(0, 10).split('-').reverse().join('/');
    const ended = await lgsp(
      'service',
      'decommission',
      created.id,
      '--at',
      `${endDay} 09:30`,
      '--reason',
      'Chuyển sang CSDL quốc gia',
    );
    assert.equal(ended.code, 0, ended.err);
    assert.match(ended.out, new RegExp(`ends at ${endDay} 09:30 \\(giờ Việt Nam`));
    const showEnd = await lgsp('service', 'show', created.id);
    assert.match(showEnd.out, new RegExp(`Ngừng cung cấp từ / Ends at\\s+${endDay} 09:30\\n`));
    assert.match(showEnd.out, /Đã ngừng lúc \/ Ended\s+-\n/);
    // Cancelled before its date: the service carries on, no end shown; a second cancel is exit 1.
    const cancelled = await lgsp('service', 'cancel-decommission', created.id, '--reason', 'Lùi lại');
    assert.equal(cancelled.code, 0, cancelled.err);
    assert.match(cancelled.out, /Decommission cancelled: dancu tiếp tục được cung cấp \/ carries on/);
    assert.match((await lgsp('service', 'show', created.id)).out, /Ngừng cung cấp từ \/ Ends at\s+-\n/);
    const twice = await lgsp('service', 'cancel-decommission', created.id);
    assert.equal(twice.code, 1);
    assert.match(twice.err, /CP_DECOMMISSION_CANCELLED/);
    const bad = await lgsp(
      'service',
      'create',
      '--context',
      'x',
      '--name',
      'x',
      '--provider-system',
      's',
      '--description-json',
      join(dir, 'none.json'),
    );
    assert.equal(bad.code, 2);
  });

  test('version create with resources, publish, deprecate; list by service', async () => {
    const v = await json(
      'version',
      'create',
      '--service',
      seed.service.id,
      '--version',
      '2.0',
      '--sandbox-url',
      'http://10.0.0.9/hotich',
      '--resource',
      'GET /khaisinh/{soDinhDanh}',
      '--resource',
      '/kethon/*',
    );
    assert.deepEqual(v.resources, [
      { method: 'GET', path: '/khaisinh/{soDinhDanh}' },
      { method: '*', path: '/kethon/*' },
    ]);
    assert.equal(v.status, 'draft');
    // Publishing needs the sandbox test first: refused with its code, exit 1.
    const early = await lgsp('version', 'publish', v.id);
    assert.equal(early.code, 1);
    assert.match(early.err + early.out, /CP_SANDBOX_TEST_REQUIRED/);
    const updated = await json(
      'version',
      'update',
      v.id,
      '--production-url',
      'https://hotich.angiang.gov.vn',
    );
    assert.equal(updated.upstreams.production, 'https://hotich.angiang.gov.vn');
    // Its own request body limit (issue 10 item 7), and back to the platform's default with ''.
    const limited = await json('version', 'update', v.id, '--request-body-limit', '65536');
    assert.equal(limited.requestBodyLimitBytes, 65536);
    const shown = await lgsp('version', 'show', v.id);
    assert.match(shown.out, /65536 byte/);
    const unlimited = await json('version', 'update', v.id, '--request-body-limit', '');
    assert.equal(unlimited.requestBodyLimitBytes, null);
    assert.equal((await lgsp('version', 'update', v.id, '--request-body-limit', '10')).code, 2);
    const list = await lgsp('version', 'list', '--service', seed.service.id);
    assert.match(list.out, /1\.0/);
    assert.match(list.out, /2\.0/);
    const badUrl = await lgsp('version', 'update', v.id, '--sandbox-url', 'ftp://x');
    assert.equal(badUrl.code, 1);
    assert.match(badUrl.err, /CP_UPSTREAM_URL_INVALID/);
  });

  test('subscription create with quota and time of use, update with none, suspend, revoke', async () => {
    const sub = await json(
      'subscription',
      'create',
      '--system',
      seed.consumer.id,
      '--version-id',
      seed.version.id,
      '--env',
      'sandbox',
      '--quota-per-minute',
      '60',
      '--time-of-use',
      '07:00-17:30',
    );
    assert.equal(sub.quotaPerMinute, 60);
    assert.equal(sub.timeOfUse, '07:00-17:30');
    const cleared = await json(
      'subscription',
      'update',
      sub.id,
      '--time-of-use',
      'none',
      '--quota-per-day',
      '1000',
    );
    assert.equal(cleared.timeOfUse, null);
    assert.equal(cleared.quotaPerDay, 1000);
    assert.equal((await json('subscription', 'suspend', sub.id)).status, 'suspended');
    assert.equal((await json('subscription', 'activate', sub.id)).status, 'active');
    const revoked = await lgsp('subscription', 'revoke', sub.id);
    assert.equal(revoked.code, 0);
    assert.match(revoked.out, /Đã thu hồi \/ Revoked/);
    const table = await lgsp('subscription', 'list', '--system', seed.consumer.id);
    assert.match(table.out, /1\.000\/ngày·day/, 'digits grouped as the rest of the CLI prints counts');

    // The service is announced to end: its subscriptions say when, in the list and in each.
    const ends = new Date(Date.now() + 90 * 86_400_000 + 7 * 3_600_000).toISOString().slice(0, 10);
    const endsText = ends.split('-').reverse().join('/');
    const scheduled = await lgsp(
      'service',
      'decommission',
      seed.service.id,
      '--at',
      endsText,
      '--reason',
      'Chuyển sang CSDL quốc gia',
    );
    assert.equal(scheduled.code, 0, scheduled.err);
    const shown = await lgsp('subscription', 'show', sub.id);
    assert.match(
      shown.out,
      new RegExp(
        `Ngừng từ / Ends +${endsText} 00:00 — dịch vụ ngừng cung cấp / service withdrawn \\(R-21\\) · thông báo / notice ntc_`,
      ),
    );
    const endingList = await lgsp('subscription', 'list', '--ending', 'true');
    assert.match(endingList.out, new RegExp(`${sub.id}.*${endsText}`));
    const cancelled = await lgsp('service', 'cancel-decommission', seed.service.id);
    assert.equal(cancelled.code, 0, cancelled.err);
    assert.match((await lgsp('subscription', 'show', sub.id)).out, /Ngừng từ \/ Ends +—/);
    assert.doesNotMatch((await lgsp('subscription', 'list', '--ending', 'true')).out, new RegExp(sub.id));
    const badWindow = await lgsp('subscription', 'update', sub.id, '--time-of-use', '8h-17h');
    assert.equal(badWindow.code, 1);
    assert.match(badWindow.err, /CP_TIME_WINDOW_INVALID/);
  });

  test('system suspend and activate', async () => {
    assert.equal((await json('system', 'suspend', seed.consumer.id)).status, 'suspended');
    const run = await lgsp('system', 'activate', seed.consumer.id);
    assert.equal(run.code, 0);
    assert.match(run.out, /Trạng thái \/ Status\s+active/);
  });

  test('system bind-cert (a PEM file, a fingerprint) and unbind-cert (mTLS, R-13)', async () => {
    const { certFile: cert } = selfSignedCertificate(dir, 'he-thong', {
      subject: '/C=VN/O=So Tu phap/CN=ho-tich',
    });
    const info = certificateInfo(readFileSync(cert));
    const bound = await json('system', 'bind-cert', seed.consumer.id, '--cert', cert);
    assert.equal(bound.clientCertificate.sha256, info.sha256);
    assert.equal(bound.clientCertificate.subject, 'C=VN, O=So Tu phap, CN=ho-tich');
    const shown = await lgsp('system', 'show', seed.consumer.id);
    assert.match(shown.out, new RegExp(`SHA-256 ${info.sha256}`));
    const colons = info.sha256.match(/../g)!.join(':').toUpperCase();
    assert.equal(
      (await json('system', 'bind-cert', seed.consumer.id, '--sha256', colons)).clientCertificate.sha256,
      info.sha256,
    );
    const both = await lgsp('system', 'bind-cert', seed.consumer.id, '--cert', cert, '--sha256', colons);
    assert.notEqual(both.code, 0);
    assert.match(both.err, /--cert/);
    assert.equal((await json('system', 'unbind-cert', seed.consumer.id)).clientCertificate, null);
  });

  test('transactions list: table, filters, next page hint', async () => {
    const t0 = Date.parse('2025-03-01T01:00:00Z');
    await insertTransactions(
      h.store,
      Array.from({ length: 3 }, (_, i) =>
        callRecord(t0 + i * 1000, {
          id: newId('txn', t0 + i),
          consumerSystemId: seed.consumer.id,
          consumerOrgCode: '000.00.31.H01',
          providerSystemId: seed.provider.id,
          providerOrgCode: '000.00.31.H01',
          serviceId: seed.service.id,
          serviceContext: 'hotich',
          versionId: seed.version.id,
          version: '1.0',
          environment: 'sandbox',
          resourceTemplate: '/khaisinh/{soDinhDanh}',
          providerStatus: i === 2 ? null : 200,
          consumerStatus: i === 2 ? 504 : 200,
          errorCode: i === 2 ? 'GW_UPSTREAM_TIMEOUT' : null,
          responseInAt: t0 + i * 1000 + 5,
          responseOutAt: t0 + i * 1000 + 6,
        }),
      ),
    );
    const run = await lgsp('transactions', 'list', '--limit', '2');
    assert.equal(run.code, 0, run.err);
    // Both sides by the system's name and the organization's code, not by `sys_…` id; --json keeps the ids.
    assert.match(run.out, /Bên khai thác \/ Consumer\s+Bên cung cấp \/ Provider/);
    assert.match(run.out, /Cổng dịch vụ công \(000\.00\.31\.H01\)\s+CSDL Hộ tịch \(000\.00\.31\.H01\)/);
    assert.doesNotMatch(run.out, /sys_/);
    const listed = await json('transactions', 'list', '--limit', '1');
    assert.equal(listed.items[0].consumer.systemId, seed.consumer.id);
    assert.equal(listed.items[0].consumer.systemName, 'Cổng dịch vụ công');
    assert.match(run.out, /GW_UPSTREAM_TIMEOUT/);
    assert.match(run.out, /GET \/khaisinh\/\{soDinhDanh\}/);
    const cursor = /--cursor (\S+)/.exec(run.out)?.[1];
    assert.ok(cursor, run.out);
    const next = await json('transactions', 'list', '--limit', '2', '--cursor', cursor);
    assert.equal(next.items.length, 1);
    assert.equal(next.nextCursor, null);
    const errors = await json('transactions', 'list', '--status', '5xx', '--consumer', seed.consumer.id);
    assert.equal(errors.items.length, 1);
    const bad = await lgsp('transactions', 'list', '--status', 'failed');
    assert.equal(bad.code, 1);
    assert.match(bad.err, /API_VALIDATION_FAILED/);
    assert.match(bad.err, /querystring\/status/);
  });

  test('--from/--to take dd/mm/yyyy, a day or a zone-less time as Vietnam time; a day in --to includes that day', async () => {
    // The transactions test's three calls: 08:00:00, 08:00:01 and 08:00:02 on 01/03/2025, Vietnam time.
    const count = async (...args: string[]) => (await json('transactions', 'list', ...args)).items.length;
    assert.equal(await count('--from', '2025-03-01', '--to', '2025-03-01'), 3, 'the whole day');
    assert.equal(
      await count('--from', '2025-03-01T08:00:01', '--to', '2025-03-01'),
      2,
      'zone-less is Vietnam time',
    );
    assert.equal(await count('--to', '2025-02-28'), 0, 'the day before ends at its midnight, Vietnam time');
    assert.equal(
      await count('--to', '2025-03-01T08:00'),
      0,
      'a time in --to is exclusive, as in the console',
    );
    assert.equal(
      await count('--from', '2025-03-01T01:00:01Z', '--to', '2025-03-02T00:00:00+07:00'),
      2,
      'zones as typed',
    );

    // As Vietnamese write it: dd/mm/yyyy, dd/mm/yyyy HH:mm[:ss] — one parser for every date option (args.ts).
    assert.equal(await count('--from', '01/03/2025', '--to', '01/03/2025'), 3, 'dd/mm/yyyy, the whole day');
    assert.equal(await count('--from', '01/03/2025 08:00:01', '--to', '1/3/2025'), 2, 'dd/mm/yyyy HH:mm:ss');
    assert.equal(await count('--to', '01/03/2025 08:00'), 0, 'dd/mm/yyyy HH:mm in --to is exclusive');

    const statistics = await json('report', 'statistics', '--from', '2025-03-01', '--to', '2025-03-01');
    assert.equal(statistics.from, '2025-02-28T17:00:00.000Z');
    assert.equal(statistics.to, '2025-03-01T17:00:00.000Z');
    const inVietnamese = await json('report', 'statistics', '--from', '01/03/2025', '--to', '31/03/2025');
    assert.equal(inVietnamese.from, '2025-02-28T17:00:00.000Z');
    assert.equal(inVietnamese.to, '2025-03-31T17:00:00.000Z');

    // Counts are read with their digits grouped (1.250, not 1250), the success rate with a decimal comma: the
    // output is read Vietnamese first. A day of its own, after the other tests' calls.
    const busyDay = Date.parse('2025-04-02T01:00:00Z');
    await insertTransactions(
      h.store,
      Array.from({ length: 1250 }, (_, i) =>
        callRecord(busyDay + i * 10, {
          id: newId('txn', busyDay + i),
          consumerSystemId: seed.consumer.id,
          consumerOrgCode: '000.00.31.H01',
          providerSystemId: seed.provider.id,
          providerOrgCode: '000.00.31.H01',
          serviceId: seed.service.id,
          serviceContext: 'hotich',
          versionId: seed.version.id,
          version: '1.0',
          environment: 'sandbox',
          resourceTemplate: '/khaisinh/{soDinhDanh}',
          providerStatus: i < 10 ? null : 200,
          consumerStatus: i < 10 ? 504 : 200,
          errorCode: i < 10 ? 'GW_UPSTREAM_TIMEOUT' : null,
        }),
      ),
    );
    const busy = await lgsp('report', 'statistics', '--from', '02/04/2025', '--to', '02/04/2025');
    assert.equal(busy.code, 0, busy.err);
    assert.match(busy.out, /^1\.250 +0 +10 +99,20 %/m, busy.out);

    // Anything else: a usage error naming the option and the forms, exit 2, no schema error from the API.
    for (const args of [
      ['transactions', 'list', '--from', '2025/03/01'],
      ['report', 'statistics', '--from', '01/03/2025', '--to', '32/03/2025'],
      ['audit', 'list', '--to', 'hôm qua'],
      ['version', 'consumers', seed.version.id, '--since', '01.03.2025'],
      ['peers', 'ledger', '--from', '01/03/2025', '--to', 'Mar 31'],
    ]) {
      const run = await lgsp(...args);
      assert.equal(run.code, 2, `${args.join(' ')}: ${run.err}`);
      assert.match(
        run.err,
        /--(from|to|since): không đọc được thời điểm .* dd\/mm\/yyyy, dd\/mm\/yyyy HH:mm/,
      );
      assert.doesNotMatch(run.err, /API_VALIDATION_FAILED|querystring/);
    }

    const csv = join(dir, 'ben-doi-soat.csv');
    writeFileSync(csv, 'ma_giao_dich,trang_thai\n');
    const reconciled = await lgsp(
      'reconcile',
      '--system',
      seed.consumer.id,
      '--from',
      '2025-03-01',
      '--to',
      '2025-03-01',
      '--file',
      csv,
      '--json',
    );
    assert.equal(reconciled.code, 0, reconciled.err);
    assert.equal(JSON.parse(reconciled.out).counts.platform, 3, 'the whole day of the platform’s records');

    const today = new Date(Date.now() + 7 * 3_600_000).toISOString().slice(0, 10);
    assert.ok(
      (await json('audit', 'list', '--from', today, '--to', today)).items.length > 0,
      'today’s events',
    );
    assert.equal((await json('audit', 'list', '--to', '2025-03-01')).items.length, 0);

    const ledger = await lgsp('peers', 'ledger', '--from', '2025-03-01', '--to', '2025-03-01', '--json');
    assert.equal(ledger.code, 0, ledger.err);
    const exported = await lgsp('peers', 'export-ledger', '--from', '2025-03-01', '--to', '2025-03-01');
    assert.equal(exported.code, 0, exported.err);
  });

  test('audit list shows who changed what', async () => {
    const run = await lgsp('audit', 'list', '--limit', '5');
    assert.equal(run.code, 0, run.err);
    assert.match(run.out, /Hành động \/ Action/);
    assert.match(run.out, /system\.activate/);
    // The actor by username, with the id the --actor filter takes beside it.
    assert.match(run.out, /admin \(usr_[0-9a-z]+\)/);
    assert.equal(
      (await json('audit', 'list', '--object', seed.org.id)).items[0].action,
      'organization.create',
    );
  });

  test('alerts: list (table and --json), acknowledge and resolve with a note, history', async () => {
    const alerts = new Alerts(h.store, h.clock, h.config.alerts, silentLogger());
    const { alert } = await alerts.raise({
      kind: 'provider.failing',
      key: 'provider.failing:ver_cli:production',
      severity: 'warning',
      subject: 'Dịch vụ hotich 1.0 lỗi / hotich 1.0 failing',
      text: 'Bên cung cấp trả lỗi / the provider fails',
      details: {},
    });
    const listed = await lgsp('alerts', 'list', '--state', 'open');
    assert.equal(listed.code, 0, listed.err);
    assert.match(listed.out, /Mức độ \/ Severity/);
    assert.match(
      listed.out,
      new RegExp(`${alert.id}\\s+cảnh báo \\/ warning\\s+đang mở \\/ open\\s+provider\\.failing`),
    );
    assert.match(listed.out, /Hiển thị \/ Showing 1–1 \/ 1/);
    assert.equal((await json('alerts', 'list', '--severity', 'critical')).items.length, 0);
    const bad = await lgsp('alerts', 'list', '--severity', 'loud');
    assert.equal(bad.code, 1);
    assert.match(bad.err, /API_VALIDATION_FAILED/);

    assert.equal((await lgsp('alerts', 'acknowledge', alert.id)).code, 2, 'the note is required');
    const acknowledged = await lgsp('alerts', 'acknowledge', alert.id, '--note', 'Đang liên hệ bên cung cấp');
    assert.equal(acknowledged.code, 0, acknowledged.err);
    assert.match(acknowledged.out, /^Đã tiếp nhận \/ Acknowledged\n/);
    assert.match(acknowledged.out, /Trạng thái \/ State\s+đã tiếp nhận \/ acknowledged/);
    const resolved = await json('alerts', 'resolve', alert.id, '--note', 'Bên cung cấp đã khởi động lại');
    assert.equal(resolved.state, 'resolved');
    const history = await lgsp('alerts', 'history', alert.id);
    assert.equal(history.code, 0, history.err);
    assert.match(history.out, /Đang liên hệ bên cung cấp \(admin\)/);
    assert.match(history.out, /Bên cung cấp đã khởi động lại \(admin\)/);
    assert.match((await lgsp('alerts', 'list', '--state', 'resolved')).out, /đã xử lý \/ resolved/);
  });

  test('a name an agency typed with terminal control sequences is shown escaped, never run (CWE-150)', async () => {
    // ESC sequences (clear screen, an OSC 52 clipboard write, a hidden hyperlink), a C1 CSI, a bare CR and a
    // right-to-left override: what the agency may set as its system's name through the API.
    const hostile =
      'Hộ tịch\u001b[2J\u001b]52;c;ZWNobyBwd25lZA==\u0007\u001b]8;;http://evil.example\u001b\\x\u009b31m\rY\u202eZ';
    const patched = await h.call('PATCH', `/api/v1/systems/${seed.consumer.id}`, { name: hostile });
    assert.equal(patched.statusCode, 200, patched.body);
    for (const args of [
      ['system', 'show', seed.consumer.id],
      ['system', 'list'],
    ]) {
      const run = await lgsp(...args);
      assert.equal(run.code, 0, run.err);
      // biome-ignore lint/suspicious/noControlCharactersInRegex: the point is to find control characters
      assert.doesNotMatch(run.out, /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202e]/, args.join(' '));
      assert.match(run.out, /Hộ tịch\\x1b\[2J\\x1b\]52;c;/, args.join(' '));
    }
    // --json keeps the name as the API has it (JSON escapes the controls itself).
    assert.equal((await json('system', 'show', seed.consumer.id)).name, hostile);
    await h.call('PATCH', `/api/v1/systems/${seed.consumer.id}`, { name: 'Hệ thống hộ tịch' });
  });
});

/*
 * `lgsp version try` (the sandbox "try it" publishing needs, issue s13): against a whole platform, since the try goes
 * through its real gateway to a sandbox upstream; then `lgsp version publish` finds the call as its evidence.
 */
describe('lgsp version try: the sandbox call publishing needs, from the CLI', () => {
  let started: TestPlatform;
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  let dir: string;
  let token: string;
  let versionId: string;
  const lgsp = (...args: string[]) => runCli(args, adminEnv(started.platform.adminUrl, token, dir));

  before(async () => {
    upstream = await startUpstream();
    started = await startTestPlatform('pglite');
    const { registry, lifecycle, accounts } = started.platform;
    allowEgressTo(registry.egress, upstream.url);
    const org = await registry.createOrganization({ code: '000.00.31.H01', name: 'Công an tỉnh' }, 't');
    const system = await registry.createSystem(
      { organizationId: org.id, name: 'CSDL Dân cư', isProvider: true, isConsumer: false },
      't',
    );
    const service = await registry.createService(
      {
        context: 'dancu',
        name: 'Tra cứu công dân',
        providerSystemId: system.id,
        description: FULL_DESCRIPTION,
      },
      't',
    );
    const version = await registry.createVersion(
      service.id,
      {
        version: '1.0',
        upstreams: { sandbox: `${upstream.url}/sandbox/dancu`, production: `${upstream.url}/api/dancu` },
        resources: [{ method: 'GET', path: '/congdan/{soDinhDanh}' }],
      },
      't',
    );
    await lifecycle.submitVersion(
      version.id,
      { technicalDocument: OPENAPI_DOC, documentType: 'openapi' },
      't',
    );
    await lifecycle.startSandboxTest(version.id, 't');
    versionId = version.id;
    token = (await accounts.login('admin', TEST_PLATFORM_PASSWORD)).token;
    dir = mkdtempSync(join(tmpdir(), 'lgsp-cli-try-'));
  });
  after(async () => {
    await started?.stop();
    await upstream?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a usage error names the header fields a try may set; nothing is sent', async () => {
    const bad = await lgsp(
      'version',
      'try',
      versionId,
      '--path',
      '/congdan/1',
      '--header',
      'authorization: x',
    );
    assert.equal(bad.code, 2);
    assert.match(bad.err, /content-type, accept/);
    assert.equal((await lgsp('version', 'try', versionId)).code, 2, 'the path is required');
  });

  test('a call outside the resources is answered, but is no evidence: exit 1, and publishing is still refused', async () => {
    const missed = await lgsp('version', 'try', versionId, '--path', '/khong-co');
    assert.equal(missed.code, 1, missed.err);
    assert.match(missed.out, /Trạng thái \/ Status\s+404/);
    assert.match(missed.out, /không: cần câu trả lời 2xx/);
    const early = await lgsp('version', 'publish', versionId);
    assert.equal(early.code, 1);
    assert.match(early.err, /CP_SANDBOX_TEST_REQUIRED/);
  });

  test('a 2xx try prints the answer and its transaction; publish then succeeds with it as evidence', async () => {
    const tried = await lgsp(
      'version',
      'try',
      versionId,
      '--path',
      '/congdan/001099012345',
      '--query',
      '?truong=hoTen',
      '--header',
      'Accept: application/json',
      '--header',
      'x-request-id: thu-cli',
    );
    assert.equal(tried.code, 0, tried.err);
    assert.match(tried.out, /Trạng thái \/ Status\s+200/);
    assert.match(tried.out, /có: lời gọi 2xx đã ghi bền/);
    assert.match(tried.out, /Nguyễn Văn An/);
    assert.match(tried.out, /\/sandbox\/dancu\/congdan\/001099012345\?truong=hoTen/);
    assert.match(tried.out, /Kích thước \/ Size\s+\d+ byte\n/);
    const transactionId = /Giao dịch \/ Transaction\s+(txn_\S+)/.exec(tried.out)?.[1];
    assert.ok(transactionId, 'the try names its transaction');
    assert.equal(upstream.seen.at(-1)?.headers['x-request-id'], 'thu-cli');

    const asJson = await lgsp('version', 'try', versionId, '--path', '/congdan/1', '--json');
    assert.equal(asJson.code, 0, asJson.err);
    assert.equal(JSON.parse(asJson.out).status, 200);

    const published = await lgsp('version', 'publish', versionId, '--json');
    assert.equal(published.code, 0, published.err);
    assert.equal(JSON.parse(published.out).status, 'published');
  });
});

describe('lgsp version try says whether the answer is publishing evidence as publishing judges it', () => {
  const answer = (status: number, headers: Record<string, string> = {}): SandboxTryResult => ({
    status,
    headers: { 'content-type': 'application/json', ...headers },
    body: '{}',
    bodyEncoding: 'utf8',
    bodyBytes: 2,
    bodyTruncated: false,
    durationMs: 3,
    transactionId: 'txn_thu',
    calledAt: '2026-12-08T00:00:00.000Z',
  });

  test('a provider\'s 2xx is; a mock answer and an async version\'s 202 are not — they read "yes" while publish refused them', () => {
    assert.match(tryEvidence(answer(200)), /^có: lời gọi 2xx đã ghi bền/);
    assert.match(tryEvidence(answer(404)), /^không: cần câu trả lời 2xx/);
    // docs/sandbox.md: a mock answer is never the evidence (CP_SANDBOX_TEST_REQUIRED).
    assert.match(
      tryEvidence(answer(200, { 'x-lgsp-mock': 'true' })),
      /^không: câu trả lời mẫu .*no: a mock answer/,
    );
    // docs/messaging.md: an async version's evidence is the delivery — the push answered 2xx, or the pull and ack.
    assert.match(
      tryEvidence(answer(202, { 'x-lgsp-message-id': 'msg_thu', location: '/_lgsp/messages/msg_thu' })),
      /^chưa: thông điệp đã được nhận.*not yet: the message is taken in/,
    );
  });
});
