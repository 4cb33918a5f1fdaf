// Finds wrk and nginx, installing them from Debian when missing: the machines of this project are handed over
// fresh, so the benchmark installs what it needs rather than relying on what someone installed by hand.
import { existsSync } from 'node:fs';
import { run } from './procs.ts';

export type ToolResult = { ok: true; path: string; note: string } | { ok: false; reason: string };

const APT_TIMEOUT_MS = 240_000;

function which(bin: string): string | undefined {
  // /usr/sbin is not on every PATH (nginx lives there).
  const r = run('bash', ['-c', `PATH="$PATH:/usr/sbin:/sbin" command -v ${bin}`], 5000);
  const found = r.out.trim().split('\n')[0];
  if (r.ok && found && existsSync(found)) return found;
  return undefined;
}

function lastLine(text: string): string {
  const lines = text
    .trim()
    .split('\n')
    .filter((l) => l.trim() !== '');
  return (lines.at(-1) ?? '').slice(0, 200);
}

/** Returns the binary's path, installing the first installable of `packages` with apt-get if needed. */
export function ensureTool(
  bin: string,
  packages: readonly string[],
  log: (line: string) => void,
): ToolResult {
  const existing = which(bin);
  if (existing) return { ok: true, path: existing, note: 'already installed' };
  if (process.getuid?.() !== 0)
    return { ok: false, reason: 'not installed and not root, cannot apt-get install' };
  if (!which('apt-get')) return { ok: false, reason: 'not installed and apt-get not found' };

  let reason = 'unknown';
  // Try without `apt-get update` first (fast when the lists are fresh), then once more after updating them.
  for (const update of [false, true]) {
    if (update) {
      log(`${bin}: running apt-get update …`);
      const u = run('apt-get', ['update'], APT_TIMEOUT_MS);
      if (!u.ok) reason = `apt-get update failed: ${u.error ?? lastLine(u.out)}`;
    }
    for (const pkg of packages) {
      log(`${bin}: apt-get install -y ${pkg} …`);
      const r = run('apt-get', ['install', '-y', '--no-install-recommends', pkg], APT_TIMEOUT_MS);
      const path = which(bin);
      if (r.ok && path) return { ok: true, path, note: `installed from Debian package ${pkg}` };
      reason = r.error ?? lastLine(r.out);
    }
  }
  return { ok: false, reason };
}

export function toolVersion(path: string, args: readonly string[]): string {
  const r = run(path, args, 5000);
  return lastLine(r.out.split('\n')[0] ?? '') || 'unknown version';
}
