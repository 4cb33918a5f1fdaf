import { type Static, Type } from '@sinclair/typebox';
import { Id, KeysetCursor, Nullable, Strict, Timestamp } from './common.ts';

/** The audit trail and its hash chain. */

/**
 * The audit trail grows for as long as the platform runs, so it pages by keyset like the transaction log (newest
 * first, `cursor` = the previous page's `nextCursor`) and answers no `total` (issue 11, docs/api-lists.md).
 */
export const AuditQuery = Type.Object(
  {
    objectId: Type.Optional(Id('Lọc theo đối tượng / object id')),
    objectType: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 100,
        description: 'Loại đối tượng / object type',
        examples: ['system'],
      }),
    ),
    action: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 100,
        description: 'Hành động / action',
        examples: ['credential.revoke'],
      }),
    ),
    actor: Type.Optional(Id('Mã người thực hiện / user id')),
    from: Type.Optional(
      Type.String({ format: 'date-time', description: 'Từ thời điểm (gồm) / from, inclusive' }),
    ),
    to: Type.Optional(
      Type.String({ format: 'date-time', description: 'Đến thời điểm (không gồm) / to, exclusive' }),
    ),
    limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
    cursor: KeysetCursor,
  },
  Strict,
);

export const AuditEventSchema = Type.Object({
  id: Type.String(),
  at: Timestamp,
  actor: Type.String({ description: 'Mã người dùng thực hiện / user id' }),
  actorUsername: Nullable(
    Type.String({
      description:
        "Tên đăng nhập của người thực hiện; null với tác vụ của nền tảng (system:…) / the actor's username; " +
        "null for the platform's own jobs (system:…)",
      examples: ['admin'],
    }),
  ),
  action: Type.String({ examples: ['credential.revoke'] }),
  objectType: Type.String(),
  objectId: Type.String(),
  details: Type.Object({}, { additionalProperties: true }),
  revision: Type.Integer({ description: 'Phiên bản cấu hình sau thay đổi / config revision' }),
});

export const AuditPageSchema = Type.Object({
  items: Type.Array(AuditEventSchema),
  nextCursor: Nullable(Type.String({ description: 'null: trang cuối / the last page' })),
});

// ── Audit chain ──────────────────────────────────────────────────────────────────────────────────────

export const AuditChainResultSchema = Type.Union([
  Type.Object({
    ok: Type.Literal(true),
    count: Type.Integer({ description: 'Số sự kiện đã kiểm / events checked' }),
    lastHash: Nullable(
      Type.String({
        description:
          'Mã băm của sự kiện cuối: ghi lại ở nơi khác để phát hiện việc viết lại cả chuỗi / ' +
          'hash of the last event: keep it elsewhere to catch a rewrite of the whole chain',
      }),
    ),
  }),
  Type.Object({
    ok: Type.Literal(false),
    count: Type.Integer({
      description: 'Số sự kiện nguyên vẹn trước chỗ hỏng / intact events before the break',
    }),
    brokenAt: Type.Object({
      seq: Type.Integer({ description: 'Số thứ tự trong chuỗi / position in the chain' }),
      id: Type.String({
        description:
          'Mã sự kiện; rỗng khi mất các sự kiện mới nhất / event id; empty when the newest are missing',
      }),
      reason: Type.String(),
    }),
  }),
]);
export type AuditChainResultSchema = Static<typeof AuditChainResultSchema>;
