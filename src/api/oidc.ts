import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import * as client from 'openid-client';
import { Agent, fetch as undiciFetch } from 'undici';
import { type Accounts, type ConsoleSession, OidcSignInRefused } from '../control/accounts.ts';
import type { SignInClient } from '../control/sign-ins.ts';
import type { Config } from '../core/config.ts';
import type { KeyEncryptionKey } from '../keys/index.ts';
import type { EgressPolicy } from '../net/egress.ts';
import { readAtMost, tooLargeReason } from '../net/read-limit.ts';
import type { Logger } from '../telemetry/logger.ts';
import type { Role, SignInError } from './contract/index.ts';

/**
 * Single sign-on for the web console (issue 11 item 5; the regulation's SSO, Art. 3.4): OpenID Connect
 * authorization code flow with PKCE against any standards-compliant provider (Keycloak is what provinces run),
 * through `openid-client`, which checks state, nonce, PKCE, the ID token's signature, issuer, audience and times.
 * What this file adds is the platform's part: the provider is reached through the egress policy, the flow's
 * secrets wait in a sealed, short-lived cookie bound to the browser that started it, and the claims become a role
 * and an organization by the operator's rules (`oidc.rules`, first match wins). docs/sso.md is the operator's guide.
 */

export type OidcRule = Config['oidc']['rules'][number];
type Claims = Record<string, unknown>;

/** The flow's cookie: only sent back to the callback, and on the top-level redirect from the provider (Lax). */
export const FLOW_COOKIE = 'lgsp_oidc';
export const FLOW_COOKIE_PATH = '/api/v1/auth/oidc';
/** How long a person may take at the provider's sign-in page. */
export const FLOW_MAX_AGE_SECONDS = 600;
const FLOW_LABEL = 'oidc_flow';
/**
 * The limit of each exchange with the provider, whole: `openid-client` aborts every request it makes
 * (discovery, keys, the code's exchange, UserInfo) this long after it starts, and undici's fetch applies the abort to
 * the answer's body too — a provider that trickles, or sends `103 Early Hints` without end, is cut there. The agent's
 * own timeouts below are per read. A sign-in waits on it in the browser: 10 s, no setting.
 */
export const HTTP_TIMEOUT_SECONDS = 10;
/**
 * The most of one answer of the provider that is read: `openid-client` reads each (discovery, keys, the code's
 * exchange, UserInfo — a few KiB each) whole with `response.json()`, so our fetch hands it the answer only once read up
 * to this limit; past it the connection is closed and the step fails as the provider being unavailable.
 */
export const OIDC_ANSWER_MAX_BYTES = 256 * 1024;

export class SignInFailed extends Error {
  constructor(
    readonly reason: SignInError,
    override readonly cause?: unknown,
    /** Who was refused, once the provider named them (for the sign-in history); null before that. */
    readonly account: { username: string; userId: string | null } | null = null,
  ) {
    super(`OIDC sign-in failed: ${reason}`);
    this.name = 'SignInFailed';
  }
}

/** A claim by name; a dotted name reaches into objects (Keycloak's `realm_access.roles`) when no claim has it. */
export function claimValue(claims: Claims, name: string): unknown {
  if (Object.hasOwn(claims, name)) return claims[name];
  let node: unknown = claims;
  for (const key of name.split('.')) {
    if (typeof node !== 'object' || node === null || Array.isArray(node) || !Object.hasOwn(node, key)) {
      return undefined;
    }
    node = (node as Claims)[key];
  }
  return node;
}

/** The claim's text values: a string, a number or a boolean as text, each of a list; nothing else counts. */
function textValues(value: unknown): string[] {
  const list = Array.isArray(value) ? value : [value];
  return list
    .filter((v) => ['string', 'number', 'boolean'].includes(typeof v))
    .map((v) => String(v))
    .filter((v) => v !== '');
}

/**
 * The first rule the claims satisfy, and what it gives: a role, and for an agency user the official code of its
 * organization. Null when no rule matches — the person is refused, never given a default role.
 */
export function mapClaims(
  rules: readonly OidcRule[],
  claims: Claims,
): { role: Role; organizationCode: string | null; rule: number } | null {
  for (const [index, rule] of rules.entries()) {
    const values = textValues(claimValue(claims, rule.claim));
    const matched =
      rule.equals !== undefined
        ? values.includes(rule.equals)
        : rule.matches !== undefined
          ? values.some((v) => new RegExp(rule.matches!, 'u').test(v))
          : values.length > 0;
    if (!matched) continue;
    let organizationCode: string | null = rule.organization ?? null;
    if (rule.organizationFromClaim !== undefined) {
      // The organization's code must be one text value; a list or nothing does not say which organization.
      const codes = textValues(claimValue(claims, rule.organizationFromClaim));
      if (codes.length !== 1 || Array.isArray(claimValue(claims, rule.organizationFromClaim))) continue;
      organizationCode = codes[0]!;
    }
    return { role: rule.role as Role, organizationCode, rule: index };
  }
  return null;
}

/** A username the local account rules accept (`^[A-Za-z0-9][A-Za-z0-9._@-]*$`, ≤ 100) from the provider's name. */
export function localUsername(raw: string): string {
  const cleaned = raw
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^A-Za-z0-9._@-]+/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, 90);
  return cleaned === '' ? 'sso-user' : cleaned;
}

interface FlowState {
  state: string;
  nonce: string;
  verifier: string;
  startedAtMs: number;
}

/** The OIDC sign-in: its start (a redirect to the provider) and its end (the callback), and sign-out's URL. */
export class OidcSignIn {
  private discovered: Promise<client.Configuration> | null = null;
  private readonly agent: Agent;

  constructor(
    private readonly config: Config,
    private readonly deps: {
      accounts: Accounts;
      egress: EgressPolicy;
      kek: KeyEncryptionKey;
      logger: Logger;
      /** The console's address (`admin.publicUrl`, else where the admin API listens), without a trailing slash. */
      publicBaseUrl: () => string;
    },
  ) {
    // The provider is an outbound address like any other (issue 10): each connection passes the egress policy,
    // so an operator allows it with `egress.allow` when it is on a private network.
    this.agent = new Agent({
      connect: deps.egress.connector('oidc', { timeout: HTTP_TIMEOUT_SECONDS * 1000 }),
      headersTimeout: HTTP_TIMEOUT_SECONDS * 1000,
      bodyTimeout: HTTP_TIMEOUT_SECONDS * 1000,
    });
  }

  get enabled(): boolean {
    return this.config.oidc.issuer !== '';
  }

  get label(): string {
    return this.config.oidc.label;
  }

  get redirectUrl(): string {
    return this.config.oidc.redirectUrl || `${this.deps.publicBaseUrl()}/api/v1/auth/oidc/callback`;
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  /**
   * The provider's metadata and keys (OpenID Connect Discovery), fetched on first use and kept; a failure is not
   * kept, so the next sign-in tries again (the provider may start after the platform).
   */
  private configuration(): Promise<client.Configuration> {
    if (!this.discovered) {
      const { issuer, clientId, clientSecret } = this.config.oidc;
      const issuerUrl = new URL(issuer);
      const fetchThroughEgress: client.CustomFetch = async (url, options) => {
        const res = await undiciFetch(url, { ...options, dispatcher: this.agent } as Parameters<
          typeof undiciFetch
        >[1]);
        if (res.body === null) return res as unknown as Response;
        const body = await readAtMost(
          Readable.fromWeb(res.body as WebReadableStream<Uint8Array>),
          OIDC_ANSWER_MAX_BYTES,
        );
        if (body === null) throw new Error(tooLargeReason(OIDC_ANSWER_MAX_BYTES));
        return new Response(body.length === 0 ? null : body, {
          status: res.status,
          statusText: res.statusText,
          headers: [...res.headers],
        });
      };
      this.discovered = client
        .discovery(
          issuerUrl,
          clientId,
          undefined,
          clientSecret ? client.ClientSecretBasic(clientSecret) : client.None(),
          {
            [client.customFetch]: fetchThroughEgress,
            timeout: HTTP_TIMEOUT_SECONDS,
            // Plain http only for a provider on this machine (config validation refuses it elsewhere).
            ...(issuerUrl.protocol === 'http:' ? { execute: [client.allowInsecureRequests] } : {}),
          },
        )
        .catch((err: unknown) => {
          this.discovered = null;
          throw err;
        });
    }
    return this.discovered;
  }

  /** The provider's authorization URL, and the sealed cookie value that lets only this browser finish the flow. */
  async start(nowMs: number): Promise<{ location: string; flowCookie: string }> {
    if (!this.enabled) throw new SignInFailed('oidc_not_configured');
    let configuration: client.Configuration;
    try {
      configuration = await this.configuration();
    } catch (err) {
      throw new SignInFailed('provider_unavailable', err);
    }
    const flow: FlowState = {
      state: client.randomState(),
      nonce: client.randomNonce(),
      verifier: client.randomPKCECodeVerifier(),
      startedAtMs: nowMs,
    };
    const location = client.buildAuthorizationUrl(configuration, {
      redirect_uri: this.redirectUrl,
      scope: this.config.oidc.scopes.join(' '),
      response_type: 'code',
      code_challenge: await client.calculatePKCECodeChallenge(flow.verifier),
      code_challenge_method: 'S256',
      state: flow.state,
      nonce: flow.nonce,
    });
    // Sealed with the platform's key (AES-GCM): the browser holds it but can neither read nor alter it.
    const sealed = this.deps.kek.seal(Buffer.from(JSON.stringify(flow), 'utf8'), FLOW_LABEL);
    return { location: location.href, flowCookie: sealed.toString('base64url') };
  }

  /**
   * Finishes the flow: `rawQuery` is the callback's query string, `flowCookie` the cookie `start` set. The library
   * exchanges the code (with the PKCE verifier) and validates the ID token; the claims — the ID token's, over
   * those of the UserInfo endpoint — are mapped by the rules, and the local user is created or updated and signed
   * in. Every refusal is a `SignInFailed` with the reason the console shows.
   */
  async complete(
    rawQuery: string,
    flowCookie: string | null,
    nowMs: number,
    signingIn: SignInClient = { address: '' },
  ): Promise<ConsoleSession> {
    if (!this.enabled) throw new SignInFailed('oidc_not_configured');
    const params = new URLSearchParams(rawQuery);
    // The flow first: a provider's refusal comes back to a browser that started one. Without it, `?error=` is only
    // what someone typed — taken for the provider's, it put a false "provider denied" in the sign-in history.
    const flow = this.openFlow(flowCookie, nowMs);
    if (params.has('error')) throw new SignInFailed('provider_denied', params.get('error'));
    let configuration: client.Configuration;
    try {
      configuration = await this.configuration();
    } catch (err) {
      throw new SignInFailed('provider_unavailable', err);
    }
    const callbackUrl = new URL(this.redirectUrl);
    callbackUrl.search = params.toString();
    let claims: Claims;
    try {
      const tokens = await client.authorizationCodeGrant(configuration, callbackUrl, {
        pkceCodeVerifier: flow.verifier,
        expectedState: flow.state,
        expectedNonce: flow.nonce,
        idTokenExpected: true,
      });
      const idClaims = tokens.claims();
      if (!idClaims) throw new Error('no ID token');
      // Providers put profile claims in the ID token or only at UserInfo (OpenID Connect Core §5.4), depending on
      // their settings; both come from the provider, and the signed ID token wins where they overlap.
      let userInfo: Claims = {};
      if (configuration.serverMetadata().userinfo_endpoint && tokens.access_token) {
        userInfo = await client.fetchUserInfo(configuration, tokens.access_token, idClaims.sub);
      }
      claims = { ...userInfo, ...idClaims };
    } catch (err) {
      if (err instanceof SignInFailed) throw err;
      throw new SignInFailed(isNetworkError(err) ? 'provider_unavailable' : 'invalid_response', err);
    }
    const name = textValues(claimValue(claims, this.config.oidc.usernameClaim))[0];
    const email = textValues(claims['email'])[0];
    const username = localUsername(name ?? email ?? String(claims['sub']));
    const mapped = mapClaims(this.config.oidc.rules, claims);
    if (!mapped) throw new SignInFailed('no_matching_rule', undefined, { username, userId: null });
    const displayName = (textValues(claims['name'])[0] ?? name ?? email ?? username).slice(0, 200);
    try {
      return await this.deps.accounts.signInWithOidc(
        {
          issuer: String(claims['iss']),
          subject: String(claims['sub']),
          username,
          displayName,
          role: mapped.role,
          organizationCode: mapped.organizationCode,
        },
        signingIn,
      );
    } catch (err) {
      if (err instanceof OidcSignInRefused) {
        throw new SignInFailed(err.reason, err, err.account ?? { username, userId: null });
      }
      throw err;
    }
  }

  /**
   * Where the console sends the browser to end the session at the provider too (OpenID Connect RP-Initiated
   * Logout), when the provider has an `end_session_endpoint`; null otherwise. It names this client and where to
   * come back (the console, which must be a registered post-logout redirect URI); no token travels in it.
   */
  async endSessionUrl(): Promise<string | null> {
    if (!this.enabled) return null;
    try {
      const configuration = await this.configuration();
      if (!configuration.serverMetadata().end_session_endpoint) return null;
      return client.buildEndSessionUrl(configuration, {
        client_id: this.config.oidc.clientId,
        post_logout_redirect_uri: `${this.deps.publicBaseUrl()}/`,
      }).href;
    } catch (err) {
      this.deps.logger.warn(
        { error: errorName(err) },
        'nhà cung cấp định danh OIDC không sẵn sàng để đăng xuất / OIDC provider unavailable for sign-out',
      );
      return null;
    }
  }

  /** The flow the cookie carries, if it opens with our key and is recent; else the sign-in has expired. */
  private openFlow(flowCookie: string | null, nowMs: number): FlowState {
    if (!flowCookie) throw new SignInFailed('signin_expired');
    let flow: FlowState;
    try {
      flow = JSON.parse(
        this.deps.kek.open(Buffer.from(flowCookie, 'base64url'), FLOW_LABEL).toString('utf8'),
      ) as FlowState;
    } catch (err) {
      throw new SignInFailed('signin_expired', err);
    }
    const ageMs = nowMs - flow.startedAtMs;
    if (!(ageMs >= -60_000 && ageMs <= FLOW_MAX_AGE_SECONDS * 1000)) throw new SignInFailed('signin_expired');
    return flow;
  }
}

function isNetworkError(err: unknown): boolean {
  const code = (err as { code?: unknown; cause?: { code?: unknown } }).cause?.code;
  return (
    (err instanceof TypeError && /fetch failed/.test(err.message)) ||
    code === 'EGRESS_DENIED' ||
    code === 'ECONNREFUSED' ||
    timedOut(err)
  );
}

/**
 * Whether the provider's limit (`HTTP_TIMEOUT_SECONDS`) cut the exchange: `openid-client` wraps the abort's
 * `TimeoutError` in its own error, twice when the abort cut the answer's body as it was read (a parse error caused
 * by it) — a provider that did not answer in time, not an invalid answer.
 */
function timedOut(err: unknown): boolean {
  let e = err as { name?: unknown; cause?: unknown } | null | undefined;
  for (let depth = 0; e && depth < 4; depth++, e = e.cause as typeof e)
    if (e.name === 'TimeoutError') return true;
  return false;
}

/** What a log line may say of an error from the provider: its name and code, never a body or a token. */
export function errorName(err: unknown): string {
  if (err === undefined || err === null) return '';
  if (typeof err === 'string') return err.slice(0, 100);
  const e = err as { name?: string; code?: unknown; error?: unknown };
  return [e.name, e.code, e.error].filter((p) => typeof p === 'string').join(' ');
}
