import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SIGN_IN_FOLD_WINDOW_MS, SIGN_IN_FOLDED_ROWS_PER_HOUR } from '../src/control/sign-ins.ts';
import type { JobSchedule } from '../src/store/leases.ts';
import { silentLogger } from '../src/telemetry/logger.ts';
import { pruneSignIns } from '../src/telemetry/retention.ts';
import { startRetentionJobs } from '../src/telemetry/retention-jobs.ts';
import { type AdminHarness, openAdminHarness, seedProvince, TEST_PASSWORD } from './helpers/admin-api.ts';
import { storeKinds } from './helpers/stores.ts';

// biome-ignore lint/suspicious/noExplicitAny: JSON bodies read in assertions
type Json = Record<string, any>;

const AGENT = 'Mozilla/5.0 (X11; Linux x86_64) sign-in-history-test';
const AGENCY_PASSWORD = 'agency-password-1';

/**
 * The sign-in history: every attempt to sign in is recorded — outcome, address, User-Agent — never a
 * password; the person signing in learns nothing more than before (an unknown name answers as a wrong password);
 * operators and auditors read all of it, an agency user only their own; it is kept as long as the records.
 */
for (const kind of storeKinds) {
  describe(`sign-in history (${kind})`, () => {
    let h: AdminHarness;
    let agencyId: string;
    let agencyToken: string;

    const signIn = (body: unknown, remoteAddress: string, url = '/api/v1/auth/login') =>
      h.app.inject({
        method: 'POST',
        url,
        remoteAddress,
        headers: { 'content-type': 'application/json', 'user-agent': AGENT },
        payload: JSON.stringify(body),
      });

    before(async () => {
      h = await openAdminHarness(kind);
      const { org } = await seedProvince(h);
      const created = await h.call('POST', '/api/v1/users', {
        username: 'canbo.tuphap',
        displayName: 'Cán bộ Sở Tư pháp',
        password: AGENCY_PASSWORD,
        role: 'agency',
        organizationId: org.id,
        mustChangePassword: false,
      });
      assert.equal(created.statusCode, 201, created.body);
      agencyId = created.json().id;
      const res = await signIn({ username: 'canbo.tuphap', password: AGENCY_PASSWORD }, '10.1.2.3');
      assert.equal(res.statusCode, 200, res.body);
      agencyToken = res.json().token;
    });
    after(() => h.dispose());

    test('a success and each failure are recorded with outcome, address and User-Agent; never the password', async () => {
      const wrong = await signIn({ username: 'canbo.tuphap', password: 'Sai-Mat-Khau-42' }, '10.9.8.7');
      const unknown = await signIn({ username: 'ai.do.khong.co', password: 'Sai-Mat-Khau-43' }, '10.9.8.7');
      // The person signing in learns nothing new: an unknown name answers exactly as a wrong password.
      assert.equal(wrong.statusCode, 401);
      assert.equal(unknown.statusCode, wrong.statusCode);
      // (Each answer names its own request, to quote to the operator; the rest is the same.)
      const { transactionId: unknownRequest, ...unknownProblem } = unknown.json();
      const { transactionId: wrongRequest, ...wrongProblem } = wrong.json();
      assert.notEqual(unknownRequest, wrongRequest, 'each answer names its own request');
      assert.deepEqual(unknownProblem, wrongProblem);
      assert.deepEqual(
        Object.keys(unknown.headers).sort(),
        Object.keys(wrong.headers).sort(),
        'the same headers',
      );
      const console = await signIn(
        { username: 'admin', password: TEST_PASSWORD },
        '10.7.7.7',
        '/api/v1/auth/session',
      );
      assert.equal(console.statusCode, 200, console.body);

      const page = await h.call('GET', '/api/v1/sign-ins?limit=10');
      assert.equal(page.statusCode, 200, page.body);
      const items: Json[] = page.json().items;
      const [consoleRow, unknownRow, wrongRow, agencyRow] = items;
      assert.deepEqual(
        { ...consoleRow, id: undefined, at: undefined },
        {
          id: undefined,
          at: undefined,
          username: 'admin',
          userId: (await h.call('GET', '/api/v1/me')).json().id,
          method: 'console',
          outcome: 'success',
          reason: null,
          address: '10.7.7.7',
          userAgent: AGENT,
          attempts: 1,
          lastAt: null,
          folded: null,
        },
      );
      assert.equal(unknownRow!.outcome, 'unknown_user');
      // A name no account has is not kept: it may be a password typed into the name box.
      assert.equal(unknownRow!.username, null);
      assert.doesNotMatch(JSON.stringify(items), /ai\.do\.khong\.co/);
      assert.equal(unknownRow!.userId, null);
      assert.equal(unknownRow!.address, '10.9.8.7');
      assert.equal(wrongRow!.outcome, 'wrong_password');
      assert.equal(wrongRow!.userId, agencyId);
      assert.equal(wrongRow!.method, 'password');
      assert.equal(wrongRow!.address, '10.9.8.7');
      assert.equal(agencyRow!.outcome, 'success');
      assert.equal(agencyRow!.address, '10.1.2.3');
      assert.equal(new Date(consoleRow!.at).getTime(), h.clock.nowMs());

      // Neither the stored rows nor the answer hold a password or a session token.
      const stored = JSON.stringify(await h.store.db.selectFrom('sign_ins').selectAll().execute());
      for (const secret of [
        TEST_PASSWORD,
        AGENCY_PASSWORD,
        'Sai-Mat-Khau-42',
        'Sai-Mat-Khau-43',
        agencyToken,
      ]) {
        assert.ok(!stored.includes(secret), `the stored rows hold ${secret}`);
        assert.ok(!page.body.includes(secret), `the answer holds ${secret}`);
      }
      assert.ok(!stored.includes('lgsp_'), 'no token in the stored rows');

      // Filters: outcome, user, period; a later page by cursor.
      const failed = await h.call('GET', '/api/v1/sign-ins?outcome=unknown_user');
      assert.deepEqual(
        failed.json().items.map((i: Json) => i.address),
        ['10.9.8.7'],
      );
      const byUser = await h.call('GET', `/api/v1/sign-ins?userId=${agencyId}`);
      assert.deepEqual(
        byUser.json().items.map((i: Json) => i.outcome),
        ['wrong_password', 'success'],
      );
      const byName = await h.call('GET', '/api/v1/sign-ins?username=canbo.tuphap&limit=1');
      assert.equal(byName.json().items.length, 1);
      assert.ok(byName.json().nextCursor, 'a next page');
      const next = await h.call(
        'GET',
        `/api/v1/sign-ins?username=canbo.tuphap&limit=1&cursor=${byName.json().nextCursor}`,
      );
      assert.equal(next.json().items[0].outcome, 'success');
      const later = new Date(h.clock.nowMs() + 1000).toISOString();
      const none = await h.call('GET', `/api/v1/sign-ins?from=${encodeURIComponent(later)}`);
      assert.deepEqual(none.json(), { items: [], nextCursor: null });
    });

    test('a locked name is recorded as locked; a disabled account as disabled, answered as a wrong password', async () => {
      // The username's limit locks well within twelve failures (config limits.loginUser…).
      const policyFailures = 12;
      let locked: Json | null = null;
      for (let i = 0; i < policyFailures && !locked; i++) {
        const res = await signIn({ username: 'bi.khoa', password: `sai-${i}` }, `10.50.0.${i + 1}`);
        if (res.statusCode === 429) locked = res.json();
      }
      assert.ok(locked, 'the name is locked after repeated failures');
      // No account has the name, so it is not kept: the attempts are found by their addresses.
      const rows = ((await h.call('GET', '/api/v1/sign-ins?limit=100')).json().items as Json[]).filter((r) =>
        String(r.address).startsWith('10.50.0.'),
      );
      assert.ok(
        rows.every((r) => r.username === null),
        'no name kept of a name no account has',
      );
      assert.equal(rows[0]!.outcome, 'locked');
      assert.ok(
        rows.slice(1).every((r) => r.outcome === 'unknown_user'),
        'the failures before the lock',
      );

      const created = await h.call('POST', '/api/v1/users', {
        username: 'da.nghi',
        displayName: 'Đã nghỉ việc',
        password: 'a-good-password',
        role: 'auditor',
        mustChangePassword: false,
      });
      assert.equal(created.statusCode, 201);
      assert.equal((await h.call('POST', '/api/v1/users/da.nghi/disable', {})).statusCode, 200);
      const res = await signIn({ username: 'da.nghi', password: 'a-good-password' }, '10.60.0.1');
      assert.equal(res.statusCode, 401);
      assert.equal(res.json().code, 'API_LOGIN_FAILED');
      const row = (await h.call('GET', '/api/v1/sign-ins?username=da.nghi')).json().items[0];
      assert.equal(row.outcome, 'disabled');
      assert.equal(row.userId, created.json().id);
    });

    test('refusals while a real account is locked fold into a row per hour, address and account: counted, never unbounded', async () => {
      const created = await h.call('POST', '/api/v1/users', {
        username: 'bi.do.tim',
        displayName: 'Tài khoản bị dò',
        password: 'a-good-password',
        role: 'auditor',
        mustChangePassword: false,
      });
      assert.equal(created.statusCode, 201, created.body);
      let wrong = 0;
      for (let i = 0; i < 12; i++) {
        const res = await signIn({ username: 'bi.do.tim', password: `sai-${i}` }, `10.70.0.${i + 1}`);
        if (res.statusCode === 429) break;
        assert.equal(res.statusCode, 401, res.body);
        wrong++;
      }
      assert.ok(wrong > 0 && wrong < 12, 'the account is locked after repeated wrong passwords');
      // Whoever knows the name goes on asking, from two addresses, the right password among the tries: all refused.
      for (let i = 0; i < 40; i++) {
        const res = await signIn({ username: 'bi.do.tim', password: `sai-lan-nua-${i}` }, '10.71.0.1');
        assert.equal(res.statusCode, 429, res.body);
      }
      for (const password of ['sai-nua', 'a-good-password']) {
        assert.equal((await signIn({ username: 'bi.do.tim', password }, '10.71.0.2')).statusCode, 429);
      }

      const rows: Json[] = (await h.call('GET', '/api/v1/sign-ins?username=bi.do.tim&limit=100')).json()
        .items;
      const wrongRows = rows.filter((r) => r.outcome === 'wrong_password');
      assert.equal(wrongRows.length, wrong, 'each wrong password keeps a row of its own');
      assert.ok(
        wrongRows.every((r) => r.attempts === 1 && r.folded === null),
        'a password checked is one row',
      );
      const locked = rows.filter((r) => r.outcome === 'locked');
      const byAddress = new Map(locked.map((r) => [r.address, r]));
      // The 429 that first said "locked" came from the last address of the loop: its row counts one.
      assert.equal(locked.length, 3, JSON.stringify(locked));
      assert.deepEqual(
        ['10.71.0.1', '10.71.0.2'].map((a) => [byAddress.get(a)?.attempts, byAddress.get(a)?.folded]),
        [
          [40, 'address'],
          [2, 'address'],
        ],
        'a row per address for the hour, with how many refusals',
      );
      assert.ok(
        locked.every((r) => r.username === 'bi.do.tim' && r.userId === created.json().id),
        'the account tried is named in each',
      );
      assert.ok(!JSON.stringify(rows).includes('sai-lan-nua'), 'never a password typed');
    });

    test('an agency user cannot read the history, only their own sign-ins; an auditor reads all', async () => {
      const all = await h.call('GET', '/api/v1/sign-ins', undefined, { token: agencyToken });
      assert.equal(all.statusCode, 403);
      assert.equal(
        (await h.call('GET', `/api/v1/sign-ins?userId=${agencyId}`, undefined, { token: agencyToken }))
          .statusCode,
        403,
      );
      const own = await h.call('GET', '/api/v1/me/sign-ins', undefined, { token: agencyToken });
      assert.equal(own.statusCode, 200, own.body);
      const items: Json[] = own.json().items;
      assert.ok(items.length >= 2, 'the agency user’s attempts');
      assert.ok(
        items.every((i) => i.userId === agencyId),
        'only the agency user’s own attempts',
      );
      assert.deepEqual(
        items.map((i) => i.outcome),
        ['wrong_password', 'success'],
      );
      // The admin's own list holds none of the agency user's.
      const mine = (await h.call('GET', '/api/v1/me/sign-ins?limit=100')).json().items as Json[];
      assert.ok(
        mine.length >= 1 && mine.every((i) => i.username === 'admin'),
        'the admin’s own attempts only',
      );

      const auditor = await h.call('POST', '/api/v1/users', {
        username: 'kiem.tra',
        displayName: 'Kiểm tra viên',
        password: 'auditor-password',
        role: 'auditor',
        mustChangePassword: false,
      });
      assert.equal(auditor.statusCode, 201);
      const session = await signIn({ username: 'kiem.tra', password: 'auditor-password' }, '10.3.3.3');
      const read = await h.call('GET', `/api/v1/sign-ins?userId=${agencyId}`, undefined, {
        token: session.json().token,
      });
      assert.equal(read.statusCode, 200);
      assert.equal(read.json().items.length, 2);
    });

    test('a bad filter is a 400, never a 5xx', async () => {
      for (const q of ['outcome=maybe', 'limit=0', 'limit=1001', 'cursor=abc', 'from=yesterday', 'x=1']) {
        const res = await h.call('GET', `/api/v1/sign-ins?${q}`);
        assert.equal(res.statusCode, 400, q);
      }
    });

    test('with single sign-on off, a hit on its callback is sent back and is no attempt: nothing is recorded', async () => {
      const count = async () =>
        Number(
          (
            await h.store.db
              .selectFrom('sign_ins')
              .select((eb) => eb.fn.countAll<number>().as('n'))
              .executeTakeFirstOrThrow()
          ).n,
        );
      const before = await count();
      for (let i = 0; i < 3; i++) {
        const res = await h.app.inject({
          method: 'GET',
          url: '/api/v1/auth/oidc/callback?code=x&state=y',
          remoteAddress: '10.6.6.6',
        });
        assert.equal(res.statusCode, 302);
        assert.equal(res.headers.location, '/?signin_error=oidc_not_configured');
      }
      assert.equal(await count(), before, 'rows written by anonymous hits on a callback nobody uses');
    });

    test('retention deletes the sign-ins older than the period and keeps the rest', async () => {
      const nowMs = h.clock.nowMs();
      const day = 86_400_000;
      await h.store.db
        .insertInto('sign_ins')
        .values([
          {
            at: new Date(nowMs - 800 * day),
            username: 'cu',
            user_id: null,
            method: 'password',
            outcome: 'success',
            reason: null,
            address: '10.0.0.1',
          },
          {
            // A folded row of many attempts goes by its first one, as any row.
            at: new Date(nowMs - 801 * day),
            last_at: new Date(nowMs - 801 * day + 3_000_000),
            attempts: 500,
            fold_key: 'old-fold',
            username: null,
            user_id: null,
            method: 'password',
            outcome: 'unknown_user',
            reason: null,
            address: '10.0.0.2',
          },
          {
            at: new Date(nowMs - 700 * day),
            username: 'con.giu',
            user_id: null,
            method: 'password',
            outcome: 'success',
            reason: null,
            address: '10.0.0.1',
          },
        ])
        .execute();
      const before = Number(
        (
          await h.store.db
            .selectFrom('sign_ins')
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
      await assert.rejects(pruneSignIns(h.store, { retentionDays: 30, nowMs }), /730/);
      const deleted = await pruneSignIns(h.store, { retentionDays: 730, nowMs });
      assert.equal(deleted, 2);
      const names = (await h.store.db.selectFrom('sign_ins').select('username').execute()).map(
        (r) => r.username,
      );
      assert.ok(!names.includes('cu'), 'the row older than two years is gone');
      assert.equal(
        (await h.store.db.selectFrom('sign_ins').select('seq').where('fold_key', '=', 'old-fold').execute())
          .length,
        0,
        'the folded row older than two years is gone',
      );
      assert.ok(names.includes('con.giu'), 'the row within two years stays');
      assert.equal(names.length, before - 2);
    });

    test('the daily retention job the platform schedules deletes sign-ins past two calendar years, keeps the rest', async () => {
      // As src/platform.ts starts it, with the node's periodic jobs: here they are collected rather than timed, and
      // the daily one is run as its timer would run it, on the platform's (test) clock.
      const scheduled = new Map<string, { schedule: JobSchedule; job: () => Promise<unknown> }>();
      const dataDir = mkdtempSync(join(tmpdir(), 'lgsp-sign-in-retention-'));
      try {
        await startRetentionJobs(h.store, h.clock, { ...h.config, dataDir }, silentLogger(), {
          every: (name, schedule, job) => void scheduled.set(name, { schedule, job }),
        });
        const daily = scheduled.get('transaction-retention');
        assert.ok(daily, `the daily retention job is scheduled: ${[...scheduled.keys()].join(', ')}`);
        assert.equal(daily.schedule.everyMs, 86_400_000, 'once a day');
        // Now is 01/03/2025 09:00 Vietnam time; two calendar years before is 01/03/2023 02:00 UTC. 29/02/2024 lies
        // between, so 730 days alone would reach a day later (02/03/2023) and cut an hour into the second year.
        assert.equal(
          h.clock.nowMs(),
          Date.parse('2025-03-01T02:00:00Z'),
          'the harness clock this test reasons on',
        );
        const row = (username: string, at: string) => ({
          at: new Date(at),
          username,
          user_id: null,
          method: 'password',
          outcome: 'success',
          reason: null,
          address: '10.0.0.2',
        });
        await h.store.db
          .insertInto('sign_ins')
          .values([
            row('qua.hai.nam', '2023-03-01T01:59:59Z'),
            row('trong.nam.thu.hai', '2023-03-01T03:00:00Z'),
          ])
          .execute();
        await daily.job();
        const names = (
          await h.store.db
            .selectFrom('sign_ins')
            .select('username')
            .where('address', '=', '10.0.0.2')
            .execute()
        ).map((r) => r.username);
        assert.deepEqual(
          names.sort(),
          ['trong.nam.thu.hai'],
          'a second past two calendar years: gone; 730 days and 23 hours old, within two calendar years: kept (R-20, R-25)',
        );
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    });
  });
}

/**
 * Anyone on the internet can send failed sign-ins with made-up names from many addresses: they are folded per address
 * and hour, bounded per hour, and counted (docs/security.md §2.14) — while each failure on a real account keeps its
 * row. An address is blocked after one free failure here, so most of the flood is refused as `locked` without a
 * password check, as it is under a real attack.
 */
for (const kind of storeKinds) {
  describe(`sign-in history under a flood of made-up names (${kind})`, () => {
    let h: AdminHarness;
    let realId: string;
    const signIn = (
      username: string,
      password: string,
      remoteAddress: string,
      headers: Record<string, string> = {},
    ) =>
      h.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        remoteAddress,
        headers: { 'content-type': 'application/json', 'user-agent': AGENT, ...headers },
        payload: JSON.stringify({ username, password }),
      });
    const rowCount = async () =>
      Number(
        (
          await h.store.db
            .selectFrom('sign_ins')
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );

    before(async () => {
      h = await openAdminHarness(kind, { overrides: { limits: { loginAddressFreeFailures: 1 } } });
      const created = await h.call('POST', '/api/v1/users', {
        username: 'canbo.that',
        displayName: 'Cán bộ có thật',
        password: AGENCY_PASSWORD,
        role: 'auditor',
        mustChangePassword: false,
      });
      assert.equal(created.statusCode, 201, created.body);
      realId = created.json().id;
    });
    after(() => h.dispose());

    test('2,000 failures with random names from 200 addresses add a bounded number of rows that count them all; each failure on a real account keeps its row', async () => {
      const hourStart = Math.floor(h.clock.nowMs() / SIGN_IN_FOLD_WINDOW_MS) * SIGN_IN_FOLD_WINDOW_MS;
      const before = await rowCount();

      // X-Forwarded-For is not the address on the admin port: twenty "addresses" through one socket are its rows.
      for (let i = 0; i < 20; i++) {
        const res = await signIn(randomUUID(), 'x', '10.200.0.1', { 'x-forwarded-for': `203.0.113.${i}` });
        assert.ok([401, 429].includes(res.statusCode), res.body);
      }
      // 200 addresses, ten random names each, ten addresses at a time: each answered as before (401, then 429 once
      // the address is blocked).
      const attempts: Array<[string, string]> = [];
      for (let i = 0; i < 10; i++) {
        for (let a = 0; a < 200; a++) attempts.push([randomUUID(), `172.16.${a >> 8}.${a & 255}`]);
      }
      for (let i = 0; i < attempts.length; i += 10) {
        const answers = await Promise.all(
          attempts.slice(i, i + 10).map(([name, address]) => signIn(name, 'x', address)),
        );
        assert.ok(
          answers.every((r) => r.statusCode === 401 || r.statusCode === 429),
          'every wrong login is refused (401) or slowed (429)',
        );
      }
      // Three wrong passwords on a real account, after the flood, from fresh addresses: each its own row.
      for (const address of ['10.210.0.1', '10.210.0.2', '10.210.0.3']) {
        assert.equal((await signIn('canbo.that', 'Sai-Mat-Khau-44', address)).statusCode, 401);
      }

      const added = (await rowCount()) - before;
      // The hour's bound, its summary rows (password: unknown_user, locked), the real account's three.
      assert.ok(added <= SIGN_IN_FOLDED_ROWS_PER_HOUR + 2 + 3, `${added} rows for 2,023 attempts`);
      const overflowed = h.accounts.signInsOverflowed;
      assert.ok(overflowed > 0, 'the attempts beyond the bound are counted for the metric');

      const from = encodeURIComponent(new Date(hourStart).toISOString());
      const page = await h.call('GET', `/api/v1/sign-ins?from=${from}&limit=1000`);
      assert.equal(page.statusCode, 200, page.body);
      const items: Json[] = page.json().items;
      const anonymous = items.filter((r) => r.userId === null);
      assert.equal(
        anonymous.reduce((sum, r) => sum + r.attempts, 0),
        attempts.length + 20,
        'every attempt is counted in some row',
      );
      assert.ok(
        anonymous.every((r) => r.username === null && r.folded !== null),
        'a failure naming no account keeps no name and is folded',
      );
      assert.ok(
        attempts.every(([name]) => !page.body.includes(name)),
        'no made-up name is kept',
      );
      const overflow = anonymous.filter((r) => r.folded === 'overflow');
      assert.ok(overflow.length >= 1 && overflow.length <= 2, 'a summary row per outcome beyond the bound');
      assert.ok(
        overflow.every((r) => r.address === '*'),
        'a summary row names no address',
      );
      assert.equal(
        overflow.reduce((sum, r) => sum + r.attempts, 0),
        overflowed,
        'the summary rows count what the metric counts',
      );
      const socket = anonymous.filter((r) => r.address === '10.200.0.1');
      assert.deepEqual(
        socket.map((r) => [r.outcome, r.attempts, r.folded]).sort(),
        [
          ['locked', 18, 'address'],
          ['unknown_user', 2, 'address'],
        ],
        'one socket: its failures in a row per outcome, with how many',
      );
      assert.equal(socket[0]!.userAgent, AGENT);
      assert.ok(
        socket.every((r) => r.at === new Date(h.clock.nowMs()).toISOString() && r.lastAt === r.at),
        'the rows from the socket address hold the attempts of this moment',
      );
      assert.ok(!page.body.includes('203.0.113.'), 'X-Forwarded-For is not the address');

      const real = items.filter((r) => r.userId === realId);
      assert.deepEqual(
        real.map((r) => [r.outcome, r.address, r.attempts, r.folded, r.username]),
        [
          ['wrong_password', '10.210.0.3', 1, null, 'canbo.that'],
          ['wrong_password', '10.210.0.2', 1, null, 'canbo.that'],
          ['wrong_password', '10.210.0.1', 1, null, 'canbo.that'],
        ],
      );

      // The next hour opens rows of its own, and the first attempt and the last of a folded row are both kept.
      h.clock.advance(SIGN_IN_FOLD_WINDOW_MS);
      const fresh = await signIn(randomUUID(), 'x', '10.220.0.1');
      assert.equal(fresh.statusCode, 401);
      h.clock.advance(60_000);
      await signIn(randomUUID(), 'x', '10.220.0.1');
      const row = (await h.call('GET', '/api/v1/sign-ins?limit=1')).json().items[0];
      assert.deepEqual(
        [row.address, row.outcome, row.attempts, row.folded],
        ['10.220.0.1', 'unknown_user', 2, 'address'],
      );
      assert.equal(new Date(row.lastAt).getTime() - new Date(row.at).getTime(), 60_000);
    });
  });
}
