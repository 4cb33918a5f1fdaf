import type { Kysely } from 'kysely';
import { GENESIS_HASH } from '../core/hashing.ts';
import type { Store } from '../store/port.ts';
import { type AuditDatabase, auditEventHash, auditRowContent } from './audit.ts';

/** Where the chain first breaks: the row found wrong, and why (Vietnamese / English). */
export interface AuditChainBreak {
  seq: number;
  /** The id of that row; '' when what is missing is the newest events themselves. */
  id: string;
  reason: string;
}

export type AuditChainResult =
  | { ok: true; count: number; lastHash: string | null }
  /** `count`: the events found intact before the break. */
  | { ok: false; count: number; brokenAt: AuditChainBreak };

const PAGE = 1000;

/**
 * Checks the hash chain of the audit trail (R-20; written by `recordChange` in audit.ts): walks every event in
 * `seq` order, a page at a time, and reports the first that does not hold —
 * - a row whose content was changed: that row (its hash no longer matches);
 * - a deleted row: the row after the gap (its seq skips);
 * - a changed hash: that row, or the next one (whose prev_hash no longer matches);
 * - the newest rows deleted: the config revision is ahead of the last event, since every change writes one.
 * Only reads, outside any transaction, so on the embedded store it never holds the one connection for long.
 * An intact chain's `lastHash` stands for the whole trail: note it somewhere else to catch a rewrite later.
 */
export async function verifyAuditChain(store: Pick<Store, 'db'>): Promise<AuditChainResult> {
  const db = store.db as unknown as Kysely<AuditDatabase>;
  // Read before the walk: every revision committed by now has its event committed with it (same transaction).
  const { revision } = await db
    .selectFrom('config_state')
    .select('revision')
    .where('id', '=', 1)
    .executeTakeFirstOrThrow();

  let count = 0;
  let prev: { seq: number; hash: string } | null = null;
  let lastRevision = 0;
  for (;;) {
    let q = db
      .selectFrom('audit_events')
      .select([
        'id',
        'at',
        'actor',
        'action',
        'object_type',
        'object_id',
        'details',
        'revision',
        'seq',
        'prev_hash',
        'hash',
      ])
      .orderBy('seq')
      .limit(PAGE);
    if (prev) q = q.where('seq', '>', prev.seq);
    const rows = await q.execute();
    for (const row of rows) {
      const content = auditRowContent(row);
      const broken = (reason: string): AuditChainResult => ({
        ok: false,
        count,
        brokenAt: { seq: content.seq, id: row.id, reason },
      });
      const expectedSeq: number = prev ? prev.seq + 1 : 1;
      if (content.seq > expectedSeq) {
        const missing =
          content.seq === expectedSeq + 1 ? `#${expectedSeq}` : `#${expectedSeq}–#${content.seq - 1}`;
        return broken(
          `thiếu sự kiện ${missing} ngay trước sự kiện này (đã bị xoá?) / event ${missing} just before it is missing (deleted?)`,
        );
      }
      if (content.seq !== expectedSeq) {
        return broken(`số thứ tự sai, cần #${expectedSeq} / wrong sequence number, expected #${expectedSeq}`);
      }
      if (row.hash === null || row.prev_hash === null) {
        return broken(
          'không có mã băm (chưa niêm phong hoặc đã bị xoá) / no hash (never sealed, or removed)',
        );
      }
      const expectedPrev: string = prev ? prev.hash : GENESIS_HASH;
      if (row.prev_hash !== expectedPrev) {
        return broken(
          prev
            ? `prev_hash không khớp mã băm của #${prev.seq} / prev_hash does not match the hash of #${prev.seq}`
            : 'prev_hash của sự kiện đầu tiên phải là giá trị khởi đầu / the first event must link to the genesis value',
        );
      }
      if (auditEventHash(row.prev_hash, content) !== row.hash) {
        return broken(
          'nội dung không khớp mã băm (đã bị sửa sau khi ghi) / content does not match its hash (changed after it was written)',
        );
      }
      count++;
      prev = { seq: content.seq, hash: row.hash };
      lastRevision = Math.max(lastRevision, content.revision);
    }
    if (rows.length < PAGE) break;
  }
  // Revision 1 is the empty configuration; each later one was produced by a change that wrote its event.
  if (Number(revision) > 1 && lastRevision < Number(revision)) {
    return {
      ok: false,
      count,
      brokenAt: {
        seq: (prev?.seq ?? 0) + 1,
        id: '',
        reason:
          `phiên bản cấu hình ${revision} không có sự kiện nào — các sự kiện mới nhất đã bị xoá? / ` +
          `config revision ${revision} has no audit event: were the newest events deleted?`,
      },
    };
  }
  return { ok: true, count, lastHash: prev?.hash ?? null };
}
