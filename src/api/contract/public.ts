import { Type } from '@sinclair/typebox';
import { Nullable } from './common.ts';

/** What the portal reads without login. */

const PublicContactSchema = Type.Object({
  name: Type.String(),
  title: Nullable(Type.String()),
  unit: Nullable(Type.String()),
  phone: Nullable(Type.String()),
  email: Nullable(Type.String()),
});

export const PublicOrganizationSchema = Type.Object({
  code: Type.String({ description: 'Mã định danh cơ quan / official code' }),
  name: Type.String(),
  contact: Type.Union([PublicContactSchema, Type.Null()]),
});

export const PublicServiceSchema = Type.Object({
  context: Type.String(),
  name: Type.String(),
  provider: Type.Object({
    organizationCode: Type.String(),
    organizationName: Type.String(),
    systemName: Type.String(),
  }),
  description: Type.Record(Type.String(), Type.String(), {
    description: 'Mô tả kỹ thuật R-11 / technical description',
  }),
  decommissionAt: Nullable(Type.String({ format: 'date-time' })),
  versions: Type.Array(
    Type.Object({
      version: Type.String(),
      protocol: Type.String(),
      status: Type.String({ description: 'published | deprecated' }),
      path: Type.String({ description: '/{context}/{version}' }),
      sunsetAt: Nullable(Type.String({ format: 'date-time' })),
      resources: Type.Array(Type.Object({ method: Type.String(), path: Type.String() })),
    }),
  ),
});
