import type { Logger } from 'pino';
import type { SnapshotData } from '../control/snapshot.ts';
import type { Clock } from '../core/clock.ts';
import { type CompiledSnapshot, compileSnapshot } from './compiled-snapshot.ts';

/**
 * Holds the gateway's current immutable snapshot and swaps in newer ones. The source says which revision is
 * current (cheap) and loads the data (only when the revision moved): from the store in the process that owns it.
 * Refreshes are triggered by in-process change notifications, by the revisions PostgreSQL announces to every node
 * (`heard`, issue 13 item 2: LISTEN/NOTIFY, milliseconds) and by a poll as the fallback, so a change reaches every
 * node within one poll interval (500 ms by default) at worst — R-19/R-21 "revoked at once".
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
  /** The newest revision this node knows exists (announced or read), and since when it lags behind it. */
  private latest = 0;
  private behindSinceMs: number | null = null;
  /** When the source last answered, and whether its last attempt failed (the store unreachable). */
  private checkedAtMs: number | null = null;
  private sourceFailing = false;

  constructor(
    private readonly source: SnapshotSource | null,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  get revision(): number {
    return this.current?.revision ?? 0;
  }

  /**
   * How far behind the store this node is (issue 13 item 1, /healthz): revisions known but not installed yet, for
   * how long, and when the store last answered (a store that does not answer leaves the node on its snapshot).
   */
  lag(nowMs: number): {
    latestRevision: number;
    behindRevisions: number;
    behindMs: number;
    sourceAnsweredAgoMs: number | null;
    sourceReachable: boolean;
  } {
    const behind = Math.max(0, this.latest - this.revision);
    return {
      latestRevision: Math.max(this.latest, this.revision),
      behindRevisions: behind,
      behindMs: behind > 0 && this.behindSinceMs !== null ? nowMs - this.behindSinceMs : 0,
      sourceAnsweredAgoMs: this.checkedAtMs === null ? null : nowMs - this.checkedAtMs,
      sourceReachable: !this.sourceFailing,
    };
  }

  /** A revision announced by the store (0: "something may have changed", after a lost session): load it now. */
  heard(revision: number): Promise<void> {
    this.know(revision);
    return this.refresh();
  }

  private know(revision: number): void {
    if (revision > this.latest) this.latest = revision;
    if (this.latest > this.revision) this.behindSinceMs ??= this.clock.nowMs();
    else this.behindSinceMs = null;
  }

  /**
   * Installs snapshot data pushed from elsewhere (a gateway worker gets it from its primary); `replace` installs it
   * at the revision already held too (`reload`: the same rows, built anew).
   */
  async install(data: SnapshotData, replace = false): Promise<void> {
    if (
      this.current &&
      (replace ? data.revision < this.current.revision : data.revision <= this.current.revision)
    )
      return;
    this.current = await compileSnapshot(data, this.clock.nowMs());
    this.currentData = data;
    this.know(data.revision);
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
          this.checkedAtMs = this.clock.nowMs();
          if (this.sourceFailing)
            this.logger.info('nguồn bản cấu hình trả lời trở lại / snapshot source answers again');
          this.sourceFailing = false;
          this.know(revision);
          if (this.current && revision <= this.current.revision) continue;
          await this.install(await this.source.load());
        } catch (err) {
          // Said once per outage: a poll every 500 ms must not flood the log while the store is away.
          if (!this.sourceFailing)
            this.logger.error(
              { err },
              'không làm mới được bản cấu hình; giữ bản cấu hình đang dùng / snapshot refresh failed; keeping the current snapshot',
            );
          this.sourceFailing = true;
        }
      } while (this.again);
    })().finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  /**
   * Loads the source's snapshot again at the revision held, and installs it: what a snapshot is built from outside
   * the store changed — the gateway's address, known once it listens (platform.ts). A refresh in flight ends first,
   * so no load begun before the change is installed after this one.
   */
  async reload(): Promise<void> {
    await this.refresh();
    if (!this.source) return;
    await this.install(await this.source.load(), true);
  }

  startPolling(intervalMs: number): void {
    this.timer = setInterval(() => void this.refresh(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
