import type { Clock } from '../core/clock.ts';
import type { Config } from '../core/config.ts';
import type { PeriodicJobs } from '../store/leases.ts';
import type { Store } from '../store/port.ts';
import type { Logger } from './logger.ts';
import { archiveDirOf, ensureTransactionPartitions, pruneSignIns, runRetention } from './retention.ts';
import { runRollups } from './rollups.ts';

const ROLLUP_EVERY_MS = 5 * 60_000;
const DAILY_MS = 24 * 3_600_000;
/** The first daily run waits this long after start, so starting the platform stays quick. */
const FIRST_DAILY_MS = 60_000;

/**
 * The background jobs of retention (issue 5), each run by one node of the cluster at a time (issue 13 item 4, its
 * job lease): every 5 minutes the hours closed since the rollup watermark are rolled up; daily the monthly
 * partitions ahead are created and the months past `retention.transactionDays` are archived, sealed and dropped,
 * and the sign-in history older than the same period is deleted.
 * The partitions of this month and the next two are ensured at once on every node that writes records, before the
 * first record is written (creating them is safe on several nodes at once).
 */
export async function startRetentionJobs(
  store: Store,
  clock: Clock,
  config: Pick<Config, 'dataDir' | 'retention'>,
  logger: Logger,
  /** The node's periodic jobs (the platform's `PeriodicJobs`); null on a node that runs none. */
  jobs: Pick<PeriodicJobs, 'every'> | null,
): Promise<void> {
  await ensureTransactionPartitions(store, clock.nowMs());
  if (!jobs) return;
  jobs.every('transaction-rollups', { everyMs: ROLLUP_EVERY_MS }, async () => {
    const r = await runRollups(store, clock.nowMs());
    if (r.from) logger.debug({ ...r }, 'đã tính số liệu tổng hợp giao dịch / transaction rollups computed');
  });
  jobs.every('transaction-retention', { everyMs: DAILY_MS, firstAfterMs: FIRST_DAILY_MS }, async () => {
    await ensureTransactionPartitions(store, clock.nowMs());
    const archived = await runRetention(store, {
      retentionDays: config.retention.transactionDays,
      archiveDir: archiveDirOf(config),
      nowMs: clock.nowMs(),
    });
    for (const a of archived)
      logger.info(
        { ...a },
        'đã lưu trữ và xoá phân vùng giao dịch / transaction partition archived and dropped',
      );
    // The sign-in history is kept as long, then deleted.
    const signIns = await pruneSignIns(store, {
      retentionDays: config.retention.transactionDays,
      nowMs: clock.nowMs(),
    });
    if (signIns > 0)
      logger.info({ deleted: signIns }, 'đã xoá lịch sử đăng nhập quá hạn / expired sign-in history deleted');
  });
}
