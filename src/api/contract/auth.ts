import { type Static, Type } from '@sinclair/typebox';
import { Id, Nullable, OneOf, PageQuery, Strict, Text, Timestamp } from './common.ts';

/** Users, roles and sign-in (issue 3). */

export const LoginBody = Type.Object({ username: Text(100), password: Text(1000) }, Strict);
export type LoginBody = Static<typeof LoginBody>;

/**
 * Why a single sign-on went back to the console with `/?signin_error=<code>` (src/api/oidc.ts): the console shows
 * each in words, and nothing else a link may put in that parameter.
 */
export const SIGN_IN_ERRORS = [
  'oidc_not_configured',
  'provider_unavailable',
  'provider_denied',
  'signin_expired',
  'invalid_response',
  'no_matching_rule',
  'organization_unknown',
  'user_disabled',
] as const;
export type SignInError = (typeof SIGN_IN_ERRORS)[number];

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

/**
 * A user in the list of accounts: with the username's sign-in lockout, so the operator sees whom to unlock,
 * and whether the user still has a temporary password (who has not changed the one an operator gave them).
 * The client address's own lockout is not the user's and is not shown here.
 */
export const UserListItemSchema = Type.Object({
  ...UserSchema.properties,
  lockedUntil: Nullable(
    Type.String({
      format: 'date-time',
      description: 'Bị khóa đăng nhập tới (null: không bị khóa) / sign-in locked until (null: not locked)',
    }),
  ),
  failedSignIns: Type.Integer({
    minimum: 0,
    description: 'Số lần đăng nhập sai gần đây / recent failed sign-ins, in the counting window',
  }),
  mustChangePassword: Type.Boolean({
    description:
      'Mật khẩu tạm chưa đổi (do quản trị viên đặt khi tạo hoặc đặt lại, hoặc hệ thống tạo): người dùng phải đổi trước khi làm việc khác; luôn false với tài khoản chỉ đăng nhập SSO / ' +
      'a temporary password not changed yet (set by an operator at creation or a reset, or generated): the user must change it before anything else; always false for an SSO-only account',
  }),
});
export type UserListItem = Static<typeof UserListItemSchema>;

/**
 * A new password of a person, wherever one is set (a new account, changing one's own): the one rule, written once
 * here for the schema and enforced again by `control/accounts.ts` (`passwordProblem`) for callers that bypass it.
 */
export const PASSWORD_MIN_LENGTH = 10;
export const NewPassword = (description = 'Mật khẩu ≥ 10 ký tự / ≥ 10 characters') =>
  Type.String({ minLength: PASSWORD_MIN_LENGTH, maxLength: 1000, description });

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
    password: NewPassword(),
    role: RoleSchema,
    organizationId: Type.Optional(
      Nullable(
        Id('Bắt buộc với vai trò agency, không dùng với vai trò khác / required for role agency only'),
      ),
    ),
    mustChangePassword: Type.Optional(
      Type.Boolean({
        description:
          'Người dùng phải đổi mật khẩu này ở lần đăng nhập đầu (mặc định: true — mật khẩu do người khác đặt); false cho tài khoản mà chính người tạo sẽ dùng / the user must change this password at the first sign-in (default true: someone else chose it); false for an account its creator will use',
      }),
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

/** Changing one's own password: the current one proves it is the person, not someone at an open session. */
export const PasswordChange = Type.Object(
  {
    currentPassword: Text(1000, 'Mật khẩu hiện tại / current password'),
    newPassword: NewPassword('Mật khẩu mới ≥ 10 ký tự / new password, ≥ 10 characters'),
  },
  Strict,
);
export type PasswordChange = Static<typeof PasswordChange>;
export const PasswordChangedSchema = Type.Object({
  sessionsEnded: Type.Integer({
    minimum: 0,
    description:
      'Số phiên khác của người dùng đã kết thúc (phiên này vẫn giữ) / other sessions of the user ended (this one stays)',
  }),
});
export type PasswordChanged = Static<typeof PasswordChangedSchema>;

/** An operator's reset of someone's password: the new one is in this answer once, and never again. */
export const PasswordResetSchema = Type.Object({
  username: Type.String(),
  password: Type.String({
    description:
      'Mật khẩu mới ngẫu nhiên; chỉ trả về một lần, không ghi ở đâu khác / the new random password; returned once, recorded nowhere else',
  }),
  sessionsEnded: Type.Integer({ minimum: 0, description: 'Số phiên đã kết thúc / sessions ended' }),
  mustChangePassword: Type.Literal(true, {
    description:
      'Người dùng phải đổi mật khẩu này sau khi đăng nhập / the user must change it after signing in',
  }),
});
export type PasswordReset = Static<typeof PasswordResetSchema>;

export const SessionSchema = Type.Object({
  token: Type.String({ description: 'Bearer token; chỉ trả về một lần / returned once' }),
  expiresAt: Timestamp,
  user: UserSchema,
  mustChangePassword: Type.Boolean({
    description:
      'Mật khẩu tạm (do quản trị viên đặt hoặc hệ thống tạo): hãy đổi (POST /api/v1/auth/password); trước đó mọi lời gọi khác trả về 403 API_PASSWORD_CHANGE_REQUIRED / ' +
      'a temporary password (set by an operator or generated): change it (POST /api/v1/auth/password); until then every other call answers 403 API_PASSWORD_CHANGE_REQUIRED',
  }),
});
export type Session = Static<typeof SessionSchema>;

export const LogoutResponse = Type.Null({ description: 'Đã đăng xuất / signed out' });

/**
 * The web console's session (issue 11 item 5): the session token itself travels only in the `lgsp_session`
 * cookie (HttpOnly, so no script reads it); the console sends `csrfToken` back as `x-csrf-token` on every call
 * that changes something.
 */
const MustChangePassword = Type.Boolean({
  description:
    'Mật khẩu tạm (do quản trị viên đặt hoặc hệ thống tạo): bảng điều khiển đưa người dùng tới trang đổi mật khẩu, API từ chối mọi lời gọi khác (403 API_PASSWORD_CHANGE_REQUIRED); luôn false với phiên SSO / ' +
    'a temporary password (set by an operator or generated): the console sends the user to the change page and the API refuses every other call (403 API_PASSWORD_CHANGE_REQUIRED); always false for an SSO session',
});

const SignedInWith = OneOf(['password', 'oidc'] as const, {
  description:
    'Cách đăng nhập: mật khẩu, hoặc SSO (không có mật khẩu để đổi) / how the person signed in: a password, or SSO (no password to change)',
});

export const ConsoleSessionSchema = Type.Object({
  user: UserSchema,
  csrfToken: Type.String({
    description:
      'Gửi lại trong tiêu đề x-csrf-token với mọi lời gọi POST/PATCH/PUT/DELETE / send back as x-csrf-token on every unsafe call',
  }),
  mustChangePassword: MustChangePassword,
  signedInWith: SignedInWith,
});
export type ConsoleSession = Static<typeof ConsoleSessionSchema>;

/**
 * What `GET /api/v1/auth/session` says of this browser: its console session, or — for a visitor not signed in (no
 * cookie, an expired or ended one) — `user` and `csrfToken` null. A signed-out visitor is the sign-in page's
 * ordinary case, not an error: it answers 200 either way (as Auth.js's session endpoint does), so the page makes
 * no failed request.
 */
export const ConsoleSessionStateSchema = Type.Object({
  user: Nullable(UserSchema),
  csrfToken: Nullable(
    Type.String({
      description:
        'Gửi lại trong tiêu đề x-csrf-token với mọi lời gọi POST/PATCH/PUT/DELETE / send back as x-csrf-token on every unsafe call',
    }),
  ),
  mustChangePassword: MustChangePassword,
  signedInWith: Type.Optional(SignedInWith),
});
export type ConsoleSessionState = Static<typeof ConsoleSessionStateSchema>;

export const ConsoleSignOutSchema = Type.Object({
  endSessionUrl: Type.String({
    description:
      'Phiên đến từ SSO: mở địa chỉ này để đăng xuất cả ở nhà cung cấp định danh / an SSO session: open this to sign out at the identity provider too',
  }),
});
export type ConsoleSignOut = Static<typeof ConsoleSignOutSchema>;

/** What the sign-in page offers: local accounts always, and the SSO button when OIDC is configured. */
export const SignInOptionsSchema = Type.Object({
  local: Type.Literal(true),
  oidc: Type.Object({
    enabled: Type.Boolean(),
    label: Nullable(Type.String({ description: 'Nhãn nút SSO / the SSO button’s label' })),
  }),
});
export type SignInOptions = Static<typeof SignInOptionsSchema>;

/** A browser redirect (302 with `Location`), no body. */
export const RedirectResponse = Type.Null({
  description: 'Chuyển hướng trình duyệt (Location) / browser redirect (Location)',
});

/**
 * The identity provider's answer on the redirect back (RFC 6749 §4.1.2, OpenID Connect Core §3.1.2.5): read by
 * the OIDC library from the whole URL; listed so the document shows them, and loose on purpose (providers add
 * their own parameters, e.g. Keycloak's `session_state`), since a refusal here must be a redirect, not a 400.
 */
export const OidcCallbackQuery = Type.Object(
  {
    code: Type.Optional(Type.String()),
    state: Type.Optional(Type.String()),
    error: Type.Optional(Type.String()),
  },
  { additionalProperties: true },
);

export const UserQuery = PageQuery(
  {
    role: Type.Optional(RoleSchema),
    organizationId: Type.Optional(Id('Lọc theo cơ quan / by organization')),
  },
  { searches: 'tên đăng nhập, tên hiển thị / username, display name', sortable: ['username', 'createdAt'] },
);
