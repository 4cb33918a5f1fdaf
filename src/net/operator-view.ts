import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

const sha256 = (s: string) => createHash('sha256').update(s).digest();
const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

/**
 * Who may read a node's operational detail: the detail of `/healthz` and `/readyz` (role, engines, jobs, lag, store
 * kind, durability) and `/metrics`. Both ports face the outside — consumers call the gateway, and the admin port
 * serves the public portal — and that detail maps the platform for an attacker (which store, which queue engine,
 * which jobs, whether Redis is down), so it is given only to the operator's side, as Kong keeps its status API on a
 * separate port and X-Road its health check off the public one:
 * - a request from this machine (a loopback peer) that no proxy relayed (no `X-Forwarded-For`, `Forwarded` or
 *   `X-Real-IP`: behind nginx on the same host every outside caller has a loopback peer too, and the proxy says so),
 *   addressed to this machine by a loopback name (`Host` localhost, 127.x.x.x or [::1], or none): a web page whose
 *   name an attacker rebinds to 127.0.0.1 (DNS rebinding) makes a browser on this machine a loopback peer, but its
 *   requests still name the attacker's host, as Vite's and Jupyter's dev servers check;
 * - or one that sends `Authorization: Bearer <admin.metricsToken>` when the operator set that token (Prometheus and
 *   monitoring on other machines).
 * Everyone else still learns what a load balancer needs: the status code (200 ready, 503 not) and `{status, ready}`.
 */
export class OperatorView {
  private readonly tokenDigest: Buffer | null;

  constructor(metricsToken: string) {
    this.tokenDigest = metricsToken === '' ? null : sha256(metricsToken);
  }

  /** Whether the operator set a token (what to tell a refused scraper). */
  get tokenRequired(): boolean {
    return this.tokenDigest !== null;
  }

  allows(remoteAddress: string | undefined, headers: IncomingHttpHeaders): boolean {
    if (this.tokenDigest !== null) {
      const match = typeof headers.authorization === 'string' ? BEARER.exec(headers.authorization) : null;
      // Compared as digests, so the comparison takes the same time whatever the length of what was sent.
      if (match && timingSafeEqual(sha256(match[1]!), this.tokenDigest)) return true;
    }
    return (
      isLoopback(remoteAddress) &&
      headers['x-forwarded-for'] === undefined &&
      headers.forwarded === undefined &&
      headers['x-real-ip'] === undefined &&
      (headers.host === undefined || isLoopbackHost(headers.host))
    );
  }
}

/** A `Host` header that names this machine by loopback: `localhost` (or `*.localhost`), 127.x.x.x, `[::1]`. */
export function isLoopbackHost(host: string): boolean {
  const name = (host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.replace(/:\d*$/, ''))
    .toLowerCase()
    .replace(/\.$/, '');
  return (
    name === 'localhost' ||
    name.endsWith('.localhost') ||
    name === '[::1]' ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name)
  );
}

function isLoopback(address: string | undefined): boolean {
  if (address === undefined) return false;
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}

/** What `/healthz` and `/readyz` tell a caller outside the operator's side: only what a load balancer needs. */
export function publicHealth(body: Record<string, unknown>): { status: unknown; ready: boolean } {
  return { status: body['status'] ?? 'ok', ready: body['ready'] !== false };
}
