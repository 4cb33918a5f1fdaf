import { type Static, Type } from '@sinclair/typebox';
import { AnyObject, Nullable, Timestamp } from './common.ts';

/** The node's health (GET /healthz): its shape belongs to the platform that reports it, so it is open. */
export const HealthSchema = AnyObject;

/** The public token signing keys (RFC 7517), for peers that verify our gateway's tokens. */
export const JwksSchema = Type.Object({ keys: Type.Array(AnyObject) });

/** One token signing key, as rotation reports it: never its private part. */
export const SigningKeySchema = Type.Object({
  kid: Type.String(),
  retiredAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
    description: 'Thôi ký token lúc / stopped signing at; null: khoá đang ký / the signing key',
  }),
  verifyUntil: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
    description:
      'Còn trong JWKS, xác minh token đã ký, đến / stays in JWKS, verifying the tokens it signed, until; then deleted',
  }),
});
/** The result of `lgsp keys rotate`: the new signing key's kid, and every key the store still holds. */
export const SigningKeyRotationSchema = Type.Object({
  kid: Type.String(),
  keys: Type.Array(SigningKeySchema),
});
export type SigningKeyRotation = Static<typeof SigningKeyRotationSchema>;

/**
 * R-24's scheduled backups as the console shows them (issue 11 "backup status"): the setting, and the verified
 * files in the backup folder as this node sees it — a scheduled backup is only kept once it has read back whole.
 */
export const BackupStatusSchema = Type.Object({
  schedule: Nullable(
    Type.String({ description: 'backup.schedule (`6h`, `1d`…); null: tắt / off', examples: ['1d'] }),
  ),
  keep: Type.Integer({ description: 'backup.keep: số bản giữ lại / copies kept' }),
  dir: Type.String({ description: 'Thư mục sao lưu tự động / where scheduled backups go' }),
  count: Type.Integer({ description: 'Số bản sao lưu tự động đang có / scheduled backups present' }),
  newest: Nullable(
    Type.Object({
      file: Type.String({ examples: ['lgsp-backup-20261204T193000Z.jsonl.gz'] }),
      at: Timestamp,
      bytes: Type.Integer(),
    }),
  ),
  nextDueAt: Nullable(
    Type.String({
      format: 'date-time',
      description:
        'Bản tiếp theo đến hạn lúc (bản mới nhất + chu kỳ); null khi tắt / the next is due at; null when off',
    }),
  ),
});
export type BackupStatus = Static<typeof BackupStatusSchema>;
