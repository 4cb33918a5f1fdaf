import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { VIETNAM_OFFSET_MINUTES } from '../src/core/time.ts';
import { createLogger, type LogSettings, resolveLogFormat } from '../src/telemetry/logger.ts';
import { withMigratedStore } from './helpers/stores.ts';

// The machine's own zone must not matter: Vietnam time comes from the configured offset, never from TZ.
process.env['TZ'] = 'America/Los_Angeles';

/** 2026-12-31T17:05:09.250Z: in Vietnam already 01/01/2027 00:05:09; in Los Angeles 31/12/2026 09:05:09. */
const INSTANT = Date.UTC(2026, 11, 31, 17, 5, 9, 250);
const CENSOR = '[đã ẩn/redacted]';
const LGSP_BIN = fileURLToPath(new URL('../bin/lgsp.mjs', import.meta.url));

function capture(settings: Partial<LogSettings> = {}, name?: string) {
  const lines: string[] = [];
  const logger = createLogger(
    { logLevel: 'info', logFormat: 'text', timezoneOffsetMinutes: VIETNAM_OFFSET_MINUTES, ...settings },
    { output: { write: (s: string) => lines.push(s) }, nowMs: () => INSTANT, ...(name ? { name } : {}) },
  );
  return { logger, text: () => lines.join('') };
}

describe('logFormat text: one line a person reads, Vietnam time, bilingual level', () => {
  test('the test runs in another zone, so a local-time formatter would be caught', () => {
    assert.equal(new Date(INSTANT).getHours(), 9, 'TZ=America/Los_Angeles took effect');
  });

  test('dd/mm/yyyy HH:mm:ss in UTC+7, the level in Vietnamese and English, the message, the other fields', () => {
    const { logger, text } = capture();
    logger.warn(
      { keyFile: '/srv/lgsp data.kek', sealed: 3, ok: true, path: ['a', 'b'] },
      'đã tạo khoá / generated',
    );
    assert.equal(
      text(),
      '01/01/2027 00:05:09 CẢNH BÁO/WARN       đã tạo khoá / generated keyFile="/srv/lgsp data.kek" sealed=3 ok=true path=["a","b"]\n',
    );
  });

  test('every level has its words, padded to one width so the messages line up', () => {
    const { logger, text } = capture({ logLevel: 'trace' });
    logger.trace('m');
    logger.debug('m');
    logger.info('m');
    logger.warn('m');
    logger.error('m');
    logger.fatal('m');
    const lines = text().trimEnd().split('\n');
    assert.deepEqual(
      lines.map((l) => l.slice(20, l.lastIndexOf('  m')).trimEnd()),
      ['VẾT/TRACE', 'GỠ LỖI/DEBUG', 'THÔNG TIN/INFO', 'CẢNH BÁO/WARN', 'LỖI/ERROR', 'NGHIÊM TRỌNG/FATAL'],
    );
    assert.equal(new Set(lines.map((l) => l.indexOf('  m'))).size, 1, lines.join('\n'));
  });

  test('pid, hostname and the name lgsp are left out; another name (a worker, a demo peer) is shown', () => {
    const plain = capture();
    plain.logger.info('xin chào / hello');
    assert.equal(plain.text(), '01/01/2027 00:05:09 THÔNG TIN/INFO      xin chào / hello\n');
    const worker = capture({}, 'lgsp-gateway-worker');
    worker.logger.info('m');
    assert.match(worker.text(), / {2}m name=lgsp-gateway-worker\n$/);
  });

  test('text a caller put into a message or a field can neither forge a line nor reach the terminal as an escape', () => {
    const { logger, text } = capture();
    logger.warn(
      { path: '/a\n01/01/2027 00:00:00 THÔNG TIN/INFO  x' },
      'gọi lỗi \u001b[31m/x\n01/01/2027 00:00:00 LỖI/ERROR  giả',
    );
    const out = text();
    assert.equal(out.split('\n').length, 2, 'one line');
    assert.ok(!out.includes('\u001b'), 'no escape character');
    assert.ok(out.includes('gọi lỗi \\u001b[31m/x\\n01/01/2027'), out);
    assert.ok(out.includes('path="/a\\n01/01/2027'), out);
  });

  test('an error’s stack can neither forge a line nor reach the terminal as an escape: its message stays one line', () => {
    const { logger, text } = capture();
    // An Error's stack starts with its message, so the message's newline and escape are in the stack too.
    const err = new Error('gọi lỗi \u001b[31m/x\n01/01/2027 00:00:00 LỖI/ERROR  giả');
    // And a frame with a control character of its own (a function named by a caller's text).
    err.stack = `${err.stack!.split('\n    at ')[0]}\n    at gia\u001b[2J (/srv/lgsp/x.ts:1:1)\n    at main (/srv/lgsp/y.ts:2:2)`;
    logger.error({ err }, 'hỏng / failed');
    const out = text();
    assert.ok(!out.includes('\u001b'), 'no escape character');
    const [first, ...stack] = out.trimEnd().split('\n');
    assert.match(first!, /^01\/01\/2027 00:05:09 LỖI\/ERROR +hỏng \/ failed err=/);
    // One entry: the stack lines are indented, none of them reads as a log line, and the message is one of them.
    assert.deepEqual(stack, [
      '    Error: gọi lỗi \\u001b[31m/x\\n01/01/2027 00:00:00 LỖI/ERROR  giả',
      '    at gia\\u001b[2J (/srv/lgsp/x.ts:1:1)',
      '    at main (/srv/lgsp/y.ts:2:2)',
    ]);
  });

  test('redaction still applies: the censor text is shown, never the secret', () => {
    const { logger, text } = capture();
    logger.warn(
      {
        password: 'mat-khau-bi-mat',
        headers: { authorization: 'Bearer tok-bi-mat' },
        req: { headers: { authorization: 'Basic YWJjOmRlZg==' } },
        app: { consumerSecret: 'cs-bi-mat' },
      },
      'm',
    );
    const line = text();
    for (const secret of ['mat-khau-bi-mat', 'tok-bi-mat', 'YWJjOmRlZg==', 'cs-bi-mat'])
      assert.ok(!line.includes(secret), `${secret} must not reach the line: ${line}`);
    assert.ok(line.includes(`password=${JSON.stringify(CENSOR)}`), line);
    assert.ok(line.includes(`headers={"authorization":"${CENSOR}"}`), line);
    assert.ok(line.includes(`req={"headers":{"authorization":"${CENSOR}"}}`), line);
    assert.ok(line.includes(`app={"consumerSecret":"${CENSOR}"}`), line);
  });

  test('an error shows its message; its stack only for errors and worse, or when the level is debug', () => {
    const err = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    const info = capture();
    info.logger.warn({ err }, 'thử lại / retrying');
    assert.equal(
      info.text(),
      '01/01/2027 00:05:09 CẢNH BÁO/WARN       thử lại / retrying err="connect ECONNREFUSED 127.0.0.1:5432" err.code=ECONNREFUSED\n',
    );
    info.logger.error({ err }, 'hỏng / failed');
    const [, ...stack] = info.text().trimEnd().split('\n').slice(1);
    assert.ok(stack.length > 0, 'a stack follows an error line');
    assert.ok(
      stack.every((l) => l.startsWith('    ')),
      `stack lines are indented: ${stack.join('\n')}`,
    );
    const debug = capture({ logLevel: 'debug' });
    debug.logger.warn({ err }, 'thử lại / retrying');
    assert.match(debug.text(), /err\.code=ECONNREFUSED\n {4}Error: connect ECONNREFUSED[^\n]*\n {4}at /);
  });
});

describe('logFormat json: pino’s own line, as before', () => {
  test('parseable JSON with pino’s keys in pino’s order, redacted, epoch time', () => {
    const lines: string[] = [];
    const logger = createLogger(
      { logLevel: 'info', logFormat: 'json', timezoneOffsetMinutes: VIETNAM_OFFSET_MINUTES },
      { output: { write: (s: string) => lines.push(s) }, nowMs: () => INSTANT },
    );
    logger.warn({ sealed: 3, password: 'mat-khau-bi-mat' }, 'đã niêm phong / sealed');
    assert.equal(lines.length, 1);
    const record = JSON.parse(lines[0]!) as Record<string, unknown>;
    assert.deepEqual(Object.keys(record), [
      'level',
      'time',
      'pid',
      'hostname',
      'name',
      'sealed',
      'password',
      'msg',
    ]);
    assert.equal(record['level'], 40);
    assert.equal(record['time'], INSTANT);
    assert.equal(record['name'], 'lgsp');
    assert.equal(record['password'], CENSOR);
    assert.equal(record['msg'], 'đã niêm phong / sealed');
    assert.ok(lines[0]!.endsWith('}\n'), lines[0]);
  });

  test('auto: text on a terminal, JSON on anything else; an explicit format wins', () => {
    assert.equal(resolveLogFormat('auto', { isTTY: true }), 'text');
    assert.equal(resolveLogFormat('auto', { isTTY: false }), 'json');
    assert.equal(resolveLogFormat('auto', {}), 'json', 'a pipe has no isTTY');
    assert.equal(resolveLogFormat('json', { isTTY: true }), 'json');
    assert.equal(resolveLogFormat('text', {}), 'text');
  });
});

/** `lgsp start` as a user runs it until it says it is running, then stopped (SIGTERM); everything on stderr. */
function startUntilRunning(env: Record<string, string>, cwd: string) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [LGSP_BIN, 'start'], {
      cwd,
      env: { PATH: process.env['PATH'] ?? '', LGSP_GATEWAY_PORT: '0', LGSP_ADMIN_PORT: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let stopped = false;
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
      if (!stopped && stdout.includes('đang chạy / is running')) {
        stopped = true;
        child.kill('SIGTERM');
      }
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`lgsp start did not say it is running in 120 s:\n${stdout}\n${stderr}`));
    }, 120_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('lgsp start: the format on stderr', () => {
  const root = mkdtempSync(join(tmpdir(), 'lgsp-logs-'));
  after(() => rmSync(root, { recursive: true, force: true }));

  // On an empty data dir: the path a first `npm start` takes (initdb, every migration, a key and an operator made).
  test('LGSP_LOG_FORMAT=text: text lines in Vietnam time, no JSON line', async () => {
    const run = await startUntilRunning({ LGSP_DATA_DIR: join(root, 'text'), LGSP_LOG_FORMAT: 'text' }, root);
    assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
    assert.ok(!run.stderr.includes('{"level"'), run.stderr);
    assert.ok(
      run.stdout.includes('Sao lưu định kỳ / Backup: TẮT'),
      `the banner says periodic backup (R-24) is off by default:\n${run.stdout}`,
    );
    assert.match(
      run.stderr,
      /^\d{2}\/\d{2}\/\d{4} \d{2}:\d{2}:\d{2} (CẢNH BÁO\/WARN|THÔNG TIN\/INFO) +\S/m,
      run.stderr,
    );
  });

  test('no setting and stderr a pipe (not a terminal): JSON lines, as before', async () => {
    // On a migrated store, as after a restart: the first start's path is the test above's, not paid twice.
    const dataDir = await withMigratedStore(join(root, 'json'));
    const run = await startUntilRunning({ LGSP_DATA_DIR: dataDir }, root);
    assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
    const lines = run.stderr.split('\n').filter((l) => l !== '');
    assert.ok(lines.length > 0, 'the start logs something');
    for (const line of lines) {
      const record = JSON.parse(line) as Record<string, unknown>;
      assert.equal(typeof record['level'], 'number', line);
      assert.equal(typeof record['time'], 'number', line);
    }
  });
});
