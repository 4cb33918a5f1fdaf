import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ConfigError, loadConfig } from '../src/core/config.ts';

describe('configuration', () => {
  test('defaults: embedded store in ./data, gateway 8280, admin 9080, 1-hour tokens, 30 s upstream limit', () => {
    const c = loadConfig({ env: {} });
    assert.equal(c.dataDir, './data');
    assert.equal(c.databaseUrl, '');
    assert.equal(c.gateway.port, 8280);
    assert.equal(c.admin.port, 9080);
    assert.equal(c.gateway.tokenTtlSeconds, 3600);
    assert.equal(c.gateway.upstreamTimeoutMs, 30000);
    assert.equal(c.logFormat, 'auto', 'text on a terminal, JSON elsewhere (src/telemetry/logger.ts)');
    assert.equal(loadConfig({ env: { LGSP_LOG_FORMAT: 'text' } }).logFormat, 'text');
    assert.ok(
      Object.isFrozen(c) && Object.isFrozen(c.gateway),
      'Object.isFrozen(c) && Object.isFrozen(c.gateway)',
    );
  });

  test('config file, then LGSP_* environment, then code overrides', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lgsp-cfg-'));
    try {
      writeFileSync(
        join(dir, 'lgsp.config.json'),
        JSON.stringify({ gateway: { port: 1111, tokenTtlSeconds: 600 }, dataDir: '/srv/lgsp' }),
      );
      const c = loadConfig({
        env: { LGSP_GATEWAY_PORT: '2222', LGSP_DATABASE_URL: 'postgres://db/lgsp' },
        cwd: dir,
      });
      assert.equal(c.gateway.port, 2222, 'environment beats the file');
      assert.equal(c.gateway.tokenTtlSeconds, 600, 'the file beats defaults');
      assert.equal(c.dataDir, '/srv/lgsp');
      assert.equal(c.databaseUrl, 'postgres://db/lgsp');
      assert.equal(loadConfig({ env: {}, cwd: dir, overrides: { gateway: { port: 0 } } }).gateway.port, 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('every bad value is listed at once, with the variable that set it', () => {
    try {
      loadConfig({
        env: {
          LGSP_GATEWAY_PORT: 'tám',
          LGSP_ADMIN_PORT: '70000',
          LGSP_UPSTREAM_TIMEOUT_MS: '45000',
          LGSP_TOKEN_TTL_SECONDS: '5',
          LGSP_GATEWAY_PROT: '1',
        },
      });
      assert.fail('should not load');
    } catch (err) {
      assert.ok(err instanceof ConfigError, 'err instanceof ConfigError');
      const text = err.problems.join('\n');
      assert.equal(err.problems.length, 5, text);
      for (const name of [
        'LGSP_GATEWAY_PORT',
        'LGSP_ADMIN_PORT',
        'LGSP_UPSTREAM_TIMEOUT_MS',
        'LGSP_TOKEN_TTL_SECONDS',
        'LGSP_GATEWAY_PROT',
      ]) {
        assert.ok(text.includes(name), `${name} named in: ${text}`);
      }
    }
  });

  test('a bad value says what is allowed, Vietnamese first: the choices of a list, the bound, the kind', () => {
    const problems = (env: Record<string, string>): string[] => {
      try {
        loadConfig({ env });
      } catch (err) {
        assert.ok(err instanceof ConfigError, String(err));
        return err.problems;
      }
      return assert.fail('should not load');
    };
    const [role] = problems({ LGSP_ROLE: 'nut' });
    assert.match(
      role!,
      /^role \(LGSP_ROLE\): phải là một trong \/ must be one of: all, gateway, control, worker/,
    );
    assert.match(role!, /"nut"/);
    assert.match(problems({ LGSP_LOG_LEVEL: 'verbose' })[0]!, /phải là một trong .*info, debug/);
    assert.match(
      problems({ LGSP_LOG_FORMAT: 'pretty' })[0]!,
      /^logFormat \(LGSP_LOG_FORMAT\): phải là một trong \/ must be one of: auto, json, text/,
    );
    assert.match(problems({ LGSP_GATEWAY_WORKERS: '0' })[0]!, /cần ≥ 1 \/ expected at least 1/);
    assert.match(problems({ LGSP_GATEWAY_PORT: 'tám' })[0]!, /cần một số nguyên \/ expected an integer/);
    assert.match(
      problems({ LGSP_CONVENTION_LGSPACCESSTOKEN: 'yes' })[0]!,
      /cần true hoặc false \/ expected true or false/,
    );
    // A list's item is named with the variable that set the list.
    assert.match(
      problems({ LGSP_HOLIDAYS: '2026-13-01' })[0]!,
      /^workflow\.holidays\.0 \(LGSP_HOLIDAYS\): không đúng dạng/,
    );
    const dir = mkdtempSync(join(tmpdir(), 'lgsp-cfg-'));
    try {
      writeFileSync(join(dir, 'lgsp.config.json'), JSON.stringify({ gateway: { prot: 1 } }));
      assert.throws(
        () => loadConfig({ env: {}, cwd: dir }),
        /gateway\.prot: khoá không được hỗ trợ \/ unknown setting/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a missing or broken config file is reported', () => {
    assert.throws(() => loadConfig({ env: { LGSP_CONFIG: '/khong/co.json' } }), ConfigError);
    const dir = mkdtempSync(join(tmpdir(), 'lgsp-cfg-'));
    try {
      writeFileSync(join(dir, 'lgsp.config.json'), '{ not json');
      assert.throws(() => loadConfig({ env: {}, cwd: dir }), /not valid JSON/);
      writeFileSync(join(dir, 'lgsp.config.json'), JSON.stringify({ gateway: { prot: 1 } }));
      assert.throws(() => loadConfig({ env: {}, cwd: dir }), /gateway/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
