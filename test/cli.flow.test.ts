import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type AdminHarness, openAdminHarness, TEST_PASSWORD } from './helpers/admin-api.ts';
import { runCli } from './helpers/cli.ts';

// biome-ignore lint/suspicious/noExplicitAny: JSON bodies read in assertions
type Json = Record<string, any>;

interface Run {
  code: number;
  out: string;
  err: string;
}

/** A port nothing listens on: bound once by us, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('lgsp CLI against a running admin API', () => {
  let h: AdminHarness;
  let url: string;
  let configHome: string;
  const env = () => ({ LGSP_ADMIN_URL: url, XDG_CONFIG_HOME: configHome });

  async function lgsp(
    args: string[],
    options: { stdin?: string; env?: Record<string, string> } = {},
  ): Promise<Run> {
    return runCli(args, options.env ?? env(), { stdin: options.stdin ?? '' });
  }

  async function json(args: string[]): Promise<Json> {
    const run = await lgsp([...args, '--json']);
    assert.equal(run.code, 0, run.err);
    return JSON.parse(run.out);
  }

  before(async () => {
    h = await openAdminHarness('pglite', { startMs: Date.now() });
    await h.app.listen({ port: 0, host: '127.0.0.1' });
    const address = h.app.server.address() as { port: number };
    url = `http://127.0.0.1:${address.port}`;
    configHome = mkdtempSync(join(tmpdir(), 'lgsp-cli-'));
  });
  after(async () => {
    await h.dispose();
    rmSync(configHome, { recursive: true, force: true });
  });

  test('without a session, commands fail with the API code and a hint to log in', async () => {
    const run = await lgsp(['org', 'list']);
    assert.equal(run.code, 1);
    assert.match(run.err, /API_UNAUTHORIZED/);
    assert.match(run.err, /lgsp login/);
  });

  test('login --password-stdin saves a 0600 session for this URL and prints no token', async () => {
    const wrong = await lgsp(['login', '--password-stdin'], { stdin: 'wrong\n' });
    assert.equal(wrong.code, 1);
    assert.match(wrong.err, /API_LOGIN_FAILED/);

    const run = await lgsp(['login', '--user', 'admin', '--password-stdin'], { stdin: `${TEST_PASSWORD}\n` });
    assert.equal(run.code, 0, run.err);
    assert.match(run.out, /admin/);
    const file = join(configHome, 'lgsp', 'session.json');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const saved = JSON.parse(readFileSync(file, 'utf8')).sessions[url];
    assert.match(saved.token, /^lgsp_/);
    assert.ok(
      !run.out.includes(saved.token) && !run.err.includes(saved.token),
      '!run.out.includes(saved.token) && !run.err.includes(saved.token)',
    );
    const me = await json(['whoami']);
    assert.equal(me.username, 'admin');
  });

  test('login without --password-stdin on a non-terminal is a usage error (exit 2)', async () => {
    const run = await lgsp(['login']);
    assert.equal(run.code, 2);
    assert.match(run.err, /--password-stdin/);
    assert.match(run.err, /Usage: lgsp login/);
  });

  test('org → system → credential issue (secret once) → list (no secret) → revoke', async () => {
    const created = await lgsp([
      'org',
      'create',
      '--code',
      '000.00.31.H01',
      '--name',
      'Sở Tư pháp',
      '--contact-name',
      'Nguyễn Văn A',
      '--contact-email',
      'a@angiang.gov.vn',
    ]);
    assert.equal(created.code, 0, created.err);
    assert.match(created.out, /Sở Tư pháp/);
    assert.match(created.out, /000\.00\.31\.H01/);

    const orgs = await json(['org', 'list']);
    assert.equal(orgs.items.length, 1);
    const org = orgs.items[0];
    assert.equal(org.contact.email, 'a@angiang.gov.vn');
    const updated = await json(['org', 'update', org.id, '--contact-phone', '0296 3852 000']);
    assert.equal(updated.contact.name, 'Nguyễn Văn A', 'other contact fields are kept');
    assert.equal(updated.contact.phone, '0296 3852 000');

    // One made before a contact e-mail was required is flagged in the list, with the fix; none reaches it.
    const older = await h.registry.createOrganization({ code: '000.00.33.H01', name: 'Sở Nội vụ' }, 'test');
    const flagged = await lgsp(['org', 'list']);
    assert.match(flagged.out, /Sở Nội vụ\s+-\s+⚠ chưa có \/ none/);
    assert.match(flagged.out, /⚠ 1 cơ quan chưa có e-mail đầu mối.*lgsp org update <id> --contact-name/);
    const unreachable = await json(['org', 'list', '--contact', 'missing']);
    assert.deepEqual(
      unreachable.items.map((o: { id: string }) => o.id),
      [older.id],
    );
    const stillNone = await lgsp(['org', 'update', older.id, '--contact-phone', '0296 3852 111']);
    assert.equal(stillNone.code, 2, 'a contact point without its name and e-mail is not sent');
    assert.match(stillNone.err, /Thiếu \/ Missing --contact-name, --contact-email/);
    const given = await json([
      'org',
      'update',
      older.id,
      '--contact-name',
      'Lê Văn C',
      '--contact-email',
      'snv@angiang.gov.vn',
    ]);
    assert.equal(given.contact.email, 'snv@angiang.gov.vn');
    assert.doesNotMatch((await lgsp(['org', 'list'])).out, /⚠/);

    const system = await json([
      'system',
      'create',
      '--org',
      org.id,
      '--name',
      'Cổng dịch vụ công',
      '--consumer',
    ]);
    assert.match(system.id, /^sys_/);
    assert.equal(system.isConsumer, true);
    const table = await lgsp(['system', 'list', '--org', org.id]);
    assert.equal(table.code, 0);
    assert.match(table.out, /Tên \/ Name/);
    assert.match(table.out, /Cổng dịch vụ công/);

    const issued = await lgsp(['credential', 'issue', '--system', system.id, '--env', 'sandbox']);
    assert.equal(issued.code, 0, issued.err);
    const secret = /Consumer secret: (\S+)/.exec(issued.out)?.[1];
    assert.ok(secret, issued.out);
    assert.equal(issued.out.split(secret).length - 1, 1, 'the secret is printed exactly once');
    assert.match(issued.out, /MỘT LẦN/);
    assert.match(issued.out, /shown this ONCE/);
    const row = await h.store.db.selectFrom('credentials').selectAll().executeTakeFirstOrThrow();
    assert.equal(row.secret_sha256, createHash('sha256').update(secret).digest('hex'));

    const listed = await lgsp(['credential', 'list', '--system', system.id]);
    const listedJson = await lgsp(['credential', 'list', '--json']);
    const shown = await lgsp(['credential', 'show', row.id, '--json']);
    for (const run of [listed, listedJson, shown]) {
      assert.equal(run.code, 0, run.err);
      assert.ok(!run.out.includes(secret), 'the secret is never shown again');
    }
    assert.match(listed.out, new RegExp(row.consumer_key));
    assert.equal(JSON.parse(listedJson.out).items[0].status, 'active');

    const revoked = await lgsp(['credential', 'revoke', row.id, '--reason', 'Thử nghiệm xong']);
    assert.equal(revoked.code, 0, revoked.err);
    assert.match(revoked.out, /revoked/);
    const again = await lgsp(['credential', 'revoke', row.id]);
    assert.equal(again.code, 1);
    assert.match(again.err, /CP_CREDENTIAL_REVOKED/);
    const audit = await json(['audit', 'list', '--object', row.id]);
    assert.deepEqual(
      audit.items.map((e: { action: string }) => e.action),
      ['credential.revoke', 'credential.issue'],
    );
  });

  test('--json on issue prints the raw API answer and the warning on stderr', async () => {
    const [system] = (await json(['system', 'list'])).items;
    const run = await lgsp(['credential', 'issue', '--system', system.id, '--env', 'production', '--json']);
    assert.equal(run.code, 0, run.err);
    const body = JSON.parse(run.out);
    assert.equal(body.environment, 'production');
    assert.equal(typeof body.consumerSecret, 'string');
    assert.match(run.err, /ONCE/);
  });

  test('rotate: the old key shows when it stops and what replaces it (R-19); every answer ends in a newline', async () => {
    const [system] = (await json(['system', 'list'])).items;
    const issued = await json(['credential', 'issue', '--system', system.id, '--env', 'sandbox']);
    const rotated = await lgsp(['credential', 'rotate', issued.id, '--overlap-hours', '24']);
    assert.equal(rotated.code, 0, rotated.err);
    assert.ok(rotated.out.endsWith('\n'), 'the output does not run into the shell prompt');
    const replacement = /^ID\s+(cred_\S+)/m.exec(rotated.out)?.[1];
    assert.ok(replacement, rotated.out);
    const shown = await lgsp(['credential', 'show', issued.id]);
    assert.equal(shown.code, 0, shown.err);
    assert.match(shown.out, /Trạng thái \/ Status\s+active/);
    assert.match(shown.out, /Hết hiệu lực \/ Expires\s+\d{2}\/\d{2}\/\d{4} \d{2}:\d{2}/);
    assert.match(shown.out, new RegExp(`Thay bằng / Replaced by\\s+${replacement}`));
    const listed = await lgsp(['credential', 'list', '--system', system.id]);
    assert.match(listed.out, /Hết hiệu lực \/ Expires/);
  });

  test('a time typed without a zone is Vietnam time: maintenance from 08:00 prints 08:00', async () => {
    const day = new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 10);
    const run = await lgsp([
      'notice',
      'maintenance',
      '--from',
      `${day}T08:00`,
      '--to',
      `${day}T10:30`,
      '--title',
      'Nâng cấp cơ sở dữ liệu',
      '--body',
      'Dịch vụ tạm ngừng trong khung giờ này.',
    ]);
    assert.equal(run.code, 0, run.err);
    const [yyyy, mm, dd] = day.split('-');
    assert.match(run.out, new RegExp(`${dd}/${mm}/${yyyy} 08:00 – ${dd}/${mm}/${yyyy} 10:30`));
    assert.ok(run.out.endsWith('\n'), 'the answer ends with a newline');
  });

  test('notice cancel-maintenance: the window is cancelled, a cancellation notice names it; twice is exit 1', async () => {
    const day = new Date(Date.now() + 4 * 86_400_000).toISOString().slice(0, 10);
    const [yyyy, mm, dd] = day.split('-');
    const announced = await json([
      'notice',
      'maintenance',
      '--from',
      `${dd}/${mm}/${yyyy} 08:00`,
      '--to',
      `${dd}/${mm}/${yyyy} 09:00`,
      '--title',
      'Bảo trì nhầm ngày',
      '--body',
      'Nhập nhầm.',
    ]);
    const run = await lgsp(['notice', 'cancel-maintenance', announced.id, '--reason', 'Nhập nhầm ngày']);
    assert.equal(run.code, 0, run.err);
    assert.match(
      run.out,
      new RegExp(
        `^Đã huỷ lịch bảo trì / Maintenance cancelled: ${announced.id} \\(${dd}/${mm}/${yyyy} 08:00 – `,
      ),
    );
    const cancellationId = /Thông báo huỷ \/ Cancellation notice: (ntc_\S+)/.exec(run.out)?.[1];
    assert.ok(cancellationId, run.out);
    const listed = await lgsp(['notice', 'list', '--kind', 'maintenance']);
    assert.match(listed.out, /maintenance \(đã huỷ \/ cancelled\)\s+Bảo trì nhầm ngày/);
    assert.match(listed.out, new RegExp(`bởi / by ${cancellationId}`), 'the list names the cancellation');
    const cancellation = await json(['notice', 'list', '--kind', 'maintenance_cancelled']);
    assert.equal(cancellation.items[0].id, cancellationId);
    assert.equal(cancellation.items[0].cancelsNoticeId, announced.id);
    // Read as what they are: the cancellation's dates are of the window it cancelled, and say so.
    const shownCancellation = await lgsp(['notice', 'show', cancellationId]);
    assert.equal(shownCancellation.code, 0, shownCancellation.err);
    assert.match(
      shownCancellation.out,
      new RegExp(
        `Đã huỷ bảo trì dự kiến từ ${dd}/${mm}/${yyyy} 08:00 đến ${dd}/${mm}/${yyyy} 09:00 / ` +
          `Cancelled: maintenance planned from ${dd}/${mm}/${yyyy} 08:00 to ${dd}/${mm}/${yyyy} 09:00`,
      ),
    );
    assert.match(shownCancellation.out, new RegExp(`Huỷ thông báo / Cancels\\s+${announced.id}`));
    const shownOriginal = await lgsp(['notice', 'show', announced.id]);
    assert.match(
      shownOriginal.out,
      new RegExp(
        `Đã huỷ / Cancelled\\s+\\d\\d/\\d\\d/\\d{4} \\d\\d:\\d\\d, thông báo huỷ / cancellation: ${cancellationId}`,
      ),
    );
    const again = await lgsp(['notice', 'cancel-maintenance', announced.id]);
    assert.equal(again.code, 1);
    assert.match(again.err, /CP_MAINTENANCE_CANCELLED/);
    const audit = await json(['audit', 'list', '--object', announced.id]);
    assert.deepEqual(
      audit.items.map((e: { action: string }) => e.action),
      ['maintenance.cancel', 'maintenance.announce'],
    );
  });

  test('an API error is exit 1 with its title, detail and code; --json also prints the problem', async () => {
    const contact = ['--contact-name', 'Nguyễn Văn A', '--contact-email', 'syt@angiang.gov.vn'];
    const run = await lgsp(['org', 'create', '--code', 'SO-Y-TE', '--name', 'Sở Y tế', ...contact]);
    assert.equal(run.code, 1);
    assert.match(run.err, /CP_ORGANIZATION_CODE_INVALID/);
    assert.match(run.err, /000\.00\.31\.H01/);
    assert.match(run.err, /SO-Y-TE/);
    const asJson = await lgsp([
      'org',
      'create',
      '--code',
      'SO-Y-TE',
      '--name',
      'Sở Y tế',
      ...contact,
      '--json',
    ]);
    assert.equal(asJson.code, 1);
    assert.equal(JSON.parse(asJson.out).code, 'CP_ORGANIZATION_CODE_INVALID');
    const missing = await lgsp(['org', 'show', 'org_nope']);
    assert.equal(missing.code, 1);
    assert.match(missing.err, /CP_ORGANIZATION_NOT_FOUND/);
  });

  test('usage errors are exit 2 with the usage line; nothing is sent', async () => {
    const before = await h.counts();
    for (const args of [
      ['org', 'create', '--name', 'Thiếu mã'],
      // a contact point with an e-mail, where notices and alerts go.
      ['org', 'create', '--code', '000.00.31.H02', '--name', 'Sở Y tế'],
      ['org', 'create', '--code', '000.00.31.H02', '--name', 'Sở Y tế', '--contact-name', 'Nguyễn Văn A'],
      ['org', 'create', '--code', '000.00.31.H02', '--name', 'X', '--bogus'],
      ['org', 'show'],
      ['org', 'frobnicate'],
      ['subscription', 'create', '--system', 's', '--version-id', 'v', '--env', 'staging'],
      ['subscription', 'update', 'sub_x', '--quota-per-day', 'many'],
      ['version', 'create', '--service', 's', '--version', '1', '--resource', 'GET'],
      ['org', 'update', 'org_x'],
    ]) {
      const run = await lgsp(args);
      assert.equal(run.code, 2, `${args.join(' ')}: ${run.err}`);
      assert.match(run.err, /Usage:\s+lgsp/);
    }
    assert.deepEqual(await h.counts(), before);
  });

  test('connection refused names the fix', async () => {
    const port = await closedPort();
    const run = await lgsp(['org', 'list', '--url', `http://127.0.0.1:${port}`]);
    assert.equal(run.code, 1);
    assert.match(run.err, /Không kết nối được/);
    assert.match(run.err, /ECONNREFUSED/);
    assert.match(run.err, /Is the platform running\? Start it with `npm start`, or set --url/);
  });

  test('--token and LGSP_ADMIN_TOKEN take precedence over the saved session', async () => {
    const session = await h.accounts.login('admin', TEST_PASSWORD);
    const otherHome = mkdtempSync(join(tmpdir(), 'lgsp-cli-'));
    try {
      const viaEnv = await lgsp(['whoami', '--json'], {
        env: { LGSP_ADMIN_URL: url, XDG_CONFIG_HOME: otherHome, LGSP_ADMIN_TOKEN: session.token },
      });
      assert.equal(viaEnv.code, 0, viaEnv.err);
      const viaFlag = await lgsp(['whoami', '--token', 'lgsp_bad', '--url', url], {
        env: { XDG_CONFIG_HOME: otherHome, LGSP_ADMIN_TOKEN: session.token },
      });
      assert.equal(viaFlag.code, 1);
      assert.match(viaFlag.err, /API_UNAUTHORIZED/);
    } finally {
      rmSync(otherHome, { recursive: true, force: true });
    }
  });

  test('logout ends the session on the server and forgets it locally', async () => {
    const file = join(configHome, 'lgsp', 'session.json');
    const token = JSON.parse(readFileSync(file, 'utf8')).sessions[url].token;
    const run = await lgsp(['logout']);
    assert.equal(run.code, 0, run.err);
    assert.equal(await h.accounts.authenticate(token), null);
    const after = await lgsp(['whoami']);
    assert.equal(after.code, 1);
    assert.match(after.err, /API_UNAUTHORIZED/);
    assert.equal((await lgsp(['logout'])).code, 0);
  });
});
