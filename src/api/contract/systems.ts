import { type Static, Type } from '@sinclair/typebox';
import {
  Id,
  Nullable,
  OneOf,
  OptionalText,
  PageQuery,
  Strict,
  Text,
  Timestamp,
  Timestamps,
} from './common.ts';

/** Information systems. */

export const SYSTEM_STATUSES = ['active', 'suspended'] as const;
export const SystemStatusSchema = OneOf(SYSTEM_STATUSES, {
  description: 'suspended: cổng kết nối từ chối mọi lời gọi ngay / the gateway refuses its calls at once',
});

export const SystemCreate = Type.Object(
  {
    organizationId: Id('Cơ quan chủ quản / owning organization'),
    name: Text(300),
    description: OptionalText(2000),
    isProvider: Type.Optional(Type.Boolean({ description: 'Bên cung cấp dịch vụ / provides services' })),
    isConsumer: Type.Optional(Type.Boolean({ description: 'Bên khai thác dịch vụ / consumes services' })),
  },
  Strict,
);
export type SystemCreate = Static<typeof SystemCreate>;

/**
 * mTLS: bind the system to a client certificate — exactly one of: the certificate in PEM (the platform
 * derives and keeps its SHA-256 fingerprint, subject and expiry, and pins the fingerprint), a SHA-256 fingerprint,
 * or a subject that a certificate chaining to the gateway's configured client CA must have. `null` unbinds.
 */
export const ClientCertificateBinding = Type.Object(
  {
    pem: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 65536,
        description: 'Chứng chỉ PEM (-----BEGIN CERTIFICATE-----) / the certificate in PEM',
      }),
    ),
    sha256: Type.Optional(
      Type.String({
        pattern: '^(?:[0-9A-Fa-f]{2}:?){31}[0-9A-Fa-f]{2}$',
        description: 'Dấu vân tay SHA-256 (hex, có hoặc không dấu :) / SHA-256 fingerprint, hex',
      }),
    ),
    subject: Type.Optional(
      Text(
        1000,
        'Subject dưới CA máy khách, ví dụ "C=VN, O=Sở Tư pháp, CN=hs-mot-cua" / subject under the client CA',
      ),
    ),
  },
  { ...Strict, minProperties: 1, maxProperties: 1 },
);
export type ClientCertificateBinding = Static<typeof ClientCertificateBinding>;

export const ClientCertificateSchema = Type.Object({
  sha256: Nullable(Type.String({ description: 'Gắn theo dấu vân tay / pinned fingerprint' })),
  subject: Nullable(Type.String()),
  notAfter: Nullable(Timestamp),
});
export type ClientCertificate = Static<typeof ClientCertificateSchema>;

export const SystemPatch = Type.Object(
  {
    name: Type.Optional(Text(300)),
    description: OptionalText(2000),
    isProvider: Type.Optional(Type.Boolean()),
    isConsumer: Type.Optional(Type.Boolean()),
    status: Type.Optional(SystemStatusSchema),
    clientCertificate: Type.Optional(Nullable(ClientCertificateBinding)),
  },
  { ...Strict, minProperties: 1 },
);
export type SystemPatch = Static<typeof SystemPatch>;

export const SystemQuery = PageQuery(
  { organizationId: Type.Optional(Id('Lọc theo cơ quan')), status: Type.Optional(SystemStatusSchema) },
  {
    searches: 'tên hệ thống, mã cơ quan, mã hệ thống / system name, organization code, system id',
    sortable: ['name', 'organizationCode', 'createdAt'],
  },
);

export const SystemSchema = Type.Object({
  id: Type.String(),
  organizationId: Type.String(),
  organizationCode: Type.String(),
  name: Type.String(),
  description: Nullable(Type.String()),
  isProvider: Type.Boolean(),
  isConsumer: Type.Boolean(),
  status: SystemStatusSchema,
  clientCertificate: Nullable(ClientCertificateSchema),
  ...Timestamps,
});

export type SystemStatus = Static<typeof SystemStatusSchema>;
export type InformationSystem = Static<typeof SystemSchema>;
