import { type Static, Type } from '@sinclair/typebox';
import { Id, Nullable, Strict, Timestamp } from './common.ts';

/** The audit trail and its hash chain. */

export const AuditQuery = Type.Object(
  {
    objectId: Type.Optional(Id('Lọc theo đối tượng / object id')),
    limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
  },
  Strict,
);

export const AuditEventSchema = Type.Object({
  id: Type.String(),
  at: Timestamp,
  actor: Type.String({ description: 'Mã người dùng thực hiện / user id' }),
  action: Type.String({ examples: ['credential.revoke'] }),
  objectType: Type.String(),
  objectId: Type.String(),
  details: Type.Object({}, { additionalProperties: true }),
  revision: Type.Integer({ description: 'Phiên bản cấu hình sau thay đổi / config revision' }),
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
