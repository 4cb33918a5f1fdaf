import type { KeyObject } from 'node:crypto';
import { Agent, request } from 'undici';
import type { Clock } from '../core/clock.ts';
import { withinDeadline } from '../net/deadlines.ts';
import type { EgressPolicy } from '../net/egress.ts';
import { readAtMost, tooLargeReason } from '../net/read-limit.ts';
import type { PeerData } from './snapshot.ts';
import { publicKeyOf } from './wire.ts';

/**
 * The most of a peer's token answer that is read: `{"access_token", "token_type", "expires_in", "scope"}` with a JWT
 * of a few KiB at most. A token longer than this could not travel anyway: it goes in an `Authorization` header, and
 * Node's HTTP server (OpenLGSP) refuses more than 16 KiB of headers in all, other servers 8 KiB.
 */
export const TOKEN_ANSWER_MAX_BYTES = 16 * 1024;
/** The most of a peer's JWKS that is read: a public JWK is ≈ 0.5–1 KiB (RSA-4096), so dozens of keys fit. */
export const JWKS_ANSWER_MAX_BYTES = 64 * 1024;

/**
 * What a gateway node keeps per peer platform (issue 12 items 2 and 4): one connection agent (egress-checked at
 * each new connection, with our client certificate when the peer wants mTLS), our access token for it, and its
 * public signing keys. Nothing here is per call: a token is fetched once and refreshed ahead of its expiry, a JWKS
 * once and again only for an unknown `kid`.
 *
 * Each fetch of a token or a JWKS is whole within `timeoutMs`, the limit of the exchanges that wait on it
 * (the gateway's answer limit, the push limit): the agent's own timeouts are per read, and a peer that trickled its
 * answer or sent `103 Early Hints` without end held every call waiting on the one fetch in flight. At the limit the
 * fetch fails as any failed fetch does: no token (the call is 502 GW_FED_PEER_UNAVAILABLE, the push retried), or no
 * key (the peer's signature does not verify: its call is refused 401), and nothing of the cut answer is kept. So
 * does an answer longer than its limit (`TOKEN_ANSWER_MAX_BYTES`, `JWKS_ANSWER_MAX_BYTES`): it is read no further
 * and its connection is closed — a peer cannot send more than that into our memory.
 */
export class PeerClients {
  private readonly agents = new Map<string, { agent: Agent; fingerprint: string }>();
  private readonly tokens = new Map<string, TokenEntry>();
  private readonly keys = new Map<string, KeySetEntry>();

  constructor(
    private readonly egress: EgressPolicy,
    private readonly clock: Clock,
    private readonly timeoutMs: number,
  ) {}

  /** The agent for this peer; a new one when its client certificate changed. */
  agentFor(peer: PeerData): Agent {
    const fingerprint = `${peer.clientCertPem ?? ''}|${peer.clientKeyPem ?? ''}`;
    const existing = this.agents.get(peer.id);
    if (existing && existing.fingerprint === fingerprint) return existing.agent;
    if (existing) void existing.agent.close();
    const tls =
      peer.clientCertPem && peer.clientKeyPem ? { cert: peer.clientCertPem, key: peer.clientKeyPem } : {};
    const agent = new Agent({
      keepAliveTimeout: 30_000,
      connect: this.egress.connector('gateway', { timeout: Math.min(this.timeoutMs, 10_000), ...tls }),
    });
    this.agents.set(peer.id, { agent, fingerprint });
    return agent;
  }

  /**
   * Our token for this peer: the cached one while it has more than a fifth of its life left (and at least 30 s);
   * past that, the next call starts one refresh and keeps using the still-valid token; a call with no valid token
   * waits for the one fetch in flight. Never one token per call.
   */
  async tokenFor(peer: PeerData): Promise<string> {
    const nowMs = this.clock.nowMs();
    const credential = `${peer.tokenUrl}|${peer.clientId ?? ''}|${peer.clientSecret ?? ''}`;
    let entry = this.tokens.get(peer.id);
    if (entry && entry.credential !== credential) entry = undefined;
    if (entry?.token && nowMs < entry.expiresAtMs) {
      if (nowMs >= entry.refreshAtMs && entry.pending === null) this.fetchToken(peer, credential, entry);
      return entry.token;
    }
    if (!entry) {
      entry = { credential, token: null, expiresAtMs: 0, refreshAtMs: 0, pending: null };
      this.tokens.set(peer.id, entry);
    }
    return entry.pending ?? this.fetchToken(peer, credential, entry);
  }

  /** Drops a token the peer refused (401), so the next call fetches a new one. */
  forgetToken(peerId: string, token: string): void {
    const entry = this.tokens.get(peerId);
    if (entry?.token === token) this.tokens.delete(peerId);
  }

  private fetchToken(peer: PeerData, credential: string, entry: TokenEntry): Promise<string> {
    const pending = (async () => {
      if (!peer.clientId || !peer.clientSecret) throw new Error('no client credentials for this peer');
      const basic = Buffer.from(`${peer.clientId}:${peer.clientSecret}`).toString('base64');
      const { status, bytes } = await withinDeadline(this.timeoutMs, async (deadline) => {
        const res = await request(peer.tokenUrl, {
          method: 'POST',
          dispatcher: this.agentFor(peer),
          headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
          body: 'grant_type=client_credentials',
          signal: deadline.signal,
        });
        return { status: res.statusCode, bytes: await readAtMost(res.body, TOKEN_ANSWER_MAX_BYTES) };
      });
      if (status !== 200) throw new Error(`token endpoint answered ${status}`);
      if (bytes === null) throw new Error(`token: ${tooLargeReason(TOKEN_ANSWER_MAX_BYTES)}`);
      const body = JSON.parse(bytes.toString('utf8')) as { access_token?: unknown; expires_in?: unknown };
      if (typeof body.access_token !== 'string') throw new Error('token endpoint gave no access_token');
      const lifetimeMs = (typeof body.expires_in === 'number' ? body.expires_in : 3600) * 1000;
      const nowMs = this.clock.nowMs();
      entry.token = body.access_token;
      entry.expiresAtMs = nowMs + lifetimeMs - 5_000;
      entry.refreshAtMs = nowMs + Math.min(lifetimeMs * 0.8, Math.max(lifetimeMs - 30_000, 0));
      return body.access_token;
    })();
    entry.pending = pending;
    const settle = () => {
      if (entry.pending === pending) entry.pending = null;
    };
    pending.then(settle, settle);
    // A background refresh that fails leaves the current token in use until it expires.
    pending.catch(() => {});
    void credential;
    return pending;
  }

  /**
   * A peer's public signing key by `kid`, from its JWKS: fetched on first need, and again when a `kid` is not in
   * the cached set (the peer rotated its key) — at most once a minute, so a flood of unknown kids is no flood of
   * fetches.
   */
  async keyOf(peer: PeerData, keyId: string): Promise<KeyObject | null> {
    const nowMs = this.clock.nowMs();
    let entry = this.keys.get(peer.id);
    if (entry && entry.jwksUrl !== peer.jwksUrl) entry = undefined;
    const known = entry?.keys.get(keyId);
    if (known) return known;
    if (entry && nowMs - entry.fetchedAtMs < 60_000 && entry.pending === null) return null;
    if (!entry) {
      entry = { jwksUrl: peer.jwksUrl, keys: new Map(), fetchedAtMs: 0, pending: null };
      this.keys.set(peer.id, entry);
    }
    const current = entry;
    current.pending ??= (async () => {
      try {
        const { status, bytes } = await withinDeadline(this.timeoutMs, async (deadline) => {
          const res = await request(peer.jwksUrl, {
            dispatcher: this.agentFor(peer),
            signal: deadline.signal,
          });
          return { status: res.statusCode, bytes: await readAtMost(res.body, JWKS_ANSWER_MAX_BYTES) };
        });
        if (status !== 200) throw new Error(`JWKS answered ${status}`);
        if (bytes === null) throw new Error(`JWKS: ${tooLargeReason(JWKS_ANSWER_MAX_BYTES)}`);
        const jwks = JSON.parse(bytes.toString('utf8')) as { keys?: Array<Record<string, unknown>> };
        const keys = new Map<string, KeyObject>();
        for (const jwk of jwks.keys ?? []) {
          if (typeof jwk['kid'] !== 'string') continue;
          try {
            keys.set(jwk['kid'], publicKeyOf(jwk));
          } catch {
            // A key we cannot read verifies nothing; the others still do.
          }
        }
        current.keys = keys;
      } finally {
        current.fetchedAtMs = this.clock.nowMs();
        current.pending = null;
      }
    })();
    await current.pending.catch(() => {});
    return current.keys.get(keyId) ?? null;
  }

  async close(): Promise<void> {
    await Promise.all([...this.agents.values()].map((a) => a.agent.close()));
    this.agents.clear();
  }
}

interface TokenEntry {
  credential: string;
  token: string | null;
  expiresAtMs: number;
  refreshAtMs: number;
  pending: Promise<string> | null;
}

interface KeySetEntry {
  jwksUrl: string;
  keys: Map<string, KeyObject>;
  fetchedAtMs: number;
  pending: Promise<void> | null;
}
