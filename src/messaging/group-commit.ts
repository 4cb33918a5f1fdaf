/**
 * Group commit: callers hand in items one by one; while one batch is being written, the next ones gather, and are
 * written together as soon as it finishes. Each caller gets its own item's result. Under load a single-session
 * store (PGlite) then pays one round trip per batch instead of one per message; with no load, an item is written
 * at once, alone.
 */
export class GroupCommit<T, R> {
  private waiting: Array<{ item: T; resolve: (r: R) => void; reject: (e: unknown) => void }> = [];
  private writing = false;

  /** `write` answers one result per item, in order (an Error for an item that failed on its own). */
  constructor(
    private readonly write: (items: T[]) => Promise<Array<R | Error>>,
    private readonly maxBatch = 256,
  ) {}

  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      if (!this.writing) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.writing = true;
    while (this.waiting.length > 0) {
      const batch = this.waiting.splice(0, this.maxBatch);
      try {
        const results = await this.write(batch.map((b) => b.item));
        batch.forEach((b, i) => {
          const r = results[i];
          if (r instanceof Error) b.reject(r);
          else b.resolve(r as R);
        });
      } catch (err) {
        for (const b of batch) b.reject(err);
      }
    }
    this.writing = false;
  }
}
