import { type Static, Type } from '@sinclair/typebox';
import { Id, KeysetCursor, Nullable, OneOf, Strict, Timestamp } from './common.ts';

/**
 * The sign-in history: every attempt to sign in to the admin API or the console, with its outcome. It
 * only grows, so it pages by keyset like the audit trail (newest first, `cursor` = the previous `nextCursor`, no
 * `total`; docs/api-lists.md). Never a password or a token.
 */

/** password: `POST /auth/login` (CLI, scripts) · console: the console's password sign-in · oidc: single sign-on. */
export const SIGN_IN_METHODS = ['password', 'console', 'oidc'] as const;
export const SignInMethodSchema = OneOf(SIGN_IN_METHODS, {
  description:
    'password: đăng nhập API (CLI, tập lệnh) · console: bảng điều khiển bằng mật khẩu · oidc: đăng nhập một lần (SSO) / ' +
    'password: API sign-in (CLI, scripts) · console: the console with a password · oidc: single sign-on',
});
export type SignInMethod = Static<typeof SignInMethodSchema>;

/**
 * What became of the attempt. The person signing in is told only "wrong name or password" for every failure but a
 * lockout; this record, read by the operator, says which it was.
 */
export const SIGN_IN_OUTCOMES = [
  'success',
  'wrong_password',
  'unknown_user',
  'disabled',
  'password_not_set',
  'locked',
  'oidc_refused',
] as const;
export const SignInOutcomeSchema = OneOf(SIGN_IN_OUTCOMES, {
  description:
    'success: thành công · wrong_password: sai mật khẩu · unknown_user: không có tài khoản tên này · disabled: tài ' +
    'khoản bị vô hiệu hóa · password_not_set: tài khoản chỉ đăng nhập SSO · locked: đang bị khóa do sai nhiều lần · ' +
    'oidc_refused: SSO bị từ chối (reason) / success · wrong password · no account of that name · account disabled · ' +
    'SSO-only account · locked after repeated failures · SSO refused (see reason)',
});
export type SignInOutcome = Static<typeof SignInOutcomeSchema>;

/**
 * The `reason` of an attempt made not to sign in but to change one's own password (`POST /auth/password`): the
 * current password typed there is checked as a sign-in is, under the same counters, so a wrong one — someone at an
 * open session trying the account — is in the history too, worded for the reader as the outcome beside it is.
 */
export const PASSWORD_CHANGE_REASON = 'khi đổi mật khẩu / while changing the password';

export const SignInQuery = Type.Object(
  {
    username: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 100,
        description:
          'Tên đăng nhập như đã gõ (cả tên không có tài khoản) / the username as typed (also one no account has)',
        examples: ['admin'],
      }),
    ),
    userId: Type.Optional(Id('Mã người dùng / user id')),
    outcome: Type.Optional(SignInOutcomeSchema),
    method: Type.Optional(SignInMethodSchema),
    from: Type.Optional(
      Type.String({ format: 'date-time', description: 'Từ thời điểm (gồm) / from, inclusive' }),
    ),
    to: Type.Optional(
      Type.String({ format: 'date-time', description: 'Đến thời điểm (không gồm) / to, exclusive' }),
    ),
    limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
    cursor: KeysetCursor,
  },
  Strict,
);
export type SignInQuery = Static<typeof SignInQuery>;

/** The signed-in person's own history: the newest first, a short page by default (the console's "last sign-ins"). */
export const OwnSignInQuery = Type.Object(
  { limit: Type.Integer({ minimum: 1, maximum: 100, default: 10 }), cursor: KeysetCursor },
  Strict,
);
export type OwnSignInQuery = Static<typeof OwnSignInQuery>;

/** How a row stands for many attempts (docs/security.md §2.14): null when it is one. */
export const SIGN_IN_FOLDS = ['address', 'overflow'] as const;

export const SignInSchema = Type.Object({
  id: Type.String({ description: 'Số thứ tự của lần đăng nhập / the attempt’s sequence number' }),
  at: Timestamp,
  username: Nullable(
    Type.String({
      description:
        'Tên đăng nhập đã gõ, hoặc tên từ nhà cung cấp SSO; null khi SSO bị từ chối trước khi biết tên / the ' +
        'username typed, or the SSO provider’s name; null when SSO was refused before a name was known',
    }),
  ),
  userId: Nullable(
    Type.String({ description: 'Mã tài khoản, khi có tài khoản / the account’s id, when there is one' }),
  ),
  method: SignInMethodSchema,
  outcome: SignInOutcomeSchema,
  reason: Nullable(
    Type.String({
      description:
        'Lý do SSO bị từ chối (như /?signin_error=…), hoặc "khi đổi mật khẩu": mật khẩu hiện tại gõ để đổi mật ' +
        'khẩu / why SSO was refused (as /?signin_error=…), or "while changing the password": the current ' +
        'password typed to change it',
      examples: ['no_matching_rule'],
    }),
  ),
  address: Type.String({
    description:
      'Địa chỉ máy khách (như bộ đếm chống dò mật khẩu dùng) / client address (the one the brute-force limits count)',
  }),
  userAgent: Type.String({ description: 'User-Agent (≤ 300 ký tự / characters)' }),
  attempts: Type.Integer({
    minimum: 1,
    description:
      'Số lần thử dòng này đếm: 1, hoặc nhiều hơn khi các lần thất bại không gọi tên tài khoản nào, hay các lần bị ' +
      'từ chối khi tài khoản đang khoá, được gộp / how many attempts the row stands for: 1, or more where failures ' +
      'that name no account, or refusals while an account is locked, are folded',
  }),
  lastAt: Nullable(
    Type.String({
      format: 'date-time',
      description:
        'Lần thử cuối được gộp; null khi chỉ một lần / the last folded attempt; null for one attempt',
    }),
  ),
  folded: Nullable(
    OneOf(SIGN_IN_FOLDS, {
      description:
        'address: các lần thất bại không gọi tên tài khoản nào (hay bị từ chối khi một tài khoản đang khoá: theo ' +
        'tài khoản) từ một địa chỉ trong một giờ · overflow: các lần như thế vượt giới hạn dòng của giờ đó, từ mọi ' +
        'địa chỉ (address "*") · null: một lần / address: an hour’s failures that name no account (or refusals ' +
        'while an account is locked: per account) from one address · overflow: those beyond the hour’s bound of ' +
        'rows, from any address (address "*") · null: one attempt',
    }),
  ),
});
export type SignIn = Static<typeof SignInSchema>;

export const SignInPageSchema = Type.Object({
  items: Type.Array(SignInSchema),
  nextCursor: Nullable(Type.String({ description: 'null: trang cuối / the last page' })),
});
export type SignInPage = Static<typeof SignInPageSchema>;
