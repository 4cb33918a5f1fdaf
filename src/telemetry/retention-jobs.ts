import type { Clock } from '../core/clock.ts';
import type { Config } from '../core/config.ts';
import type { Store } from '../store/port.ts';
import type { Logger } from './logger.ts';
import { archiveDirOf, ensureTransactionPartitions, runRetention } from './retention.ts';
import { runRollups } from './rollups.ts';

const ROLLUP_EVERY_MS = 5 * 60_000;
const DAILY_MS = 24 * 3_600_000;
/** The first daily run waits this long after start, so starting the platform stays quick. */
const FIRST_DAILY_MS = 60_000;

/**
 * The background jobs of retention (issue 5), on every node (each step is safe to run on several at once):
 * every 5 minutes the hours closed since the rollup watermark are rolled up; daily the monthly partitions ahead
 * are created and the months past `retention.transactionDays` are archived, sealed and dropped. The partitions
 * of this month and the next two are ensured at once, before the first record is written. Returns the stopper.
 */
export async function startRetentionJobs(
  store: Store,
  clock: Clock,
  config: Pick<Config, 'dataDir' | 'retention'>,
  logger: Logger,
): Promise<() => Promise<void>> {
  await ensureTransactionPartitions(store, clock.nowMs());
  let running: Promise<unknown> = Promise.resolve();
  const serial = (what: string, job: () => Promise<unknown>) => {
    running = running.then(job).catch((err) => logger.error({ err }, `${what} failed`));
  };
  const rollups = () =>
    serial('transaction rollups', async () => {
      const r = await runRollups(store, clock.nowMs());
      if (r.from) logger.debug({ ...r }, 'transaction rollups computed');
    });
  const daily = () =>
    serial('transaction retention', async () => {
      await ensureTransactionPartitions(store, clock.nowMs());
      const archived = await runRetention(store, {
        retentionDays: config.retention.transactionDays,
        archiveDir: archiveDirOf(config),
        nowMs: clock.nowMs(),
      });
      for (const a of archived) logger.info({ ...a }, 'transaction partition archived and dropped');
    });
  const rollupTimer = setInterval(rollups, ROLLUP_EVERY_MS);
  rollupTimer.unref();
  let dailyTimer: NodeJS.Timeout | null = null;
  const firstDaily = setTimeout(() => {
    daily();
    dailyTimer = setInterval(daily, DAILY_MS);
    dailyTimer.unref();
  }, FIRST_DAILY_MS);
  firstDaily.unref();
  return async () => {
    clearInterval(rollupTimer);
    clearTimeout(firstDaily);
    if (dailyTimer) clearInterval(dailyTimer);
    await running;
  };
}
