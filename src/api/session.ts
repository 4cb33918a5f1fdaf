import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { Config } from '../core/config.ts';
import { LgspError } from '../core/errors.ts';
import { tlsEnabled } from '../net/tls.ts';

/**
 * The web console's cookie session (issue 11 item 5). The console is served by the admin process on the same
 * origin as the API, so a cookie is the safe place for its session: HttpOnly (no script, hence no XSS, reads it),
 * SameSite=Strict (no other site's page sends it), Secure whenever the console is reached over HTTPS. What a cookie
 * adds — the browser attaches it to requests another page starts — is closed by the CSRF token and the Origin
 * check below, both required on every call that changes something.
 */
export const SESSION_COOKIE = 'lgsp_session';

/** Methods that change nothing (RFC 9110 §9.2.1): the only ones a cookie session may call without a CSRF token. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** One cookie of the request's Cookie header, or null; a name sent twice counts as absent (cookie tossing). */
export function readCookie(request: FastifyRequest, name: string): string | null {
  const header = request.headers.cookie;
  if (typeof header !== 'string') return null;
  let found: string | null = null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    if (found !== null) return null;
    found = part.slice(eq + 1).trim();
  }
  return found;
}

/**
 * The session's CSRF token: an HMAC of a fixed label keyed by the session token, so it is stable for the session,
 * needs no storage, and cannot be computed without the cookie a cross-site page never sees. It is not the session
 * token: a leaked CSRF token (it is readable by the console's scripts) does not sign anyone in.
 */
export function csrfTokenFor(sessionToken: string): string {
  return createHmac('sha256', sessionToken).update('openlgsp console csrf v1').digest('base64url');
}

/** HTTPS when the admin port serves TLS itself or its public address (behind a proxy) is https. */
export function servedOverHttps(config: Config): boolean {
  return tlsEnabled(config.admin.tls) || config.admin.publicUrl.startsWith('https:');
}

/**
 * `Set-Cookie` of a cookie the platform issues: HttpOnly and Path=/ always, `Secure` over HTTPS — left out on
 * plain-HTTP loopback (`npm start`), where a browser would drop a Secure cookie and the console could not sign in.
 */
export function setCookie(
  config: Config,
  name: string,
  value: string,
  options: { maxAgeSeconds: number; sameSite: 'Strict' | 'Lax'; path?: string },
): string {
  return [
    `${name}=${value}`,
    'HttpOnly',
    `SameSite=${options.sameSite}`,
    `Path=${options.path ?? '/'}`,
    `Max-Age=${Math.max(0, Math.floor(options.maxAgeSeconds))}`,
    ...(servedOverHttps(config) ? ['Secure'] : []),
  ].join('; ');
}

/** The console session cookie for a session that ends at `expiresAt`. */
export function sessionCookie(config: Config, token: string, expiresAt: Date, nowMs: number): string {
  return setCookie(config, SESSION_COOKIE, token, {
    maxAgeSeconds: (expiresAt.getTime() - nowMs) / 1000,
    sameSite: 'Strict',
  });
}

/** Clears the console session cookie (sign-out, or a cookie the server no longer knows). */
export function clearedSessionCookie(config: Config): string {
  return setCookie(config, SESSION_COOKIE, '', { maxAgeSeconds: 0, sameSite: 'Strict' });
}

/**
 * The origins the console is served from: the configured public address, and the one this request was sent to
 * (its Host header — which a browser sets itself and a cross-site page cannot change).
 */
function consoleOrigins(request: FastifyRequest, config: Config): string[] {
  const origins: string[] = [];
  if (config.admin.publicUrl) origins.push(new URL(config.admin.publicUrl).origin);
  const host = request.headers.host;
  if (typeof host === 'string' && host !== '') {
    origins.push(`${tlsEnabled(config.admin.tls) ? 'https' : 'http'}://${host.toLowerCase()}`);
  }
  return origins;
}

/**
 * Checks a call authenticated by the session cookie: when the browser says where it comes from (`Origin`), it
 * must be the console's own origin; and a call that changes something must carry `x-csrf-token` equal to the
 * session's token. Either failing is 403 API_CSRF_INVALID, before the body is read. Bearer calls skip this: a
 * browser never attaches an Authorization header on its own.
 */
export function assertConsoleRequest(request: FastifyRequest, sessionToken: string, config: Config): void {
  const origin = request.headers.origin;
  if (origin !== undefined && !consoleOrigins(request, config).includes(String(origin).toLowerCase())) {
    throw new LgspError(
      'API_CSRF_INVALID',
      `yêu cầu từ nguồn khác (Origin ${String(origin).slice(0, 200)}) / a request from another origin`,
    );
  }
  if (SAFE_METHODS.has(request.method)) return;
  const sent = request.headers['x-csrf-token'];
  const expected = Buffer.from(csrfTokenFor(sessionToken));
  const given = Buffer.from(typeof sent === 'string' ? sent : '');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new LgspError(
      'API_CSRF_INVALID',
      sent === undefined
        ? 'thiếu tiêu đề x-csrf-token / the x-csrf-token header is missing'
        : 'x-csrf-token không đúng với phiên / x-csrf-token does not match the session',
    );
  }
}
