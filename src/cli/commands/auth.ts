import { str, UsageError } from '../args.ts';
import { writeSession } from '../client-config.ts';
import type { Subcommand } from '../command.ts';
import { fields, time } from '../format.ts';
import { readAll, readHidden } from '../io.ts';

/** `lgsp login`: the token is saved for this URL (0600), never printed, so it stays out of terminals and logs. */
export const login: Subcommand = {
  synopsis: '[--user <tên>] [--password-stdin]',
  summary:
    'Đăng nhập và lưu phiên cho địa chỉ này / Sign in and save the session for this URL\n' +
    '      (mật khẩu được hỏi không hiện chữ, hoặc đọc từ stdin với --password-stdin /\n' +
    '       the password is prompted without echo, or read from stdin with --password-stdin)',
  options: { user: { type: 'string', short: 'u' }, 'password-stdin': { type: 'boolean' } },
  async run(ctx) {
    const username = str(ctx.values, 'user') ?? 'admin';
    const stdin = ctx.io.stdin;
    let password: string;
    if (ctx.values['password-stdin'] === true) {
      if (!stdin) throw new UsageError('--password-stdin: không có stdin / no stdin', ctx.usage);
      password = await readAll(stdin);
    } else if (stdin?.isTTY && stdin.setRawMode) {
      password = await readHidden(ctx.io, stdin, `Mật khẩu của / Password for ${username}: `);
    } else {
      throw new UsageError(
        'stdin không phải terminal: dùng --password-stdin / stdin is not a terminal: use --password-stdin',
        ctx.usage,
      );
    }
    if (!password) throw new UsageError('Mật khẩu trống / Empty password', ctx.usage);
    const session = await ctx.api.call('login', {
      body: { username, password },
      auth: false,
    });
    writeSession(ctx.settings.sessionFile, ctx.settings.url, {
      token: session.token,
      expiresAt: session.expiresAt,
      username: session.user.username,
    });
    const shown = { url: ctx.settings.url, user: session.user, expiresAt: session.expiresAt };
    ctx.print(
      shown,
      () =>
        `Đã đăng nhập / Signed in: ${session.user.username} (${session.user.displayName}) → ${ctx.settings.url}\n` +
        `Phiên hết hạn lúc / Session expires at ${time(session.expiresAt)}\n` +
        (session.mustChangePassword
          ? 'Đây là mật khẩu tạm (do quản trị viên đặt hoặc hệ thống tạo): hãy đổi ngay bằng `lgsp user password` — trước đó mọi lệnh khác bị từ chối\n' +
            'This is a temporary password (set by an operator or generated): change it now — lgsp user password; every other command is refused until then\n'
          : ''),
    );
    return 0;
  },
};

export const logout: Subcommand = {
  synopsis: '',
  summary: 'Kết thúc phiên và xoá token đã lưu / End the session and forget the saved token',
  async run(ctx) {
    if (!ctx.settings.token) {
      if (ctx.settings.sessionExpired) writeSession(ctx.settings.sessionFile, ctx.settings.url, null);
      ctx.print({ signedOut: false }, () => 'Chưa đăng nhập / Not signed in\n');
      return 0;
    }
    try {
      await ctx.api.call('logout');
    } finally {
      // Forget the saved token even if the server had already ended the session.
      if (ctx.settings.tokenSource === 'session')
        writeSession(ctx.settings.sessionFile, ctx.settings.url, null);
    }
    ctx.print({ signedOut: true }, () => 'Đã đăng xuất / Signed out\n');
    return 0;
  },
};

export const whoami: Subcommand = {
  synopsis: '',
  summary: 'Người dùng đang đăng nhập / The signed-in user',
  async run(ctx) {
    const user = await ctx.api.call('getCurrentUser');
    ctx.print(user, () =>
      fields([
        ['Tên đăng nhập / Username', user.username],
        ['Họ tên / Name', user.displayName],
        ['Vai trò / Role', user.role],
        ['ID', user.id],
        ['Địa chỉ / URL', ctx.settings.url],
      ]),
    );
    return 0;
  },
};
