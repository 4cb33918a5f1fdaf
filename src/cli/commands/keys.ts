import type { Group } from '../command.ts';
import { callCommand } from '../command-builders.ts';
import { table, time } from '../format.ts';

/**
 * `lgsp keys rotate` (issue 10 item 4): through the admin API like every managing command, since the running
 * gateways must pick the new key up (their snapshot reloads on the change) and the embedded store is theirs.
 */
export const keysCommands: Group = {
  name: 'keys',
  summary: 'Khoá ký token của cổng kết nối / The gateway’s token signing keys',
  subcommands: {
    rotate: callCommand({
      summary:
        'Đổi khoá ký: khoá mới ký mọi token từ nay, khoá cũ vẫn xác minh token đã cấp đến khi chúng hết hạn / ' +
        'Rotate: the new key signs every token from now on, the old ones verify the tokens they signed until those expire',
      send: (ctx) => ctx.api.call('rotateSigningKey', { body: {} }),
      render: (rotation) =>
        `Khoá ký mới / New signing key: ${rotation.kid}\n` +
        table(
          ['kid', 'Thôi ký lúc / Retired', 'Xác minh đến / Verifies until'],
          rotation.keys.map((k) => [
            k.kid,
            k.retiredAt ? time(k.retiredAt) : '— (đang ký / signing)',
            k.verifyUntil ? time(k.verifyUntil) : '—',
          ]),
        ),
    }),
  },
};
