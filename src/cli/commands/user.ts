import { type OperationResponse, ROLES } from '../../api/contract/index.ts';
import { isOneOf, required, str, textOptions, UsageError } from '../args.ts';
import type { Context, Group } from '../command.ts';
import { callCommand, headed, pagedListCommand } from '../command-builders.ts';
import { fields } from '../format.ts';
import { readAll, readHidden } from '../io.ts';

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

export const userCommands: Group = {
  name: 'user',
  summary: 'Người dùng và vai trò / Users and roles',
  subcommands: {
    list: pagedListCommand({
      synopsis: '[--role <vai trò>] [--org <id>]',
      summary: 'Danh sách người dùng (không bao giờ có mật khẩu) / List users (never a password)',
      filters: { role: 'role', org: 'organizationId' },
      send: (ctx, query) => ctx.api.call('listUsers', { query }),
      headers: [
        'ID',
        'Tên đăng nhập / Username',
        'Họ tên / Name',
        'Vai trò / Role',
        'Cơ quan / Organization',
      ],
      row: (u) => [u.id, u.username, u.displayName, u.role, u.organizationId],
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
      synopsis: `--username <tên> --display-name <họ tên> --role ${ROLES.join('|')} [--org <id>] [--password-stdin]`,
      summary:
        'Thêm người dùng; vai trò agency cần --org / Create a user; role agency needs --org\n' +
        '      (mật khẩu ≥ 10 ký tự được hỏi không hiện chữ, hoặc đọc từ stdin với --password-stdin /\n' +
        '       the password, ≥ 10 characters, is prompted without echo, or read from stdin with --password-stdin)',
      options: {
        ...textOptions('username', 'display-name', 'role', 'org'),
        'password-stdin': { type: 'boolean' },
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
          body: { username, displayName, password, role, organizationId: str(ctx.values, 'org') ?? null },
        });
      },
      render: headed('Đã thêm người dùng / User created', showUser),
    }),
  },
};
