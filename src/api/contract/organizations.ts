import { type Static, Type } from '@sinclair/typebox';
import { Id, Nullable, OptionalText, PageQuery, Strict, Text, Timestamps } from './common.ts';

/** Organizations and their contact points. */

export const ContactPointSchema = Type.Object(
  {
    name: Text(200, 'Họ tên cán bộ đầu mối / contact name'),
    title: OptionalText(200, 'Chức vụ / title'),
    unit: OptionalText(300, 'Đơn vị / unit'),
    phone: Type.Optional(Nullable(Type.String({ maxLength: 40, pattern: '^[0-9+() .-]*$' }))),
    email: Type.Optional(Nullable(Type.String({ maxLength: 254, pattern: '^$|^[^@\\s]+@[^@\\s]+$' }))),
  },
  { ...Strict, description: 'Cán bộ đầu mối (R-09) / contact point' },
);

export const OrganizationCreate = Type.Object(
  {
    code: Type.String({
      minLength: 1,
      maxLength: 32,
      description: 'Mã định danh điện tử của cơ quan / official code',
      examples: ['000.00.31.H01'],
    }),
    name: Text(300, 'Tên cơ quan / name'),
    parentId: Type.Optional(Nullable(Id('Cơ quan cấp trên / parent organization'))),
    contact: Type.Optional(Nullable(ContactPointSchema)),
  },
  Strict,
);
export type OrganizationCreate = Static<typeof OrganizationCreate>;

export const OrganizationPatch = Type.Object(
  {
    name: Type.Optional(Text(300)),
    parentId: Type.Optional(Nullable(Id('Cơ quan cấp trên / parent organization'))),
    contact: Type.Optional(Nullable(ContactPointSchema)),
  },
  { ...Strict, minProperties: 1 },
);
export type OrganizationPatch = Static<typeof OrganizationPatch>;

export const OrganizationSchema = Type.Object({
  id: Type.String(),
  code: Type.String(),
  name: Type.String(),
  parentId: Nullable(Type.String()),
  contact: Nullable(
    Type.Object({
      name: Type.String(),
      title: Type.Optional(Nullable(Type.String())),
      unit: Type.Optional(Nullable(Type.String())),
      phone: Type.Optional(Nullable(Type.String())),
      email: Type.Optional(Nullable(Type.String())),
    }),
  ),
  ...Timestamps,
});

export type ContactPoint = Static<typeof ContactPointSchema>;
export type Organization = Static<typeof OrganizationSchema>;

export const OrganizationQuery = PageQuery(
  {},
  { searches: 'mã định danh, tên / official code, name', sortable: ['code', 'name', 'createdAt'] },
);
