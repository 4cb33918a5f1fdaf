import { readFileSync } from 'node:fs';
import { GLOBAL_OPTIONS_HELP, splitFirst, UsageError } from './args.ts';
import { ApiError, ConnectionError, TokenFormatError } from './client.ts';
import { type Group, runCommand, runGroup, type Subcommand } from './command.ts';
import { alertCommands } from './commands/alerts.ts';
import { archiveCommands } from './commands/archive.ts';
import { auditCommands } from './commands/audit.ts';
import { login, logout, whoami } from './commands/auth.ts';
import { backup, restore } from './commands/backup.ts';
import { categoryCommands } from './commands/categories.ts';
import { connectionRequestCommands } from './commands/connection-request.ts';
import { credentialCommands } from './commands/credential.ts';
import { keysCommands } from './commands/keys.ts';
import { noticeCommands } from './commands/notice.ts';
import { orgCommands } from './commands/org.ts';
import { peerCommands } from './commands/peer.ts';
import { reconcile } from './commands/reconcile.ts';
import { reportCommands } from './commands/report.ts';
import { serviceCommands } from './commands/service.ts';
import { subscriptionCommands } from './commands/subscription.ts';
import { subscriptionRequestCommands } from './commands/subscription-request.ts';
import { systemCommands } from './commands/system.ts';
import { transactionCommands } from './commands/transactions.ts';
import { userCommands } from './commands/user.ts';
import { versionCommands } from './commands/version.ts';
import { versionChangeCommands } from './commands/version-change.ts';
import { webhookCommands } from './commands/webhook.ts';
import { terminalSafe } from './format.ts';
import { type CliIo, Interrupted, processIo } from './io.ts';

export type { CliIo } from './io.ts';

/** The command groups (`lgsp org …`) and the single commands (`lgsp login`): exported for the tests that read them all. */
export const COMMAND_GROUPS: Group[] = [
  orgCommands,
  systemCommands,
  serviceCommands,
  versionCommands,
  versionChangeCommands,
  subscriptionCommands,
  credentialCommands,
  connectionRequestCommands,
  subscriptionRequestCommands,
  transactionCommands,
  reportCommands,
  auditCommands,
  alertCommands,
  archiveCommands,
  userCommands,
  webhookCommands,
  noticeCommands,
  keysCommands,
  categoryCommands,
  peerCommands,
];

export const SINGLE_COMMANDS: Record<string, Subcommand> = {
  login,
  logout,
  whoami,
  backup,
  restore,
  reconcile,
};

const USAGE_LINE = 'Cách dùng / Usage: lgsp <lệnh/command> [tuỳ chọn/options]   (lgsp --help)';

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version?: string;
    };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

function help(): string {
  // Two spaces at least after the longest command name (`version-change`), so no name runs into its summary.
  const names = [
    'start',
    'demo',
    'cluster',
    ...Object.keys(SINGLE_COMMANDS),
    ...COMMAND_GROUPS.map((g) => g.name),
  ];
  const width = Math.max(...names.map((n) => n.length)) + 2;
  const pad = (s: string) => s.padEnd(width);
  return `lgsp — Nền tảng tích hợp, chia sẻ dữ liệu cấp tỉnh (OpenLGSP) / Local Government Service Platform

${USAGE_LINE}

Chạy nền tảng / Run the platform:
  ${pad('start')}Chạy cổng kết nối và API quản trị / Run the gateway and the admin API
  ${pad('demo')}Chạy thử trọn vẹn trên dữ liệu mẫu / A full walk-through on sample data
  ${pad('cluster')}Cụm thử theo vai trò trên máy này (PostgreSQL, nginx) / A trial cluster by role on this machine

Phiên làm việc / Session:
  ${pad('login')}Đăng nhập API quản trị / Sign in to the admin API
  ${pad('logout')}Đăng xuất / Sign out
  ${pad('whoami')}Người dùng hiện tại / Current user

Sao lưu / Backup (mở thẳng kho dữ liệu / opens the store itself, R-24):
  ${pad('backup')}Sao lưu toàn bộ kho ra một tệp / Back up the whole store to one file
  ${pad('restore')}Khôi phục vào kho trống / Restore into an empty store

Quản lý / Manage (qua API quản trị / through the admin API):
${COMMAND_GROUPS.map((g) => `  ${pad(g.name)}${g.summary}`).join('\n')}
  ${pad('reconcile')}Đối soát giao dịch với tệp CSV của bên đối soát (R-23) / Reconcile a party's CSV

${GLOBAL_OPTIONS_HELP}

Trợ giúp từng lệnh / Help on a command: lgsp <lệnh/command> --help   ·   docs/cli.md
`;
}

/** Why a file could not be opened, for the person who named it. */
const FILE_ERRORS: Record<string, string> = {
  ENOENT: 'không có tệp hoặc thư mục này / no such file or directory',
  EACCES: 'không có quyền / permission denied',
  EPERM: 'không có quyền / permission denied',
  EISDIR: 'đây là thư mục, cần một tệp / it is a directory, a file is needed',
  ENOTDIR: 'một phần của đường dẫn không phải thư mục / part of the path is not a directory',
};

/** Prints what went wrong for a person, naming the fix where there is an obvious one. */
function explain(err: unknown, io: CliIo, json: boolean): number {
  if (err instanceof UsageError) {
    io.err(`${err.message}\n${err.usage ?? USAGE_LINE}\n`);
    return 2;
  }
  if (err instanceof TokenFormatError) {
    io.err(
      'Token không hợp lệ (--token, LGSP_ADMIN_TOKEN hoặc phiên đã lưu): chỉ gồm chữ, số và - . _ ~ + / =; ' +
        'lấy token bằng `lgsp login`, hoặc bỏ LGSP_ADMIN_TOKEN nếu nó chứa thứ khác.\n' +
        'Not a valid token (--token, LGSP_ADMIN_TOKEN or the saved session): letters, digits and - . _ ~ + / = ' +
        'only; get one with `lgsp login`, or unset LGSP_ADMIN_TOKEN if it holds something else.\n',
    );
    return 2;
  }
  if (err instanceof ConnectionError) {
    io.err(
      `Không kết nối được tới ${err.url} (${err.reason}). Nền tảng đã chạy chưa? ` +
        'Hãy chạy `npm start`, hoặc đặt --url (LGSP_ADMIN_URL).\n' +
        `Could not connect to ${err.url} (${err.reason}). Is the platform running? ` +
        'Start it with `npm start`, or set --url (LGSP_ADMIN_URL).\n',
    );
    return 1;
  }
  if (err instanceof ApiError) {
    const p = err.problem;
    if (json && p) io.out(`${JSON.stringify(p, null, 2)}\n`);
    if (!p?.code) {
      io.err(`Lỗi / Error: HTTP ${err.status} ${err.url}\n`);
      return 1;
    }
    const lines = [`Lỗi / Error: ${p.title ?? p.code}`];
    if (p.detail) lines.push(`  Chi tiết / Detail: ${p.detail}`);
    for (const e of p.errors ?? []) lines.push(`  - ${e.in ?? ''}${e.path ?? ''}: ${e.message ?? ''}`);
    lines.push(`  Mã lỗi / Code: ${p.code} (HTTP ${err.status})`);
    // What to quote to the operator, as the console shows it under a refusal (api_…: the request in the server log).
    if (typeof p['transactionId'] === 'string')
      lines.push(`  Mã giao dịch / Transaction id: ${p['transactionId']}`);
    if (p.code === 'API_UNAUTHORIZED') {
      lines.push('  Hãy đăng nhập / Sign in: lgsp login   (hoặc / or --token, LGSP_ADMIN_TOKEN)');
    }
    // A password an operator reset opens nothing else until its owner replaces it (docs/security.md §2.11).
    if (p.code === 'API_PASSWORD_CHANGE_REQUIRED') {
      lines.push(
        '  Mật khẩu của bạn là mật khẩu tạm (do quản trị viên đặt hoặc hệ thống tạo): hãy đổi mật khẩu trước, bằng lệnh `lgsp user password`, rồi chạy lại lệnh này',
        '  Your password is a temporary one (set by an operator or generated): change it first with `lgsp user password`, then run this command again',
      );
    }
    // A `GW_*` answer comes from the gateway's port: the CLI talks to the admin API (9080 by default), not 8280.
    if (p.code.startsWith('GW_')) {
      lines.push(
        '  Địa chỉ này là cổng kết nối (gateway), không phải API quản trị: đặt --url (LGSP_ADMIN_URL) là địa chỉ API quản trị, mặc định http://127.0.0.1:9080',
        '  This address is the gateway, not the admin API: set --url (LGSP_ADMIN_URL) to the admin API, by default http://127.0.0.1:9080',
      );
    }
    io.err(terminalSafe(`${lines.join('\n')}\n`));
    return 1;
  }
  if (err instanceof Interrupted) return 130;
  // A file named on the command line (`--document`, `--file`, `--out` …) that cannot be opened: say which and why.
  const fsError = err as NodeJS.ErrnoException | undefined;
  if (typeof fsError?.path === 'string' && fsError.code && FILE_ERRORS[fsError.code]) {
    io.err(`Không mở được tệp / Cannot open the file: ${fsError.path} — ${FILE_ERRORS[fsError.code]}\n`);
    return 1;
  }
  io.err(`Lỗi không mong đợi / Unexpected error: ${(err as Error)?.message ?? String(err)}\n`);
  return 1;
}

/**
 * The `lgsp` command. Returns the exit code: 0 done, 1 the platform refused or could not be reached, 2 the
 * command was mistyped. `io` lets tests capture output; by default it is the process's own streams.
 */
export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  const json = argv.includes('--json');
  try {
    const { name, rest } = splitFirst(argv, {});
    if (!name) {
      if (rest.includes('--version') || rest.includes('-v')) {
        io.out(`${version()}\n`);
        return 0;
      }
      if (rest.length === 0 || rest.includes('--help') || rest.includes('-h')) {
        io.out(help());
        return rest.length === 0 ? 2 : 0;
      }
      throw new UsageError(`Thiếu lệnh / Missing command: ${rest.join(' ')}`);
    }
    if (name === 'help') {
      const topic = rest.find((a) => !a.startsWith('-'));
      if (!topic) {
        io.out(help());
        return 0;
      }
      return main([topic, '--help'], io);
    }
    // Starting the platform is the lead's module; it writes to the process streams itself.
    if (name === 'start') return (await import('./start.ts')).runStart(rest);
    if (name === 'demo') return (await import('./demo.ts')).runDemo(rest);
    // Issue 13 item 9: a trial cluster by role on this machine (docs/scaling.md).
    if (name === 'cluster') return (await import('./cluster.ts')).runCluster(rest);
    const single = Object.hasOwn(SINGLE_COMMANDS, name) ? SINGLE_COMMANDS[name] : undefined;
    if (single) return await runCommand(name, single, rest, io);
    const group = COMMAND_GROUPS.find((g) => g.name === name);
    if (group) return await runGroup(group, rest, io);
    throw new UsageError(`Lệnh không hợp lệ / Unknown command: ${name}`);
  } catch (err) {
    return explain(err, io, json);
  }
}
