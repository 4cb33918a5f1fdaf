import { type Static, Type } from '@sinclair/typebox';
import { Id, Nullable, OneOf, OptionalText, PageQuery, Strict, Text, Timestamps } from './common.ts';
import { PLATFORM_PARTIES } from './sandbox-try.ts';

/** Organizations and their contact points. */

/**
 * The contact point an organization is given: a name and an e-mail at least, because the notices of R-21 and
 * R-24 and the platform's alerts reach an organization there — an organization without one hears of nothing. Every
 * create names one, and an update of the contact point keeps an e-mail (docs/console-operator.md). Organizations
 * made before this rule may still lack it: they are read as they are and listed with `contact=missing`.
 */
export const ContactPointSchema = Type.Object(
  {
    name: Text(200, 'Họ tên cán bộ đầu mối / contact name'),
    title: OptionalText(200, 'Chức vụ / title'),
    unit: OptionalText(300, 'Đơn vị / unit'),
    phone: Type.Optional(Nullable(Type.String({ maxLength: 40, pattern: '^[0-9+() .-]*$' }))),
    email: Type.String({
      minLength: 3,
      maxLength: 254,
      pattern: '^[^@\\s]+@[^@\\s]+$',
      description:
        'Thư điện tử của cán bộ đầu mối, nơi nhận thông báo và cảnh báo / e-mail where notices and alerts go',
    }),
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
    contact: ContactPointSchema,
  },
  Strict,
);
export type OrganizationCreate = Static<typeof OrganizationCreate>;

export const OrganizationPatch = Type.Object(
  {
    name: Type.Optional(Text(300)),
    parentId: Type.Optional(Nullable(Id('Cơ quan cấp trên / parent organization'))),
    contact: Type.Optional(ContactPointSchema),
  },
  { ...Strict, minProperties: 1 },
);
export type OrganizationPatch = Static<typeof OrganizationPatch>;

/**
 * agency: a state agency (or one of the platform's own parties) · platform: a peer platform — NDXP, another LGSP —
 * whose organization its registration made (docs/federation.md), no agency.
 */
export const ORGANIZATION_KINDS = ['agency', 'platform'] as const;

export const OrganizationSchema = Type.Object({
  id: Type.String(),
  code: Type.String(),
  name: Type.String(),
  kind: OneOf(ORGANIZATION_KINDS, {
    description:
      'agency: cơ quan nhà nước · platform: nền tảng ngang hàng (NDXP, LGSP khác), do đăng ký nền tảng tạo / a ' +
      'state agency · a peer platform (NDXP, another LGSP), made by its registration',
  }),
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

export type Organization = Static<typeof OrganizationSchema>;
/** A contact point as stored and read: one made before the e-mail was required may have none. */
export type ContactPoint = NonNullable<Organization['contact']>;
/** A contact point as given on create or update: a name and an e-mail at least. */
export type ContactPointInput = Static<typeof ContactPointSchema>;

/**
 * Whether notices and alerts can reach an organization: it has a contact e-mail, or it is no agency —
 * one of the platform's own parties (its sandbox tester, its category provider) or a peer platform (`kind`
 * 'platform', whose side hears of changes as a platform does: the public notices, Deprecation/Sunset on each call;
 * docs/federation.md). The console and the CLI flag the others; `contact=missing` lists them.
 */
export function contactReachable(o: Pick<Organization, 'code' | 'contact' | 'kind'>): boolean {
  return Boolean(o.contact?.email) || o.kind === 'platform' || o.code in PLATFORM_PARTIES;
}

export const OrganizationQuery = PageQuery(
  {
    contact: Type.Optional(
      OneOf(['missing'], {
        description:
          'missing: chỉ cơ quan chưa có e-mail đầu mối (trừ các bên của nền tảng và nền tảng ngang hàng) / only ' +
          "organizations without a contact e-mail (the platform's own parties and peer platforms aside)",
      }),
    ),
  },
  { searches: 'mã định danh, tên / official code, name', sortable: ['code', 'name', 'createdAt'] },
);
