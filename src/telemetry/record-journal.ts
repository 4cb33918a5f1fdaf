import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { TransactionRecord } from './record.ts';

/**
 * The node's local journal of transaction records (issue 13 item 5, strict durability): where a record becomes
 * durable when the store cannot take it — PostgreSQL down or too slow — so that the gateway keeps answering from its
 * snapshot (item 7) without releasing an answer whose record could be lost. Records hold no payload: ids,
 * parties, sizes, hashes and times, one JSON line each, fsynced before the answer goes.
 *
 * Appends go to `open.jsonl`; shipping renames it to `shipping-<time>.jsonl` first (so appends carry on into a new
 * file), writes it to the store — `insertTransactions` ignores ids already there, so a file shipped twice, or a
 * record the store took after all, is harmless — then deletes it. A node that died with a journal ships it when it
 * starts again.
 */
export class RecordJournal {
  private ready: Promise<void> | null = null;
  /** Appends in order, one at a time: each is written and fsynced before the next starts. */
  private appending: Promise<void> = Promise.resolve();
  /** Records appended and not yet shipped, for /healthz and the decision to ship. */
  pending = 0;

  constructor(private readonly dir: string) {}

  private get openFile(): string {
    return join(this.dir, 'open.jsonl');
  }

  /** Appends the records and fsyncs the file: once this resolves they survive the process and the machine. */
  append(records: TransactionRecord[]): Promise<void> {
    const lines = `${records.map((r) => JSON.stringify(r)).join('\n')}\n`;
    const done = this.appending.then(async () => {
      this.ready ??= mkdir(this.dir, { recursive: true }).then(() => undefined);
      await this.ready;
      const file = await open(this.openFile, 'a', 0o600);
      try {
        await file.appendFile(lines);
        await file.datasync();
      } finally {
        await file.close();
      }
      this.pending += records.length;
    });
    this.appending = done.catch(() => undefined);
    return done;
  }

  /**
   * Writes every journaled record to the store with `write`, file by file, deleting each file once written; stops
   * at the first failure (the file stays for the next try). Resolves the number of records shipped.
   */
  async ship(write: (records: TransactionRecord[]) => Promise<void>, batchSize: number): Promise<number> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return 0; // no journal yet
    }
    if (names.includes('open.jsonl')) {
      // Appends wait for this rename, so no record is split between the two files.
      const renamed = this.appending.then(() =>
        rename(this.openFile, join(this.dir, `shipping-${Date.now()}.jsonl`)).catch(() => undefined),
      );
      this.appending = renamed;
      await renamed;
      names = await readdir(this.dir);
    }
    let shipped = 0;
    for (const name of names.filter((n) => n.startsWith('shipping-')).sort()) {
      const path = join(this.dir, name);
      const records = (await readFile(path, 'utf8'))
        .split('\n')
        .filter((line) => line.length > 0)
        .flatMap((line) => {
          try {
            return [JSON.parse(line) as TransactionRecord];
          } catch {
            return []; // a line cut short by a crash mid-append was never acknowledged to anyone
          }
        });
      for (let i = 0; i < records.length; i += batchSize) await write(records.slice(i, i + batchSize));
      await rm(path, { force: true });
      shipped += records.length;
    }
    this.pending = Math.max(0, this.pending - shipped);
    return shipped;
  }
}
