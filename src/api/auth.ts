import type { FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import type { Accounts, Role, User } from '../control/accounts.ts';
import { LgspError } from '../core/errors.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in person, set by `authenticate` on every protected route; null on public ones. */
    user: User | null;
    /** The bearer token of this request, kept only so that logout can end exactly this session. */
    sessionToken: string | null;
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
 * make the server parse or validate anything (R-24 access rights, R-27 no unauthorized access).
 */
export function authenticate(accounts: Accounts): onRequestAsyncHookHandler {
  return async (request: FastifyRequest, _reply: FastifyReply) => {
    const token = bearerToken(request);
    const user = token ? await accounts.authenticate(token) : null;
    if (!user) {
      throw new LgspError(
        'API_UNAUTHORIZED',
        token ? 'phiên đăng nhập không hợp lệ hoặc đã hết hạn / session invalid or expired' : undefined,
      );
    }
    request.user = user;
    request.sessionToken = token;
  };
}

/**
 * The one place a route says who may call it. Today there is one role; when agency roles arrive (issue 3), the
 * per-organization check belongs here too, next to the role check, so no handler decides access on its own.
 */
export function requireRole(...roles: Role[]): onRequestAsyncHookHandler {
  const allowed = new Set<Role>(roles);
  // An onRequest hook of the route, so it runs right after `authenticate` and before the body is read.
  return async (request: FastifyRequest) => {
    const user = request.user;
    if (!user) throw new LgspError('API_UNAUTHORIZED');
    if (!allowed.has(user.role)) throw new LgspError('API_FORBIDDEN', `role ${user.role}`);
  };
}

/** The signed-in user of a protected route (authenticate has run, so it is there). */
export function currentUser(request: FastifyRequest): User {
  if (!request.user) throw new LgspError('API_UNAUTHORIZED');
  return request.user;
}
