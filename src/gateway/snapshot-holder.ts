import type { Logger } from 'pino';
import type { SnapshotData } from '../control/snapshot.ts';
import type { Clock } from '../core/clock.ts';
import { type CompiledSnapshot, compileSnapshot } from './compiled-snapshot.ts';

/**
 * Holds the gateway's current immutable snapshot and swaps in newer ones. The source says which revision is
 * current (cheap) and loads the data (only when the revision moved): from the store in the process that owns it.
 * Refreshes are triggered by in-process change notifications and by a poll as the fallback, so a change reaches
 * every node within one poll interval (500 ms by default) — R-19/R-21 "revoked at once".
 */
export interface SnapshotSource {
  revision(): Promise<number>;
  load(): Promise<SnapshotData>;
}

export class SnapshotHolder {
  current: CompiledSnapshot | null = null;
  /** The data behind `current`, to pass on to gateway worker processes. */
  currentData: SnapshotData | null = null;
  private readonly installed = new Set<(data: SnapshotData) => void>();
  private refreshing: Promise<void> | null = null;
  private again = false;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly source: SnapshotSource | null,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  get revision(): number {
    return this.current?.revision ?? 0;
  }

  /** Installs snapshot data pushed from elsewhere (a gateway worker gets it from its primary). */
  async install(data: SnapshotData): Promise<void> {
    if (this.current && data.revision <= this.current.revision) return;
    this.current = await compileSnapshot(data, this.clock.nowMs());
    this.currentData = data;
    for (const listener of this.installed) listener(data);
  }

  /** Called with each newly installed snapshot. */
  onInstall(listener: (data: SnapshotData) => void): void {
    this.installed.add(listener);
  }

  /** Loads the source's snapshot if its revision is newer; concurrent calls coalesce into one more load. */
  refresh(): Promise<void> {
    if (this.refreshing) {
      this.again = true;
      return this.refreshing;
    }
    this.refreshing = (async () => {
      do {
        this.again = false;
        try {
          if (!this.source) return;
          const revision = await this.source.revision();
          if (this.current && revision <= this.current.revision) continue;
          await this.install(await this.source.load());
        } catch (err) {
          this.logger.error({ err }, 'snapshot refresh failed; keeping the current snapshot');
        }
      } while (this.again);
    })().finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  startPolling(intervalMs: number): void {
    this.timer = setInterval(() => void this.refresh(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
