// `node --import tsx bench/reconcile-lag.ts`: how long a gateway call waits while a large reconciliation file is
// being read. `lgsp start` (role all: gateway, admin API and console in one process, on the embedded
// store) runs as a child process; this process uploads a party's file of ≈ 64 MB (a million lines in the time +
// service form, `text/csv`) and meanwhile calls the gateway's /healthz every 10 ms. It prints the worst and the
// 99th-percentile wait of those calls during the upload, how long the upload took, and the same calls' waits before
// it (the machine's own noise). Nothing is kept: the data directory is removed at the end.
//
// Environment: BENCH_LINES (999000), BENCH_INTERVAL_MS (10).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, PlatformProcess } from '../test/helpers/platform-process.ts';

const LINES = Number(process.env['BENCH_LINES'] ?? 999_000);
const INTERVAL_MS = Number(process.env['BENCH_INTERVAL_MS'] ?? 10);
const PASSWORD = 'mat-khau-do-tre';
const T0 = Date.parse('2025-03-01T00:00:00Z');

/** A party's file of `lines` lines after the header, each ≈ 64 bytes (a note column, ignored, pads it). */
function partyFile(lines: number): Buffer {
  const parts: string[] = ['thoi_gian,dich_vu,trang_thai,ghi_chu\n'];
  for (let i = 0; i < lines; i++) {
    parts.push(
      `${new Date(T0 + i * 50).toISOString()},hotich/1.0,200,ghi chu dong ${String(i).padStart(9, '0')}\n`,
    );
  }
  return Buffer.from(parts.join(''));
}

async function probe(url: string, stop: { done: boolean }): Promise<number[]> {
  const waits: number[] = [];
  while (!stop.done) {
    const started = performance.now();
    const res = await fetch(url);
    await res.arrayBuffer();
    waits.push(performance.now() - started);
    await new Promise((r) => setTimeout(r, INTERVAL_MS));
  }
  return waits;
}

const summary = (waits: number[]) => {
  const sorted = [...waits].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return `${waits.length} calls, p50 ${at(0.5).toFixed(1)} ms, p99 ${at(0.99).toFixed(1)} ms, worst ${(sorted.at(-1) ?? 0).toFixed(1)} ms`;
};

const dir = mkdtempSync(join(tmpdir(), 'lgsp-bench-reconcile-'));
const platform = new PlatformProcess({
  cwd: dir,
  env: {
    LGSP_DATA_DIR: join(dir, 'data'),
    LGSP_GATEWAY_PORT: String(await freePort()),
    LGSP_ADMIN_PORT: String(await freePort()),
    LGSP_ADMIN_PASSWORD: PASSWORD,
    LGSP_LOG_LEVEL: 'warn',
  },
});
try {
  await platform.start();
  const login = await fetch(`${platform.adminUrl}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: PASSWORD }),
  });
  const { token } = (await login.json()) as { token: string };
  const file = partyFile(LINES);
  console.log(`file: ${LINES} lines, ${(file.length / 1024 / 1024).toFixed(1)} MiB`);

  const quiet = { done: false };
  const idle = probe(`${platform.gatewayUrl}/healthz`, quiet);
  await new Promise((r) => setTimeout(r, 2000));
  quiet.done = true;
  console.log(`gateway /healthz, idle:          ${summary(await idle)}`);

  const busy = { done: false };
  const during = probe(`${platform.gatewayUrl}/healthz`, busy);
  const started = performance.now();
  const query = new URLSearchParams({
    organizationCode: '000.00.12.H01',
    from: new Date(T0).toISOString(),
    to: new Date(T0 + 86_400_000).toISOString(),
  });
  const answer = await fetch(`${platform.adminUrl}/api/v1/reconciliations?${query}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv' },
    body: file,
  });
  const body = await answer.text();
  const took = performance.now() - started;
  busy.done = true;
  const counts = answer.ok ? (JSON.parse(body) as { counts: unknown }).counts : body.slice(0, 300);
  console.log(`upload: HTTP ${answer.status} in ${(took / 1000).toFixed(1)} s, ${JSON.stringify(counts)}`);
  console.log(`gateway /healthz, during upload: ${summary(await during)}`);
} finally {
  await platform.stop();
  rmSync(dir, { recursive: true, force: true });
}
