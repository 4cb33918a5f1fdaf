import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import ExcelJS from 'exceljs';
import { pino } from 'pino';
import { readVietnamTime } from '../src/cli/args.ts';
import {
  formatVietnamDate,
  formatVietnamDateTime,
  formatVietnamDateTimeSeconds,
  utcOffsetLabel,
} from '../src/core/time.ts';
import { Notifier } from '../src/notify/notifier.ts';
import { statistics, statisticsCsv, statisticsXlsx } from '../src/reports/statistics.ts';
import { insertTransactions } from '../src/telemetry/record-copy.ts';
import { formatDeadline } from '../web/src/shared/time.ts';
import { type AdminHarness, openAdminHarness, seedProvince } from './helpers/admin-api.ts';
import { adminEnv, runCli } from './helpers/cli.ts';
import { TEST_KEK } from './helpers/keys.ts';
import { FULL_DESCRIPTION, OPENAPI_DOC } from './helpers/onboard.ts';
import { callRecord } from './helpers/records.ts';
import { SMTP_PASSWORD, SMTP_USER, startSmtp } from './helpers/smtp.ts';
import { storeKinds } from './helpers/stores.ts';

// biome-ignore lint/suspicious/noExplicitAny: JSON bodies read in assertions
type Json = Record<string, any>;

const VN = 420;
/** Midnight of 15/06/2027 in Vietnam: the UTC date is still the 14th. */
const SUNSET = '2027-06-14T17:00:00.000Z';
const START_MS = Date.parse('2026-12-01T02:00:00Z');

describe('the one formatter: dd/mm/yyyy HH:mm at the configured offset', () => {
  test('a UTC evening is the next day in Vietnam; other offsets move with the configuration', () => {
    assert.equal(formatVietnamDateTime(SUNSET, VN), '15/06/2027 00:00');
    assert.equal(formatVietnamDate(SUNSET, VN), '15/06/2027');
    assert.equal(formatVietnamDateTimeSeconds(Date.parse(SUNSET) - 1_000, VN), '14/06/2027 23:59:59');
    assert.equal(formatVietnamDateTime(new Date(SUNSET), 0), '14/06/2027 17:00');
    assert.equal(formatVietnamDateTime(Date.parse(SUNSET), -90), '14/06/2027 15:30');
    assert.equal(utcOffsetLabel(VN), 'UTC+07:00');
    assert.equal(utcOffsetLabel(-90), 'UTC-01:30');
  });
});

for (const kind of storeKinds) {
  describe(`a sunset at ${SUNSET} is 15/06/2027 00:00 wherever a person reads it (${kind})`, () => {
    let h: AdminHarness;
    let seed: Awaited<ReturnType<typeof seedProvince>>;
    let url: string;
    let configHome: string;
    let smtp: Awaited<ReturnType<typeof startSmtp>>;
    let v2: Json;

    const ok = async (method: string, path: string, body?: unknown, status = 200) => {
      const res = await h.call(method, path, body);
      assert.equal(res.statusCode, status, res.body);
      return res.json() as Json;
    };
    /** A version through the workflow: submitted, in sandbox test, a recorded sandbox call, published. */
    const publish = async (versionId: string, body: Json = {}) => {
      await ok('POST', `/api/v1/versions/${versionId}/submit`, {
        technicalDocument: OPENAPI_DOC,
        documentType: 'openapi',
      });
      await ok('POST', `/api/v1/versions/${versionId}/start-sandbox-test`, {});
      await insertTransactions(h.store, [
        callRecord(h.clock.nowMs() - 1000, { versionId, environment: 'sandbox' }),
      ]);
      return h.call('POST', `/api/v1/versions/${versionId}/publish`, body);
    };

    before(async () => {
      h = await openAdminHarness(kind, { startMs: START_MS });
      seed = await seedProvince(h);
      smtp = await startSmtp();
      await h.app.listen({ port: 0, host: '127.0.0.1' });
      url = `http://127.0.0.1:${(h.app.server.address() as { port: number }).port}`;
      configHome = mkdtempSync(join(tmpdir(), 'lgsp-vn-time-'));
      await ok('PATCH', `/api/v1/services/${seed.service.id}`, { description: FULL_DESCRIPTION });
      await ok('PATCH', `/api/v1/organizations/${seed.org.id}`, {
        contact: { name: 'Nguyễn Văn An', email: 'an@stp.angiang.gov.vn' },
      });
      assert.equal((await publish(seed.version.id)).statusCode, 200);
      await ok(
        'POST',
        '/api/v1/subscriptions',
        { systemId: seed.consumer.id, versionId: seed.version.id, environment: 'production' },
        201,
      );
      v2 = await ok(
        'POST',
        `/api/v1/services/${seed.service.id}/versions`,
        {
          version: '2.0',
          upstreams: { sandbox: 'http://127.0.0.1:9/sandbox', production: null },
          resources: [{ method: 'GET', path: '/khaisinh/{soDinhDanh}' }],
        },
        201,
      );
    });
    after(async () => {
      await h.dispose();
      await new Promise<void>((done) => smtp.server.close(() => done()));
      rmSync(configHome, { recursive: true, force: true });
    });

    test('a sunset under 180 days is refused with the reason (R-18) and the earliest date in Vietnam time', async () => {
      const res = await publish(v2.id, { previousSunsetAt: '2027-05-01T00:00:00Z' });
      assert.equal(res.statusCode, 400, res.body);
      const problem = res.json() as Json;
      assert.equal(problem.code, 'CP_SUNSET_TOO_EARLY');
      // 01/12/2026 09:00 in Vietnam + 180 days.
      assert.equal(problem.earliestAllowedAt, '2027-05-30T02:00:00.000Z');
      assert.match(problem.detail, /^Phiên bản cũ phải tiếp tục chạy ít nhất 180 ngày .*\(R-18, Điều 13\)/);
      assert.match(problem.detail, /thời điểm sớm nhất được chấp nhận: 30\/05\/2027 09:00 \(UTC\+07:00\)/);
      assert.doesNotMatch(problem.detail, /2027-05-30/);
    });

    test('the deprecation notice, its e-mail and the CLI say 15/06/2027 00:00, never the UTC date', async () => {
      const published = await h.call('POST', `/api/v1/versions/${v2.id}/publish`, {
        previousSunsetAt: SUNSET,
      });
      assert.equal(published.statusCode, 200, published.body);
      const old = await ok('GET', `/api/v1/versions/${seed.version.id}`);
      assert.equal(old.sunsetAt, SUNSET, 'the JSON field stays ISO 8601 for programs');

      const notices = (await ok('GET', '/api/v1/notices')) as unknown as Json;
      const list = (Array.isArray(notices) ? notices : notices.items) as Json[];
      const deprecation = list.find((n) => n.kind === 'deprecation');
      assert.ok(deprecation, JSON.stringify(list));
      assert.match(deprecation.body, /ngừng hoạt động lúc 15\/06\/2027 00:00 \(UTC\+07:00\)/);
      assert.match(deprecation.body, /stops at 15\/06\/2027 00:00 \(UTC\+07:00\)/);
      assert.doesNotMatch(deprecation.body, /2027-06-14|14\/06\/2027/);

      const notifier = new Notifier(
        h.store,
        h.clock,
        {
          smtpUrl: `smtp://${SMTP_USER}:${SMTP_PASSWORD}@127.0.0.1:${smtp.port}`,
          mailFrom: '"LGSP tỉnh" <lgsp@localhost>',
          pollIntervalMs: 5000,
          maxAttempts: 8,
        },
        pino({ level: 'silent' }),
        TEST_KEK,
      );
      try {
        const round = await notifier.deliverDue();
        assert.ok(round.sent >= 1, JSON.stringify(round));
      } finally {
        await notifier.stop();
      }
      const mail = smtp.mails.find((m) => m.envelopeTo.includes('an@stp.angiang.gov.vn'));
      assert.ok(mail, `mails: ${smtp.mails.map((m) => m.subject).join(' | ')}`);
      assert.match(mail.subject, /Ngừng khuyến nghị hotich 1\.0/);
      assert.match(mail.text, /ngừng hoạt động lúc 15\/06\/2027 00:00 \(UTC\+07:00\)/);
      assert.doesNotMatch(mail.text, /2027-06-14|14\/06\/2027/);

      const cli = await runCli(['version', 'show', seed.version.id], adminEnv(url, h.token, configHome));
      assert.equal(cli.code, 0, cli.err);
      assert.match(cli.out, /Ngừng hoạt động lúc \/ Sunset\s+15\/06\/2027 00:00 → ver_/);
      assert.match(cli.out, /Công bố lúc \/ Published\s+01\/12\/2026 09:00/);
      const json = await runCli(
        ['version', 'show', seed.version.id, '--json'],
        adminEnv(url, h.token, configHome),
      );
      assert.equal(JSON.parse(json.out).sunsetAt, SUNSET, '--json keeps ISO');
    });

    test('maintenance: too little notice is refused with the earliest start; the window is written in Vietnam time', async () => {
      const tooSoon = await h.call('POST', '/api/v1/maintenance', {
        serviceId: seed.service.id,
        startsAt: '2026-12-01T14:00:00Z',
        endsAt: '2026-12-01T16:00:00Z',
        title: 'Bảo trì',
        body: 'Nâng cấp máy chủ',
      });
      assert.equal(tooSoon.statusCode, 400, tooSoon.body);
      const problem = tooSoon.json() as Json;
      assert.equal(problem.code, 'CP_MAINTENANCE_NOTICE_TOO_SHORT');
      assert.match(problem.detail, /^Bảo trì phải được thông báo trước .*\(R-24, Điều 18\), ít nhất 24 giờ/);
      assert.match(problem.detail, /02\/12\/2026 09:00 \(UTC\+07:00\)/);
      assert.equal(problem.earliestAllowedAt, '2026-12-02T02:00:00.000Z');

      const cli = await runCli(
        [
          'notice',
          'maintenance',
          '--from',
          '2026-12-05T15:00:00Z',
          '--to',
          '2026-12-05T17:30:00Z',
          '--title',
          'Bảo trì CSDL hộ tịch',
          '--body',
          'Nâng cấp máy chủ',
          '--service',
          seed.service.id,
        ],
        adminEnv(url, h.token, configHome),
      );
      assert.equal(cli.code, 0, cli.err);
      assert.match(cli.out, /\(05\/12\/2026 22:00 – 06\/12\/2026 00:30\)/);
      const notices = (await ok('GET', '/api/v1/notices')) as unknown as Json;
      const list = (Array.isArray(notices) ? notices : notices.items) as Json[];
      const maintenance = list.find((n) => n.kind === 'maintenance');
      assert.equal(
        maintenance?.body,
        'Nâng cấp máy chủ\n\nThời gian bảo trì / Maintenance window: 05/12/2026 22:00 – 06/12/2026 00:30 (UTC+07:00)',
      );
      assert.equal(maintenance?.startsAt, '2026-12-05T15:00:00.000Z');
    });

    test('XLSX: hours and days are real Excel dates in Vietnam time; the CSV writes them dd/mm/yyyy', async () => {
      // 30/11/2026 23:30 UTC is 01/12/2026 06:30 in Vietnam: the day is the 1st, not the UTC 30th.
      const at = Date.parse('2026-11-30T23:30:00Z');
      await insertTransactions(h.store, [callRecord(at, { environment: 'production' })]);
      const report = await statistics(h.store, {
        from: '2026-11-30T20:00:00Z',
        to: '2026-12-01T00:00:00Z',
        groupBy: ['day', 'hour'],
        filters: { environment: 'production' },
      });
      assert.equal(report.rows.length, 1);
      assert.equal(report.rows[0]!.key.hour, '2026-12-01T06:00', 'JSON keys stay ISO-like');

      const book = new ExcelJS.Workbook();
      await book.xlsx.load((await statisticsXlsx(report)) as never);
      const sheet = book.worksheets[0]!;
      assert.equal(
        sheet.getRow(1).getCell(1).value,
        'Thống kê giao dịch từ 01/12/2026 03:00 đến 01/12/2026 07:00 (UTC+07:00) / ' +
          'Transaction statistics from 01/12/2026 03:00 to 01/12/2026 07:00 (UTC+07:00)',
      );
      const dayCell = sheet.getRow(5).getCell(1);
      const hourCell = sheet.getRow(5).getCell(2);
      assert.ok(dayCell.value instanceof Date, `day cell: ${String(dayCell.value)}`);
      assert.equal((dayCell.value as Date).toISOString(), '2026-12-01T00:00:00.000Z');
      assert.equal(dayCell.numFmt, 'dd/mm/yyyy');
      assert.ok(hourCell.value instanceof Date, 'hourCell.value instanceof Date');
      assert.equal((hourCell.value as Date).toISOString(), '2026-12-01T06:00:00.000Z');
      assert.equal(hourCell.numFmt, 'dd/mm/yyyy hh:mm');
      assert.equal(sheet.getRow(6).getCell(1).value, 'Tổng cộng / Total');

      const csvLines = statisticsCsv(report).slice(1).trimEnd().split('\r\n');
      assert.match(csvLines[1]!, /^01\/12\/2026,01\/12\/2026 06:00,1,/);
    });

    test('decommission: under 60 days refused with the reason (R-21) and the earliest date; the notice says the local day', async () => {
      const early = await h.call('POST', `/api/v1/services/${seed.service.id}/decommission`, {
        at: '2027-01-15T00:00:00Z',
        reason: 'Chuyển sang CSDL quốc gia',
      });
      assert.equal(early.statusCode, 400, early.body);
      const problem = early.json() as Json;
      assert.equal(problem.code, 'CP_DECOMMISSION_TOO_EARLY');
      assert.match(problem.detail, /ít nhất 60 ngày .*\(R-21, Điều 15\)/);
      assert.match(problem.detail, /thời điểm sớm nhất được chấp nhận: 30\/01\/2027 09:00 \(UTC\+07:00\)/);
      assert.equal(problem.earliestAllowedAt, '2027-01-30T02:00:00.000Z');

      // The CLI takes the day as Vietnamese write it (it answered a raw schema error for dd/mm/yyyy); a form it
      // cannot read is a usage error naming the forms, exit 2, nothing sent.
      const env = adminEnv(url, h.token, configHome);
      const decommissionBy = (at: string) =>
        runCli(
          ['service', 'decommission', seed.service.id, '--at', at, '--reason', 'Chuyển sang CSDL quốc gia'],
          env,
        );
      for (const bad of ['2027/02/15', '15-02-2027', '30/02/2027', '15/02/2027 25:00', 'tomorrow']) {
        const refused = await decommissionBy(bad);
        assert.equal(refused.code, 2, `${bad}: ${refused.err}`);
        assert.match(refused.err, /--at: không đọc được thời điểm .*dd\/mm\/yyyy, dd\/mm\/yyyy HH:mm/, bad);
        assert.match(refused.err, /cannot read the time .*ISO 8601/, bad);
        assert.doesNotMatch(refused.err, /API_VALIDATION_FAILED|body\/at|at Object|\.ts:\d+/, bad);
      }
      const cli = await decommissionBy('15/02/2027');
      assert.equal(cli.code, 0, cli.err);
      const notices = (await ok('GET', '/api/v1/notices')) as unknown as Json;
      const list = (Array.isArray(notices) ? notices : notices.items) as Json[];
      const decommission = list.find((n) => n.kind === 'decommission');
      assert.match(decommission?.body, /ngừng cung cấp từ 15\/02\/2027 00:00 \(UTC\+07:00\)/);
      assert.doesNotMatch(decommission?.body, /2027-02-14|14\/02\/2027/);
    });
  });
}

// Review deadlines end with a working day, at 00:00 Vietnam time of the next: the console names the day that closes
// (it read "Hạn 09/12/2026 00:00" for a deadline at the end of the 8th); any other time reads as everywhere.
test('a deadline at midnight Vietnam time reads as the end of the day before; others as date and time', () => {
  assert.deepEqual(formatDeadline('2026-12-08T17:00:00Z'), {
    vi: 'hết ngày 08/12/2026',
    en: 'end of 08/12/2026',
  });
  assert.deepEqual(formatDeadline('2027-01-01T17:00:00.000Z'), {
    vi: 'hết ngày 01/01/2027',
    en: 'end of 01/01/2027',
  });
  assert.deepEqual(formatDeadline('2026-12-08T09:30:00Z'), {
    vi: '08/12/2026 16:30',
    en: '08/12/2026 16:30',
  });
  assert.deepEqual(formatDeadline(null), { vi: '—', en: '—' });
});

// Every CLI option that takes a date or a time reads it with one parser: dd/mm/yyyy as Vietnamese write it, or ISO.
test('the CLI reads dd/mm/yyyy[ HH:mm] and ISO 8601 as Vietnam time; a day in a period end includes that day', () => {
  const vn = (v: string, end = false) => readVietnamTime(v, 'at', { end });
  assert.equal(vn('05/02/2027'), '2027-02-05T00:00:00+07:00');
  assert.equal(vn('5/2/2027'), '2027-02-05T00:00:00+07:00');
  assert.equal(vn('05/02/2027 08:30'), '2027-02-05T08:30:00+07:00');
  assert.equal(vn('05/02/2027 08:30:15'), '2027-02-05T08:30:15+07:00');
  assert.equal(vn('31/12/2026', true), '2027-01-01T00:00:00+07:00', 'through the 31st');
  assert.equal(vn('31/12/2026 18:00', true), '2026-12-31T18:00:00+07:00', 'a time is the instant itself');
  assert.equal(vn('2027-02-05'), '2027-02-05T00:00:00+07:00');
  assert.equal(vn('2027-02-28', true), '2027-03-01T00:00:00+07:00');
  assert.equal(vn('2027-02-05T08:30'), '2027-02-05T08:30:00+07:00');
  assert.equal(vn('2027-02-05T08:30:00.250'), '2027-02-05T08:30:00.250+07:00');
  assert.equal(vn('2027-02-05T01:30:00Z'), '2027-02-05T01:30:00Z', 'a zone as typed');
  assert.equal(vn('2027-02-05T08:30:00+07:00', true), '2027-02-05T08:30:00+07:00');
  for (const bad of [
    '',
    '2027/02/05',
    '05-02-2027',
    '29/02/2027',
    '2027-02-30',
    '31/04/2027',
    '05/02/2027 24:00',
    '2027-02-05T08:61',
    '05/02/27',
    'now',
    '1738700000',
  ]) {
    assert.throws(
      () => vn(bad),
      (err: Error) =>
        err.name === 'UsageError' &&
        err.message.startsWith('--at: không đọc được thời điểm') &&
        err.message.includes('dd/mm/yyyy HH:mm (Vietnam time), or ISO 8601'),
      bad,
    );
  }
});
