import { type Static, Type } from '@sinclair/typebox';
import { AnyObject } from './common.ts';

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
