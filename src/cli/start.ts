import { type Config, ConfigError, loadConfig } from '../core/config.ts';
import { localUrl, type OperatorAccountOrigin, type Platform, startPlatform } from '../platform.ts';
import { backupDirOf } from '../store/scheduled-backup.ts';

export const START_USAGE = `Cách dùng / Usage: lgsp start [--role all|gateway|control|worker]
  Chạy toàn bộ nền tảng (cổng kết nối + API quản trị) theo cấu hình: mặc định kho nhúng PGlite trong ./data.
  Runs the whole platform (gateway + admin API) from the configuration; by default on the embedded store in ./data.
  --role   vai trò của nút khi mở rộng trên PostgreSQL (mặc định all; LGSP_ROLE) / the node's role when scaled out
           on PostgreSQL (default all; LGSP_ROLE): gateway · control · worker — docs/scaling.md
  Cấu hình / Configuration: lgsp.config.json, LGSP_* (docs/configuration.md)`;

const ROLES = ['all', 'gateway', 'control', 'worker'];

/** `--role X` / `--role=X`: the config override it gives, or an explanation of what is wrong. */
export function roleArgument(args: string[]): { role?: string } | { problem: string } {
  const at = args.findIndex((a) => a === '--role' || a.startsWith('--role='));
  if (at < 0) {
    const unknown = args.find((a) => a.startsWith('-'));
    return unknown ? { problem: `tuỳ chọn không hỗ trợ / unknown option: ${unknown}` } : {};
  }
  const arg = args[at]!;
  const role = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : args[at + 1];
  if (!role || !ROLES.includes(role)) {
    return {
      problem: `--role: cần một trong / needs one of ${ROLES.join(', ')}${role ? `, got ${JSON.stringify(role)}` : ''}`,
    };
  }
  return { role };
}

/** Loads the configuration, or prints every problem at once and returns null (R-03: fail at start, not later). */
export function configOrExplain(overrides?: Record<string, unknown>) {
  try {
    return loadConfig(overrides ? { overrides } : {});
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      return null;
    }
    throw err;
  }
}

/** Resolves on the first SIGINT or SIGTERM. */
export function untilSignal(): Promise<string> {
  return new Promise((resolve) => {
    const on = (signal: string) => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      resolve(signal);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}

export function printGeneratedPassword(
  username: string,
  password: string,
  write = (s: string) => process.stdout.write(s),
): void {
  write(
    [
      '',
      '┌──────────────────────────────────────────────────────────────────────┐',
      '│ Tài khoản quản trị đầu tiên / First operator account                 │',
      `│   tên đăng nhập / username: ${username.padEnd(41)}│`,
      `│   mật khẩu / password:      ${password.padEnd(41)}│`,
      '│ Chỉ hiện một lần — hãy lưu lại / Shown once only — store it now.     │',
      '│ Đổi ngay khi đăng nhập lần đầu / Change it at the first sign-in.     │',
      '└──────────────────────────────────────────────────────────────────────┘',
      '',
    ].join('\n'),
  );
}

/** Said once, when the first start generated the key-encryption key (issue 10 item 4). */
export function printGeneratedKeyFile(
  path: string,
  write: (text: string) => void = (t) => process.stdout.write(t),
): void {
  write(
    [
      '',
      'Khoá mã hoá khoá (KEK) vừa được tạo / Key-encryption key (KEK) generated:',
      `  ${path}`,
      '  Mọi bí mật trong kho dữ liệu được niêm phong bằng khoá này: thiếu nó, kho và các bản sao lưu không dùng được.',
      '  Hãy sao lưu tệp này RIÊNG, KHÔNG để cùng chỗ với bản sao lưu dữ liệu. (docs/security.md)',
      '  Every secret in the store is sealed with it: without it the store and its backups cannot be used.',
      '  Back this file up SEPARATELY, NEVER next to the data backups. (docs/security.md)',
      '',
    ].join('\n'),
  );
}

export async function runStart(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`${START_USAGE}\n`);
    return 0;
  }
  const roleArg = roleArgument(args);
  if ('problem' in roleArg) {
    process.stderr.write(`${roleArg.problem}\n${START_USAGE}\n`);
    return 2;
  }
  const config = configOrExplain(roleArg.role ? { role: roleArg.role } : undefined);
  if (!config) return 1;
  let platform: Platform;
  let origin = 'existing' as OperatorAccountOrigin;
  try {
    platform = await startPlatform(config, {
      onGeneratedPassword: (u, p) => printGeneratedPassword(u, p),
      onGeneratedKeyFile: (path) => printGeneratedKeyFile(path),
      onOperatorAccount: (o) => {
        origin = o;
      },
    });
  } catch (err) {
    process.stderr.write(`Không khởi động được / Could not start: ${explainStartError(err)}\n`);
    // The account was stored before the start failed (a port in use): the password printed is the one to keep.
    if (origin === 'generated') process.stderr.write(`${GENERATED_BUT_NOT_STARTED.join('\n')}\n`);
    return 1;
  }
  // Listen for Ctrl+C before saying we are up: a script that signals right after the first line must stop us
  // cleanly, not meet Node's default handler.
  const signalled = untilSignal();
  if (config.role !== 'all') {
    process.stdout.write(`${nodeLines(platform, config.role).join('\n')}\n`);
    await signalled;
    process.stdout.write('Đang dừng / Stopping…\n');
    await platform.stop();
    return 0;
  }
  process.stdout.write(
    [
      'OpenLGSP đang chạy / is running',
      `  Cổng kết nối / Gateway:   ${localUrl(platform.gatewayUrl)}  (POST /token, /{context}/{version}/…)`,
      `  API quản trị / Admin API: ${localUrl(platform.adminUrl)}/api/v1  (OpenAPI: /api/v1/openapi.json)`,
      ...consoleLines(localUrl(platform.adminUrl), config.admin.publicUrl),
      `  Kho dữ liệu / Store:      ${platform.store.kind === 'pglite' ? `PGlite (nhúng/embedded) ${config.dataDir}` : 'PostgreSQL'}`,
      ...backupLines(config),
      '',
      ...firstStepsLines(origin),
      '',
      '  Dừng / Stop: Ctrl+C',
      '',
    ].join('\n'),
  );
  await signalled;
  process.stdout.write('Đang dừng / Stopping…\n');
  await platform.stop();
  return 0;
}

/** How a lost operator password is recovered: on the store itself, the platform stopped (docs/security.md §2.11). */
export const RECOVER_COMMAND = 'lgsp user reset-password admin --offline';
const STOP_FIRST = '(dừng nền tảng trước / stop the platform first)';

/** Said when the first start stored `admin` with a generated password, then could not start. */
const GENERATED_BUT_NOT_STARTED = [
  'Tài khoản "admin" đã được lưu với mật khẩu in ở trên: hãy giữ mật khẩu đó, lần chạy sau sẽ không in lại.',
  'The "admin" account is stored with the password printed above: keep it, the next start does not print it again.',
  `Mất mật khẩu / Lost it: ${RECOVER_COMMAND}  ${STOP_FIRST}`,
];

/** The first step of the start banner: where the operator's password came from, and how a lost one is recovered. */
export function signInLines(origin: OperatorAccountOrigin): string[] {
  const how = {
    generated: [
      '  1. Mở bảng điều khiển, đăng nhập "admin" bằng mật khẩu vừa in ở trên (chỉ in một lần này), rồi đổi nó:',
      '     trước khi đổi, API từ chối mọi việc khác (dòng lệnh: lgsp user password)',
      '     Open the console and sign in as "admin" with the password printed above (printed this once only), then',
      '     change it: until then the API refuses everything else (command line: lgsp user password)',
    ],
    configured: [
      '  1. Mở bảng điều khiển, đăng nhập "admin" bằng mật khẩu đặt trong LGSP_ADMIN_PASSWORD (admin.password)',
      '     Open the console and sign in as "admin" with the password set in LGSP_ADMIN_PASSWORD (admin.password)',
    ],
    existing: [
      '  1. Mở bảng điều khiển, đăng nhập bằng tài khoản đã có: mật khẩu "admin" là mật khẩu của lần chạy đầu (in ra',
      '     khi đó hoặc LGSP_ADMIN_PASSWORD lúc đó) hoặc mật khẩu đã đổi; LGSP_ADMIN_PASSWORD bây giờ không đổi nó',
      '     Open the console and sign in with an existing account: the "admin" password is the first start\'s (printed',
      '     then, or LGSP_ADMIN_PASSWORD then) or the one it was changed to; LGSP_ADMIN_PASSWORD now does not change it',
    ],
  }[origin];
  return [...how, `     Mất mật khẩu / Lost the password: ${RECOVER_COMMAND}  ${STOP_FIRST}`];
}

/**
 * The start banner's first steps. The guide it names is the one these steps are written out in, as README's first
 * steps name it: the operator's "Bắt đầu" section, then the agency's walk from a request to the first call.
 */
export function firstStepsLines(origin: OperatorAccountOrigin): string[] {
  return [
    'Bước đầu tiên / First steps:',
    ...signInLines(origin),
    '  2. Tạo các cơ quan (mã định danh, cán bộ đầu mối), rồi tài khoản cho cán bộ của họ',
    '     Create the organizations (official code, contact point), then accounts for their staff',
    '  3. Các cơ quan gửi đề nghị kết nối và dịch vụ; duyệt, thử trên sandbox, công bố lên cổng thông tin',
    '     Agencies file connection requests and services; review, try them in the sandbox, publish them to the portal',
    '  Hướng dẫn / Guide: docs/console-operator.md (mục "Bắt đầu" / "First steps"), docs/agency-console.md',
    '  Thử với dữ liệu mẫu / Try with sample data: npm run demo',
  ];
}

/** What a node of one role says when it is up (issue 13 item 1, docs/scaling.md). */
export function nodeLines(platform: Platform, role: string): string[] {
  const admin = localUrl(platform.adminUrl);
  return [
    `OpenLGSP đang chạy, vai trò / is running, role: ${role}`,
    ...(platform.gatewayUrl
      ? [
          `  Cổng kết nối / Gateway:   ${localUrl(platform.gatewayUrl)}  (POST /token, /{context}/{version}/…)`,
        ]
      : []),
    role === 'control'
      ? `  API quản trị / Admin API: ${admin}/api/v1  ·  Bảng điều khiển / Console: ${admin}/  ·  Portal: ${admin}/portal`
      : `  Tình trạng / Health:      ${admin}/healthz  ${admin}/readyz  ${admin}/metrics`,
    '  Kho dữ liệu / Store:      PostgreSQL',
    '  Dừng / Stop: Ctrl+C',
    '',
  ];
}

/**
 * Where people open the console and the portal (served by the admin port), and the public address when one is
 * configured (behind a proxy or TLS, docs/portal.md).
 */
export function consoleLines(adminUrl: string, publicUrl: string): string[] {
  const site = publicUrl.replace(/\/+$/, '') || adminUrl;
  return [
    `  Bảng điều khiển / Console: ${adminUrl}/`,
    `  Cổng thông tin / Portal:   ${adminUrl}/portal`,
    ...(site !== adminUrl ? [`  Địa chỉ công khai / Public address: ${site}/  ·  ${site}/portal`] : []),
  ];
}

/**
 * The periodic backup R-24 asks for, said at start: where it goes and how often, or that it is off and how to turn
 * it on — off is the default, and a platform without it should not look as if it had it.
 */
export function backupLines(config: Pick<Config, 'dataDir' | 'backup'>): string[] {
  if (!config.backup.schedule) {
    return [
      '  Sao lưu định kỳ / Backup: TẮT — đặt LGSP_BACKUP_SCHEDULE (ví dụ 1d) để sao lưu tự động (R-24) / OFF — set',
      '                            LGSP_BACKUP_SCHEDULE (e.g. 1d) for periodic backups',
    ];
  }
  return [
    `  Sao lưu định kỳ / Backup: mỗi / every ${config.backup.schedule} → ${backupDirOf(config)}, giữ / keep ${config.backup.keep}`,
  ];
}

/** Start-up errors people can fix: a port in use, a database that does not answer. */
export function explainStartError(err: unknown): string {
  const e = err as { code?: string; port?: number; message?: string };
  if (e.code === 'EADDRINUSE') {
    return `cổng ${e.port} đang được dùng / port ${e.port} is in use — stop the other process or set LGSP_GATEWAY_PORT / LGSP_ADMIN_PORT`;
  }
  if (e.code === 'ECONNREFUSED')
    return `không kết nối được cơ sở dữ liệu / the database refused the connection — check LGSP_DATABASE_URL (${e.message})`;
  return e.message ?? String(err);
}
