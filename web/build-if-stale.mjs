#!/usr/bin/env node
// Builds the web console into web/dist when it is missing or older than its sources (and the API contract and
// client it is typed from), so `npm start`, `npm run demo` and `npm test` on a fresh clone never serve a blank
// page, and an unchanged checkout does not rebuild (a build takes a minute on a small machine).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const web = dirname(fileURLToPath(import.meta.url));
const root = join(web, '..');
const built = join(web, 'dist', 'index.html');
const sources = [
  join(web, 'src'),
  join(web, 'index.html'),
  join(web, 'vite.config.ts'),
  join(web, 'package.json'),
  join(root, 'src', 'api', 'contract'),
  join(root, 'src', 'cli', 'client.ts'),
];

function newest(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((name) => newest(join(path, name))));
}

const builtAt = existsSync(built) ? statSync(built).mtimeMs : 0;
const changedAt = Math.max(...sources.map(newest));
if (builtAt > changedAt) process.exit(0);

process.stdout.write(
  builtAt
    ? 'Dựng lại bảng điều khiển web (mã nguồn đã đổi) / Rebuilding the web console (sources changed)…\n'
    : 'Dựng bảng điều khiển web lần đầu / Building the web console for the first time…\n',
);
const run = spawnSync(
  process.execPath,
  [join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--logLevel', 'warn'],
  {
    cwd: web,
    stdio: 'inherit',
  },
);
process.exit(run.status ?? 1);
