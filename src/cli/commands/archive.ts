import type { ArchiveVerifyResult } from '../../telemetry/retention.ts';
import { str, textOptions } from '../args.ts';
import type { Context, Group } from '../command.ts';
import { count } from '../format.ts';
import { openPlatformStore } from '../platform-store.ts';

export const archiveCommands: Group = {
  name: 'archive',
  summary: 'Tệp lưu trữ bản ghi giao dịch đã hết hạn (R-20) / Archives of expired transaction records',
  subcommands: {
    verify: {
      synopsis: '[--dir <thư mục/dir>]',
      summary:
        'Kiểm tra mã băm từng tệp lưu trữ và chuỗi niêm phong, đọc thẳng kho dữ liệu (không qua API) / ' +
        'Re-hash every archive file and walk the sealing chain, reading the store itself (not the API)',
      options: textOptions('dir'),
      run: verifyOffline,
    },
  },
};

/**
 * `lgsp archive verify`, offline like `lgsp audit verify` (platform-store.ts): re-hashes each archive file
 * in `--dir` (default: `retention.archiveDir`, else `<dataDir>/archives`) and walks the chain of
 * `transaction_archives`. Exit 0 when everything holds, 1 with every broken entry or file named.
 */
async function verifyOffline(ctx: Context): Promise<number> {
  const opened = await openPlatformStore(ctx);
  if (typeof opened === 'number') return opened;
  const { config, store } = opened;
  const { archiveDirOf, verifyArchives } = await import('../../telemetry/retention.ts');
  const dir = str(ctx.values, 'dir') ?? archiveDirOf(config);
  let result: ArchiveVerifyResult;
  try {
    result = await verifyArchives(store, dir);
  } finally {
    await store.close();
  }
  ctx.print(result, () => {
    if (result.ok) {
      return (
        `Tệp lưu trữ nguyên vẹn / Archives intact: ${count(result.count)} tệp/files (${dir})\n` +
        (result.lastHash ? `  Mã băm cuối / Last hash: ${result.lastHash}\n` : '')
      );
    }
    const lines = result.problems.map(
      (p) => `  #${p.seq} ${p.partition} (${p.fileName}) [${p.kind}]: ${p.reason}`,
    );
    return `Tệp lưu trữ bị hỏng / Archives broken (${result.problems.length}):\n${lines.join('\n')}\n`;
  });
  return result.ok ? 0 : 1;
}
