import { type Static, Type } from '@sinclair/typebox';
import { EnvironmentSchema, Id, Nullable, OneOf, PageQuery, Strict, Timestamp } from './common.ts';

/** Credentials: consumer key and secret. */

export const CredentialIssue = Type.Object({ environment: EnvironmentSchema }, Strict);
export type CredentialIssue = Static<typeof CredentialIssue>;

export const CredentialRevoke = Type.Object(
  { reason: Type.Optional(Type.String({ maxLength: 500, description: 'Lý do thu hồi / reason' })) },
  Strict,
);
export type CredentialRevoke = Static<typeof CredentialRevoke>;

export const CREDENTIAL_STATUSES = ['active', 'revoked'] as const;
export const CredentialStatusSchema = OneOf(CREDENTIAL_STATUSES);

export const CredentialQuery = PageQuery(
  {
    systemId: Type.Optional(Id('Lọc theo hệ thống')),
    status: Type.Optional(CredentialStatusSchema),
    environment: Type.Optional(EnvironmentSchema),
  },
  {
    searches: 'consumer key (hoặc phần đầu), tên hệ thống / consumer key (or its start), system name',
    sortable: ['createdAt', 'status'],
  },
);

const credentialFields = {
  id: Type.String(),
  systemId: Type.String(),
  environment: EnvironmentSchema,
  consumerKey: Type.String({ description: 'Consumer key (công khai / public)' }),
  status: CredentialStatusSchema,
  createdAt: Timestamp,
  revokedAt: Nullable(Timestamp),
  expiresAt: Nullable(Timestamp),
  replacedBy: Nullable(Type.String()),
};

export const CredentialSchema = Type.Object(credentialFields, { additionalProperties: false });

export const IssuedCredentialSchema = Type.Object(
  {
    ...credentialFields,
    consumerSecret: Type.String({
      description: 'Secret key: chỉ hiển thị MỘT lần, không lưu lại được / shown ONCE, never again (R-25)',
    }),
  },
  { additionalProperties: false },
);

export type CredentialStatus = Static<typeof CredentialStatusSchema>;
/** A rotated credential works until `expiresAt` (the overlap), then stops. */
export type Credential = Static<typeof CredentialSchema>;
/** Returned once, when a credential is issued; the secret is never shown again. */
export type IssuedCredential = Static<typeof IssuedCredentialSchema>;
