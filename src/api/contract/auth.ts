import { type Static, Type } from '@sinclair/typebox';
import { Id, Nullable, OneOf, PageQuery, Strict, Text, Timestamp } from './common.ts';

/** Users, roles and sign-in (issue 3). */

export const LoginBody = Type.Object({ username: Text(100), password: Text(1000) }, Strict);
export type LoginBody = Static<typeof LoginBody>;

/** The roles of people (issue 3); an agency user acts only for its own organization. */
export const ROLES = ['operator_admin', 'operator_reviewer', 'auditor', 'agency'] as const;
export const RoleSchema = OneOf(ROLES, {
  description:
    'operator_admin: quản trị Sở TT&TT · operator_reviewer: thẩm định · auditor: chỉ xem · agency: cơ quan / ' +
    'operator administrator · operator reviewer · auditor (read-only) · agency user (own organization only)',
});
/**
 * Roles of people (issue 3): the operator's administrators (everything) and reviewers (decide requests, read
 * everything), auditors (read everything, change nothing), and agency users, who act only for their own
 * organization — as provider for its provider systems, as consumer for its consumer systems.
 */
export type Role = Static<typeof RoleSchema>;

export const UserSchema = Type.Object({
  id: Type.String(),
  username: Type.String(),
  displayName: Type.String(),
  role: RoleSchema,
  organizationId: Nullable(Type.String({ description: 'Cơ quan của người dùng agency / agency user only' })),
});
export type User = Static<typeof UserSchema>;

/** A new local account; the password is stored as a salted scrypt hash and never answered. */
export const UserCreate = Type.Object(
  {
    username: Type.String({
      minLength: 1,
      maxLength: 100,
      pattern: '^[A-Za-z0-9][A-Za-z0-9._@-]*$',
      description: 'Tên đăng nhập / username',
    }),
    displayName: Text(200, 'Họ tên / display name'),
    password: Type.String({
      minLength: 10,
      maxLength: 1000,
      description: 'Mật khẩu ≥ 10 ký tự / ≥ 10 characters',
    }),
    role: RoleSchema,
    organizationId: Type.Optional(
      Nullable(
        Id('Bắt buộc với vai trò agency, không dùng với vai trò khác / required for role agency only'),
      ),
    ),
  },
  Strict,
);
export type UserCreate = Static<typeof UserCreate>;

/** Lifting a sign-in lockout (issue 10 item 5): the username's, and the address's when one is named. */
export const UserUnlockParams = Type.Object({ username: Text(100, 'Tên đăng nhập / username') }, Strict);
export const UserUnlock = Type.Object(
  {
    address: Type.Optional(
      Text(100, 'Cũng mở khóa địa chỉ này (IPv4/IPv6) / also unlock this client address (IPv4/IPv6)'),
    ),
  },
  Strict,
);
export type UserUnlock = Static<typeof UserUnlock>;
export const UserUnlockedSchema = Type.Object({
  username: Type.String(),
  address: Nullable(Type.String()),
  cleared: Type.Integer({
    minimum: 0,
    description: 'Số bộ đếm đã xóa (0: không bị khóa) / counters cleared (0: nothing was locked)',
  }),
});

export const SessionSchema = Type.Object({
  token: Type.String({ description: 'Bearer token; chỉ trả về một lần / returned once' }),
  expiresAt: Timestamp,
  user: UserSchema,
});
export type Session = Static<typeof SessionSchema>;

export const LogoutResponse = Type.Null({ description: 'Đã đăng xuất / signed out' });

export const UserQuery = PageQuery(
  {
    role: Type.Optional(RoleSchema),
    organizationId: Type.Optional(Id('Lọc theo cơ quan / by organization')),
  },
  { searches: 'tên đăng nhập, tên hiển thị / username, display name', sortable: ['username', 'createdAt'] },
);
