import type { FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import type { Accounts, SessionHolder } from '../control/accounts.ts';
import type { Config } from '../core/config.ts';
import { LgspError } from '../core/errors.ts';
import type { OperationId, Role, User } from './contract/index.ts';
import { assertConsoleRequest, readCookie, SESSION_COOKIE } from './session.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in person, set by `authenticate` on every protected route; null on public ones. */
    user: User | null;
    /** The session token of this request (bearer or cookie), kept only so that sign-out ends exactly it. */
    sessionToken: string | null;
    /** How this request was authenticated, and how its person signed in (an SSO session signs out at the provider). */
    session: { kind: 'bearer' | 'console'; signedInWith: 'password' | 'oidc' } | null;
  }
}

/** `Authorization: Bearer <token>` → the token; anything else → null. */
export function bearerToken(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return null;
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  return match ? match[1]! : null;
}

/**
 * Runs first on every protected route (onRequest, before the body is even read), so an anonymous caller cannot
 * make the server parse or validate anything (R-24 access rights, R-27 no unauthorized access). A request is
 * signed in by `Authorization: Bearer` (CLI, scripts) or, failing that, by the console's `lgsp_session` cookie —
 * whose calls must also pass the CSRF and Origin checks (issue 11 item 5). Each kind of session is accepted only
 * the way it was issued. A person whose password someone else set is then held to changing it
 * (`assertPasswordChanged`).
 */
export function authenticate(accounts: Accounts, config: Config): onRequestAsyncHookHandler {
  return async (request: FastifyRequest, _reply: FastifyReply) => {
    const token = bearerToken(request);
    if (token) {
      const session = await accounts.authenticateBearer(token);
      if (!session) throw new LgspError('API_UNAUTHORIZED', EXPIRED);
      request.user = session.user;
      request.sessionToken = token;
      request.session = { kind: 'bearer', signedInWith: session.signedInWith };
      assertPasswordChanged(request, session);
      return;
    }
    const cookie = readCookie(request, SESSION_COOKIE);
    const session = cookie ? await accounts.authenticateConsole(cookie) : null;
    if (!cookie || !session) throw new LgspError('API_UNAUTHORIZED', cookie ? EXPIRED : undefined);
    assertConsoleRequest(request, cookie, config);
    request.user = session.user;
    request.sessionToken = cookie;
    request.session = { kind: 'console', signedInWith: session.signedInWith };
    assertPasswordChanged(request, session);
  };
}

const EXPIRED = 'phiên đăng nhập không hợp lệ hoặc đã hết hạn / session invalid or expired';

/**
 * What a person who must change their password may still call: change it, see who they are, and sign out. (The
 * console's `GET /api/v1/auth/session` and everything public are outside the signed-in routes, so never held.)
 */
export const ALLOWED_BEFORE_PASSWORD_CHANGE: ReadonlySet<OperationId> = new Set<OperationId>([
  'changeOwnPassword',
  'getCurrentUser',
  'logout',
  'deleteConsoleSession',
]);

/**
 * A password an operator chose or reset (or the first start or the offline recovery printed) has been seen by someone
 * else — on the phone, in an e-mail, in a log — so until its owner replaces it, it opens nothing but the change itself
 * every other signed-in call is 403 API_PASSWORD_CHANGE_REQUIRED, whatever the client (console, CLI,
 * script). Checked once here, for every protected route, before its role check and before the body is read. The flag
 * comes with the session's own lookup (no extra query) and is never set for a single sign-on session.
 */
function assertPasswordChanged(request: FastifyRequest, session: SessionHolder): void {
  if (!session.mustChangePassword) return;
  const operationId = (request.routeOptions.schema as { operationId?: OperationId } | undefined)?.operationId;
  if (operationId && ALLOWED_BEFORE_PASSWORD_CHANGE.has(operationId)) return;
  throw new LgspError(
    'API_PASSWORD_CHANGE_REQUIRED',
    'mật khẩu tạm (do quản trị viên đặt hoặc hệ thống tạo): hãy đổi trước (POST /api/v1/auth/password, lệnh `lgsp user password` ' +
      'hoặc bảng điều khiển) / a temporary password (set by an operator or generated): change it first (POST ' +
      '/api/v1/auth/password, `lgsp user password` or the console)',
  );
}

/**
 * The one place a route says which roles may call it (checked before the body is read). Which *objects* an
 * agency user may touch is checked next to it, by `assertOwnOrganization` and the `scope` of list routes, so no
 * handler decides access on its own.
 */
export function requireRole(...roles: Role[]): onRequestAsyncHookHandler {
  const allowed = new Set<Role>(roles);
  // An onRequest hook of the route, so it runs right after `authenticate` and before the body is read.
  return async (request: FastifyRequest) => {
    const user = request.user;
    if (!user) throw new LgspError('API_UNAUTHORIZED');
    if (!allowed.has(user.role)) throw new LgspError('API_FORBIDDEN', `vai trò / role ${user.role}`);
  };
}

/** The signed-in user of a protected route (authenticate has run, so it is there). */
export function currentUser(request: FastifyRequest): User {
  if (!request.user) throw new LgspError('API_UNAUTHORIZED');
  return request.user;
}

/** Operator staff and auditors see every organization's objects; an agency user only its own. */
export function seesEverything(user: User): boolean {
  return user.role !== 'agency';
}

/**
 * Refuses (403 API_FORBIDDEN, nothing changed) when an agency user acts on an object of another organization
 * no unauthorized access). `organizationIds` are the organizations the object belongs to — for a
 * subscription, both the consumer's and the provider's; for reads either side may look.
 */
export function assertOwnOrganization(
  user: User,
  ...organizationIds: Array<string | null | undefined>
): void {
  if (seesEverything(user)) return;
  if (user.organizationId && organizationIds.includes(user.organizationId)) return;
  throw new LgspError('API_FORBIDDEN', 'đối tượng của cơ quan khác / an object of another organization');
}

/**
 * Like `assertOwnOrganization`, for an object whose very existence is not public (a system, credential,
 * subscription, request, version change or webhook endpoint of another organization — none is on the portal):
 * an agency user of another organization gets `notFound`, exactly the 404 an unknown id gets, so comparing a
 * refusal with a 404 does not tell which ids exist elsewhere.
 */
export function assertVisibleToOrganization(
  user: User,
  notFound: LgspError,
  ...organizationIds: Array<string | null | undefined>
): void {
  if (seesEverything(user)) return;
  if (user.organizationId && organizationIds.includes(user.organizationId)) return;
  throw notFound;
}

/**
 * A request, change or endpoint read by the `:id` of the route, through `get` (whose own 404 stands for an unknown
 * id), and answered to an agency user of another organization as that same unknown id (`assertVisibleToOrganization`).
 */
export function visibleById<T extends { organizationId: string | null }>(
  get: (id: string) => Promise<T>,
): (request: FastifyRequest) => Promise<T> {
  return async (request) => {
    const { id } = request.params as { id: string };
    const found = await get(id);
    assertVisibleToOrganization(
      currentUser(request),
      new LgspError('CP_REQUEST_NOT_FOUND', id),
      found.organizationId,
    );
    return found;
  };
}

/** The organization an agency user's list is limited to, or undefined for everyone else. */
export function organizationScope(user: User): string | undefined {
  return seesEverything(user) ? undefined : (user.organizationId ?? '∅');
}

/**
 * The organization a list is limited to: an agency user's own, or the one anyone else asked for (undefined: all).
 * An agency user asking for another organization's gets `null`, an empty list rather than a leak.
 */
export function listedOrganization(user: User, wanted: string | undefined): string | undefined | null {
  const scope = organizationScope(user);
  if (scope && wanted && wanted !== scope) return null;
  return scope ?? wanted;
}
