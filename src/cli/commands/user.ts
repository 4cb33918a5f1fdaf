import {
  type OperationResponse,
  type PasswordReset,
  ROLES,
  SIGN_IN_METHODS,
  SIGN_IN_OUTCOMES,
  type SignIn,
  type SignInOutcome,
} from '../../api/contract/index.ts';
import type { KeyEncryptionKey } from '../../keys/index.ts';
import {
  isOneOf,
  PERIOD_NOTE,
  positiveInt,
  required,
  str,
  textOptions,
  UsageError,
  vietnamPeriodFilter,
} from '../args.ts';
import type { Context, Group, Subcommand } from '../command.ts';
import { callCommand, headed, listCommand, pagedListCommand } from '../command-builders.ts';
import { fields, time } from '../format.ts';
import { readAll, readHidden } from '../io.ts';
import { openPlatformStore } from '../platform-store.ts';

type User = OperationResponse<'createUser'>;

function showUser(u: User): string {
  return fields([
    ['ID', u.id],
    ['Tên đăng nhập / Username', u.username],
    ['Họ tên / Name', u.displayName],
    ['Vai trò / Role', u.role],
    ['Cơ quan / Organization', u.organizationId],
  ]);
}

/**
 * The new user's password, like `lgsp login`: from stdin with --password-stdin, else asked twice on the
 * terminal without echo — never an option on the command line, where it would stay in the shell history.
 */
async function newPassword(ctx: Context, username: string): Promise<string> {
  const stdin = ctx.io.stdin;
  if (ctx.values['password-stdin'] === true) {
    if (!stdin) throw new UsageError('--password-stdin: không có stdin / no stdin', ctx.usage);
    return readAll(stdin);
  }
  if (!stdin?.isTTY || !stdin.setRawMode) {
    throw new UsageError(
      'stdin không phải terminal: dùng --password-stdin / stdin is not a terminal: use --password-stdin',
      ctx.usage,
    );
  }
  const first = await readHidden(ctx.io, stdin, `Mật khẩu mới của / New password for ${username}: `);
  const again = await readHidden(ctx.io, stdin, 'Nhập lại / Again: ');
  if (first !== again) throw new UsageError('Hai lần nhập không khớp / The passwords differ', ctx.usage);
  return first;
}

/**
 * The current and the new password for `lgsp user password`: two lines on stdin with --password-stdin (current,
 * then new), else asked on the terminal without echo, the new one twice.
 */
async function passwordChange(ctx: Context): Promise<{ currentPassword: string; newPassword: string }> {
  const stdin = ctx.io.stdin;
  if (ctx.values['password-stdin'] === true) {
    if (!stdin) throw new UsageError('--password-stdin: không có stdin / no stdin', ctx.usage);
    const [currentPassword = '', newPassword = ''] = (await readAll(stdin)).split(/\r?\n/);
    if (!currentPassword || !newPassword) {
      throw new UsageError(
        '--password-stdin: hai dòng, mật khẩu hiện tại rồi mật khẩu mới / two lines, the current password then the new one',
        ctx.usage,
      );
    }
    return { currentPassword, newPassword };
  }
  if (!stdin?.isTTY || !stdin.setRawMode) {
    throw new UsageError(
      'stdin không phải terminal: dùng --password-stdin / stdin is not a terminal: use --password-stdin',
      ctx.usage,
    );
  }
  const currentPassword = await readHidden(ctx.io, stdin, 'Mật khẩu hiện tại / Current password: ');
  const newPassword = await readHidden(ctx.io, stdin, 'Mật khẩu mới / New password: ');
  const again = await readHidden(ctx.io, stdin, 'Nhập lại / Again: ');
  if (newPassword !== again)
    throw new UsageError('Hai lần nhập không khớp / The passwords differ', ctx.usage);
  return { currentPassword, newPassword };
}

function showReset(r: PasswordReset): string {
  return [
    `Mật khẩu mới của / New password of ${r.username} (chỉ hiện một lần / shown once only):`,
    `  ${r.password}`,
    `Đã kết thúc / Sessions ended: ${r.sessionsEnded}`,
    'Người dùng phải đổi mật khẩu này sau khi đăng nhập (lgsp user password, hoặc bảng điều khiển).',
    'The user must change it after signing in (lgsp user password, or the console).',
    '',
  ].join('\n');
}

const STOP_THE_PLATFORM =
  'Đặt lại mật khẩu --offline trên kho nhúng (PGlite) chỉ chạy khi nền tảng đã dừng: hãy dừng `lgsp start` trên ' +
  'thư mục dữ liệu này trước (hoặc bỏ --offline để làm qua API). / --offline on the embedded store (PGlite) runs ' +
  'only while the platform is stopped: stop `lgsp start` on this data dir first (or drop --offline to use the API).';

/** Who did an offline reset, for the audit trail: no signed-in user, so the local account and host. */
async function localActor(): Promise<string> {
  const os = await import('node:os');
  let who = 'unknown';
  try {
    who = os.userInfo().username;
  } catch {
    // A container without a passwd entry for its uid: the host still says where it was done.
  }
  return `local:${who}@${os.hostname()}`;
}

/**
 * `lgsp user reset-password <username>`: through the API by an operator administrator, or with --offline on the
 * store itself (like `lgsp backup`), when no one can sign in — the first start's password lost, the only
 * administrator locked out. The new password is printed once.
 */
const resetPassword: Subcommand = {
  synopsis: '<tên đăng nhập> [--offline]',
  summary:
    'Đặt lại mật khẩu: mật khẩu ngẫu nhiên mới in một lần, mọi phiên kết thúc, mở khóa đăng nhập / Reset a ' +
    'password: a new random one printed once, every session ends, the sign-in lock lifted\n' +
    '      (--offline: mở thẳng kho dữ liệu theo cấu hình nền tảng, khi không ai đăng nhập được; kho nhúng cần dừng\n' +
    '       nền tảng trước / opens the store named by the platform configuration directly, when no one can sign in;\n' +
    '       the embedded store needs the platform stopped first)',
  args: ['username'],
  options: { offline: { type: 'boolean' } },
  async run(ctx) {
    const username = ctx.args[0]!;
    if (ctx.values['offline'] !== true) {
      const reset = await ctx.api.call('resetUserPassword', { params: { username }, body: {} });
      ctx.print(reset, showReset);
      return 0;
    }
    const opened = await openPlatformStore(ctx, { mustExist: true, whenLocked: STOP_THE_PLATFORM });
    if (typeof opened === 'number') return opened;
    const { config, store } = opened;
    const [{ Accounts }, { systemClock }, { LgspError }, { KeyError, loadKeyEncryptionKey }] =
      await Promise.all([
        import('../../control/accounts.ts'),
        import('../../core/clock.ts'),
        import('../../core/errors.ts'),
        import('../../keys/index.ts'),
      ]);
    try {
      // The platform's own key-encryption key (as configured for it; never generated here): the sign-in counters
      // keep typed names as its digests.
      let kek: KeyEncryptionKey;
      try {
        kek = loadKeyEncryptionKey(config, { mayGenerate: false }).kek;
      } catch (err) {
        if (!(err instanceof KeyError)) throw err;
        ctx.io.err(`${err.message}\n`);
        return 1;
      }
      const accounts = new Accounts(store, systemClock, config.admin.sessionTtlHours, config.limits, kek);
      const reset = await accounts.resetPassword(username, await localActor());
      ctx.print(reset, showReset);
      return 0;
    } catch (err) {
      if (!(err instanceof LgspError)) throw err;
      ctx.io.err(
        err.code === 'API_NOT_FOUND'
          ? `Không có người dùng / No such user: ${username}\n`
          : `${err.message}\n`,
      );
      return 1;
    } finally {
      await store.close();
    }
  },
};

/** Each outcome of a sign-in in words (docs/security.md §2.14); the code, which --outcome takes, beside it. */
const OUTCOME_WORDS: Record<SignInOutcome, string> = {
  success: 'thành công / success',
  wrong_password: 'sai mật khẩu / wrong password',
  unknown_user: 'không có tài khoản / unknown user',
  disabled: 'tài khoản bị vô hiệu hóa / account disabled',
  password_not_set: 'tài khoản chỉ SSO / SSO-only account',
  locked: 'đang bị khóa / locked',
  oidc_refused: 'SSO bị từ chối / SSO refused',
};

function outcomeCell(s: SignIn): string {
  return `${OUTCOME_WORDS[s.outcome]}${s.reason ? ` (${s.reason})` : ''}`;
}

/**
 * `lgsp user sign-ins`: the sign-in history (operator administrators and auditors), or with --mine the attempts on
 * one's own account (any role). Newest first, a next page by --cursor, as `lgsp audit list`. A row of failures that
 * name no account counts them (Attempts) from its first to its last time (docs/security.md §2.14).
 */
const signIns = listCommand({
  synopsis:
    '[--user <tên đăng nhập>] [--outcome <kết quả>] [--method password|console|oidc] ' +
    '[--from <dd/mm/yyyy[ HH:mm]>] [--to <dd/mm/yyyy[ HH:mm]>] [--limit N] [--cursor <c>] [--mine]',
  summary:
    `Lịch sử đăng nhập, mới nhất trước; --mine: của chính mình / Sign-in history, newest first; --mine: your own\n` +
    `      (--outcome: ${SIGN_IN_OUTCOMES.join(', ')}; --from/--to: ${PERIOD_NOTE})`,
  filters: { user: 'username', cursor: 'cursor' },
  options: { ...textOptions('outcome', 'method', 'limit', 'from', 'to'), mine: { type: 'boolean' } },
  send: (ctx, query) => {
    const outcome = str(ctx.values, 'outcome');
    if (outcome !== undefined && !isOneOf(outcome, SIGN_IN_OUTCOMES)) {
      throw new UsageError(`--outcome: một trong / one of ${SIGN_IN_OUTCOMES.join(', ')}`, ctx.usage);
    }
    const method = str(ctx.values, 'method');
    if (method !== undefined && !isOneOf(method, SIGN_IN_METHODS)) {
      throw new UsageError(`--method: một trong / one of ${SIGN_IN_METHODS.join(', ')}`, ctx.usage);
    }
    const limit = positiveInt(ctx.values, 'limit', ctx.usage);
    if (ctx.values['mine'] === true) {
      if (query.username || outcome || method || str(ctx.values, 'from') || str(ctx.values, 'to')) {
        throw new UsageError(
          '--mine: chỉ nhận --limit, --cursor / takes only --limit and --cursor',
          ctx.usage,
        );
      }
      return ctx.api.call('listOwnSignIns', {
        query: { ...(query.cursor ? { cursor: query.cursor } : {}), limit },
      });
    }
    return ctx.api.call('listSignIns', {
      query: {
        ...query,
        ...(outcome ? { outcome } : {}),
        ...(method ? { method } : {}),
        ...vietnamPeriodFilter(ctx.values),
        limit,
      },
    });
  },
  headers: [
    'Thời điểm / Time',
    'Tên đăng nhập / Username',
    'Cách / Method',
    'Kết quả / Outcome',
    'Số lần / Attempts',
    'Địa chỉ / Address',
    'Trình duyệt / User agent',
  ],
  row: (s) => [
    s.lastAt && time(s.lastAt) !== time(s.at) ? `${time(s.at)} – ${time(s.lastAt)}` : time(s.at),
    s.username,
    s.method,
    outcomeCell(s),
    String(s.attempts),
    s.folded === 'overflow' ? 'nhiều địa chỉ / many addresses' : s.address,
    s.userAgent.length > 40 ? `${s.userAgent.slice(0, 39)}…` : s.userAgent,
  ],
  footer: (page, ctx) =>
    page.nextCursor
      ? `\nTrang sau / Next page: lgsp user sign-ins${ctx.values['mine'] === true ? ' --mine' : ''} --cursor ${page.nextCursor}\n`
      : '',
});

export const userCommands: Group = {
  name: 'user',
  summary: 'Người dùng và vai trò / Users and roles',
  subcommands: {
    list: pagedListCommand({
      synopsis: '[--role <vai trò>] [--org <id>]',
      summary:
        'Danh sách người dùng, khoá đăng nhập, mật khẩu tạm chưa đổi (không bao giờ có mật khẩu) / List users, sign-in ' +
        'locks, temporary passwords not changed yet (never a password)',
      filters: { role: 'role', org: 'organizationId' },
      send: (ctx, query) => ctx.api.call('listUsers', { query }),
      headers: [
        'ID',
        'Tên đăng nhập / Username',
        'Họ tên / Name',
        'Vai trò / Role',
        'Cơ quan / Organization',
        'Khoá tới / Locked until',
        'Sai gần đây / Recent failures',
        'Mật khẩu tạm / Temporary password',
      ],
      // The sign-in state the operator acts on (docs/security.md §2.5, §2.11): the username's lock, in Vietnam
      // time, and a temporary password the user has not changed yet. --json keeps the API's fields as they are.
      row: (u) => [
        u.id,
        u.username,
        u.displayName,
        u.role,
        u.organizationId,
        u.lockedUntil === null ? null : time(u.lockedUntil),
        u.failedSignIns,
        u.mustChangePassword ? 'chưa đổi / not changed yet' : null,
      ],
    }),
    unlock: callCommand({
      synopsis: '<tên đăng nhập> [--address <địa chỉ IP>]',
      summary:
        'Mở khóa đăng nhập sau nhiều lần sai; --address mở cả địa chỉ / Lift a sign-in lockout; --address the address too',
      args: ['username'],
      options: textOptions('address'),
      send: (ctx) => {
        const address = str(ctx.values, 'address');
        return ctx.api.call('unlockUser', {
          params: { username: ctx.args[0]! },
          body: address ? { address } : {},
        });
      },
      render: (r) =>
        r.cleared > 0
          ? `Đã mở khóa / Unlocked: ${r.username}${r.address ? ` (${r.address})` : ''}\n`
          : `Không có gì bị khóa / Nothing was locked: ${r.username}${r.address ? ` (${r.address})` : ''}\n`,
    }),
    disable: callCommand({
      synopsis: '<tên đăng nhập>',
      summary:
        'Vô hiệu hóa người dùng: mọi phiên kết thúc ngay, không đăng nhập lại được (cả SSO) / Disable a user: every session ends, no sign-in again (SSO too)',
      args: ['username'],
      send: (ctx) => ctx.api.call('disableUser', { params: { username: ctx.args[0]! }, body: {} }),
      render: headed('Đã vô hiệu hóa người dùng / User disabled', showUser),
    }),
    create: callCommand({
      synopsis: `--username <tên> --display-name <họ tên> --role ${ROLES.join('|')} [--org <id>] [--password-stdin] [--no-password-change]`,
      summary:
        'Thêm người dùng; vai trò agency cần --org / Create a user; role agency needs --org\n' +
        '      (mật khẩu ≥ 10 ký tự được hỏi không hiện chữ, hoặc đọc từ stdin với --password-stdin /\n' +
        '       the password, ≥ 10 characters, is prompted without echo, or read from stdin with --password-stdin;\n' +
        '       người dùng phải đổi nó ở lần đăng nhập đầu, trừ khi có --no-password-change /\n' +
        '       the user must change it at the first sign-in, unless --no-password-change)',
      options: {
        ...textOptions('username', 'display-name', 'role', 'org'),
        'password-stdin': { type: 'boolean' },
        'no-password-change': { type: 'boolean' },
      },
      async send(ctx) {
        const username = required(ctx.values, 'username', ctx.usage);
        const displayName = required(ctx.values, 'display-name', ctx.usage);
        const role = required(ctx.values, 'role', ctx.usage);
        if (!isOneOf(role, ROLES)) {
          throw new UsageError(`--role: một trong / one of ${ROLES.join(', ')}`, ctx.usage);
        }
        const password = await newPassword(ctx, username);
        if (!password) throw new UsageError('Mật khẩu trống / Empty password', ctx.usage);
        return ctx.api.call('createUser', {
          body: {
            username,
            displayName,
            password,
            role,
            organizationId: str(ctx.values, 'org') ?? null,
            mustChangePassword: ctx.values['no-password-change'] !== true,
          },
        });
      },
      render: headed('Đã thêm người dùng / User created', showUser),
    }),
    password: callCommand({
      synopsis: '[--password-stdin]',
      summary:
        'Đổi mật khẩu của mình; mọi phiên khác kết thúc / Change your own password; every other session ends\n' +
        '      (hỏi không hiện chữ, hoặc hai dòng từ stdin với --password-stdin: hiện tại rồi mới /\n' +
        '       prompted without echo, or two lines on stdin with --password-stdin: the current one, then the new one)',
      options: { 'password-stdin': { type: 'boolean' } },
      async send(ctx) {
        return ctx.api.call('changeOwnPassword', { body: await passwordChange(ctx) });
      },
      render: (r) =>
        `Đã đổi mật khẩu / Password changed. Các phiên khác đã kết thúc / Other sessions ended: ${r.sessionsEnded}\n`,
    }),
    'reset-password': resetPassword,
    'sign-ins': signIns,
  },
};
