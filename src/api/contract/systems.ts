import { type Static, Type } from '@sinclair/typebox';
import { Id, Nullable, OneOf, OptionalText, Strict, Text, Timestamps } from './common.ts';

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

export const SystemPatch = Type.Object(
  {
    name: Type.Optional(Text(300)),
    description: OptionalText(2000),
    isProvider: Type.Optional(Type.Boolean()),
    isConsumer: Type.Optional(Type.Boolean()),
    status: Type.Optional(SystemStatusSchema),
  },
  { ...Strict, minProperties: 1 },
);
export type SystemPatch = Static<typeof SystemPatch>;

export const SystemQuery = Type.Object({ organizationId: Type.Optional(Id('Lọc theo cơ quan')) }, Strict);

export const SystemSchema = Type.Object({
  id: Type.String(),
  organizationId: Type.String(),
  organizationCode: Type.String(),
  name: Type.String(),
  description: Nullable(Type.String()),
  isProvider: Type.Boolean(),
  isConsumer: Type.Boolean(),
  status: SystemStatusSchema,
  ...Timestamps,
});

export type SystemStatus = Static<typeof SystemStatusSchema>;
export type InformationSystem = Static<typeof SystemSchema>;
