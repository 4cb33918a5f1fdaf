import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';

/** RFC 9110 §7.6.1 hop-by-hop fields, plus `proxy-connection` which some clients still send. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

function connectionListed(headers: IncomingHttpHeaders | Record<string, unknown>): Set<string> | null {
  const value = headers['connection'];
  if (typeof value !== 'string' || value === '' || value === 'keep-alive' || value === 'close') return null;
  return new Set(value.split(',').map((s) => s.trim().toLowerCase()));
}

/**
 * Fields a consumer may not send on: what says where a request came from — only the gateway, which saw the
 * connection, says that (it sets X-Forwarded-For/-Proto/-Host itself) — and every credential, the LGSP's own and any
 * other, so that a provider never sees, logs or replays a secret meant for someone else (issue 10 item 7). Cookies
 * are credentials too: consumers are systems that authenticate to the LGSP with tokens, and a provider trusts the
 * LGSP's identity headers, not a session the consumer carries.
 */
const NOT_FORWARDED = new Set([
  'host',
  'expect',
  // where the request came from
  'forwarded',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
  'x-forwarded-port',
  'x-forwarded-prefix',
  'x-forwarded-server',
  'x-forwarded-ssl',
  'x-forwarded-scheme',
  'x-original-forwarded-for',
  'x-real-ip',
  'x-client-ip',
  'x-cluster-client-ip',
  'true-client-ip',
  'cf-connecting-ip',
  'fastly-client-ip',
  'x-original-url',
  'x-rewrite-url',
  // what method the provider runs: the gateway checked the request's own method against the version's resources
  // and the subscription; a provider honouring an override (many do, on POST) would run another one
  'x-http-method-override',
  'x-http-method',
  'x-method-override',
  // credentials
  'authorization',
  'proxy-authorization',
  'cookie',
  'lgspaccesstoken',
  'x-api-key',
  'api-key',
  'apikey',
  'x-auth-token',
  'x-access-token',
  'x-amz-security-token',
]);

/**
 * Whether a consumer's field stays out of the forwarded request. A name is also read with `_` as `-`: CGI-style
 * providers (PHP, Python WSGI, many frameworks) see `X_LGSP_Consumer_System` and `X-LGSP-Consumer-System` as the
 * same variable, so an underscore variant of a platform header would otherwise pass as the LGSP's own.
 */
function dropped(lower: string): boolean {
  if (NOT_FORWARDED.has(lower) || lower.startsWith('x-lgsp-') || HOP_BY_HOP.has(lower)) return true;
  if (lower.indexOf('_') < 0) return false;
  const dashed = lower.replaceAll('_', '-');
  return NOT_FORWARDED.has(dashed) || dashed.startsWith('x-lgsp-') || HOP_BY_HOP.has(dashed);
}

export interface ForwardIdentity {
  transactionId: string;
  consumerSystemId: string;
  consumerOrgCode: string;
  environment: string;
  /** `X-Forwarded-For` as the gateway vouches for it: the client, trusted proxies, the peer (`client-address.ts`). */
  forwardedFor: string;
  proto: string;
  host: string | undefined;
}

/**
 * Headers for the provider, as a flat [name, value, …] list built from the raw headers (cheaper than an object,
 * and it keeps repeated fields as sent): the consumer's own, minus hop-by-hop fields, the fields that only the
 * gateway may set and every credential (`NOT_FORWARDED`, underscore variants included) and any `x-lgsp-*` it sent
 * (only the LGSP says who the consumer is); plus X-Forwarded-* and the LGSP's identity.
 */
export function requestHeadersForUpstream(
  rawHeaders: string[],
  incoming: IncomingHttpHeaders,
  id: ForwardIdentity,
): string[] {
  const listed = connectionListed(incoming);
  const out: string[] = [];
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    const lower = name.toLowerCase();
    if (dropped(lower) || listed?.has(lower)) continue;
    out.push(name, rawHeaders[i + 1]!);
  }
  out.push('x-forwarded-for', id.forwardedFor);
  out.push('x-forwarded-proto', id.proto);
  if (id.host) out.push('x-forwarded-host', id.host);
  out.push('x-lgsp-transaction-id', id.transactionId);
  out.push('x-lgsp-consumer-system', id.consumerSystemId);
  out.push('x-lgsp-consumer-organization', id.consumerOrgCode);
  out.push('x-lgsp-environment', id.environment);
  return out;
}

/**
 * The same headers as an object, for an answer whose headers are changed before they are written (a mapped body's
 * length): one rule, `responseHeaderListForConsumer`.
 */
export function responseHeadersForConsumer(
  upstream: Record<string, string | string[] | undefined>,
  transactionId: string,
  extra: Readonly<Record<string, string>> | null,
  provider: ProviderAddress | null = null,
  pathPrefix = '',
): OutgoingHttpHeaders {
  const list = responseHeaderListForConsumer(upstream, transactionId, extra, provider, pathPrefix);
  const out: OutgoingHttpHeaders = {};
  for (let i = 0; i < list.length; i += 2) out[list[i] as string] = list[i + 1];
  return out;
}

/**
 * Headers for the consumer as a flat [name, value, …] list for `res.writeHead(status, list)`, which node:http writes
 * as it comes (no object to build, no second pass): the provider's headers minus hop-by-hop fields, then `extra` (a
 * deprecated version's, R-18 — replacing the provider's fields of those names), then the transaction id.
 */
export function responseHeaderListForConsumer(
  upstream: Record<string, string | string[] | undefined>,
  transactionId: string,
  extra: Readonly<Record<string, string>> | null,
  provider: ProviderAddress | null = null,
  pathPrefix = '',
): Array<string | string[]> {
  const listed = connectionListed(upstream);
  const out: Array<string | string[]> = [];
  for (const name in upstream) {
    let value = upstream[name];
    if (value === undefined || HOP_BY_HOP.has(name) || listed?.has(name)) continue;
    if (name === 'x-lgsp-transaction-id' || (extra !== null && extra[name] !== undefined)) continue;
    if (provider !== null && (name === 'location' || name === 'content-location')) {
      value = typeof value === 'string' ? consumerLocation(value, provider, pathPrefix) : undefined;
      if (value === undefined) continue;
    } else if (provider !== null && name === 'link') {
      value = consumerLinks(value, provider, pathPrefix);
      if (value === undefined) continue;
    } else if (provider !== null && name === 'refresh') {
      value = typeof value === 'string' ? consumerRefresh(value, provider, pathPrefix) : undefined;
      if (value === undefined) continue;
    }
    out.push(name, value);
  }
  if (extra !== null) for (const name in extra) out.push(name, extra[name]!);
  out.push('x-lgsp-transaction-id', transactionId);
  return out;
}

/** Where a call was forwarded (an `Upstream`): the provider's origin and base path. */
export interface ProviderAddress {
  /** `http://host:port` of the provider. */
  readonly origin: string;
  /** The upstream URL's path, '' or `/api/dancu`. */
  readonly basePath: string;
}

/**
 * A provider's `Location` / `Content-Location` as the consumer may see it (DESIGN.md "Trust boundary", docs/security.md
 * §2.1: a provider's address is known to its agency and the operator only). A redirect a provider's server makes on
 * its own — nginx's trailing slash, a framework's absolute URL — names its internal origin and base path; relayed as
 * is, it told any consumer the way around the gateway. As nginx's `proxy_redirect default` does, a URL under the
 * provider's base becomes the same place under the gateway's path (`pathPrefix`, `/dancu/1.0/…`, resolved by the consumer against
 * the gateway); one elsewhere on the provider's origin — nowhere the gateway leads — is dropped; any other
 * (another site, a relative reference) is left as the provider wrote it.
 */
export function consumerLocation(
  value: string,
  from: ProviderAddress,
  pathPrefix: string,
): string | undefined {
  // `//host/…` names a host as an absolute URL does, in the scheme of the request it answers (the gateway's call to
  // the provider); so does `/\host/…`, since URL parsers and browsers read a backslash there as a slash.
  const schemeRelative = /^[/\\]{2}/.test(value);
  let rest: string;
  if (value.startsWith('/') && !schemeRelative) {
    rest = value;
  } else {
    // Parsed, so that `HTTP://HOST:80/…` is the origin `http://host` it is; a scheme-relative one against the
    // provider's origin, as the provider meant it.
    const against = schemeRelative ? from.origin : undefined;
    const parsed = URL.canParse(value, against) ? new URL(value, against) : null;
    if (parsed === null || parsed.origin !== from.origin) return value;
    rest = parsed.pathname + parsed.search + parsed.hash;
  }
  const base = from.basePath;
  if (base === '') return pathPrefix + rest;
  if (rest.startsWith(base) && (rest.length === base.length || /^[/?#]/.test(rest.slice(base.length)))) {
    const tail = rest.slice(base.length);
    return pathPrefix + (tail.startsWith('/') ? tail : `/${tail}`);
  }
  return value.startsWith('/') && !schemeRelative ? value : undefined;
}

/** One link-value of a `Link` field (RFC 8288 §3): `<URI>` and its parameters, quoted strings kept whole. */
const LINK_VALUE = /<([^>]*)>((?:[^,"]|"(?:[^"\\]|\\.)*")*)/g;

/**
 * A provider's `Link` field (pagination's `rel="next"` is often an absolute URL) told as `consumerLocation` tells a
 * redirect: each target under the provider's base becomes the gateway's path, one elsewhere on the provider's origin
 * is left out, others stay. Undefined when nothing is left.
 */
export function consumerLinks(
  value: string | string[],
  from: ProviderAddress,
  pathPrefix: string,
): string | undefined {
  const kept: string[] = [];
  for (const field of typeof value === 'string' ? [value] : value) {
    for (const m of field.matchAll(LINK_VALUE)) {
      const target = consumerLocation(m[1]!, from, pathPrefix);
      if (target !== undefined) kept.push(`<${target}>${m[2]!.trimEnd()}`);
    }
  }
  return kept.length === 0 ? undefined : kept.join(', ');
}

/**
 * `Refresh: <delay>[; url=<URL>]` as HTML's "shared declarative refresh steps" read it: the delay (digits and dots),
 * `;` or `,`, an optional `url=` (any case, spaces around `=`), an optional quote that ends the URL where it recurs.
 */
const REFRESH = /^([0-9.]+\s*(?:[;,]\s*)?(?:url\s*=\s*)?)(["']?)(.*)$/is;

/**
 * A provider's `Refresh` field (a browser follows it like a redirect, after the delay) told as `consumerLocation`
 * tells a redirect: a URL under the provider's base becomes the gateway's path, one elsewhere on the provider's
 * origin drops the field, another site stays; a delay without a URL reloads the page itself and stays as written.
 * A value that is no refresh (no delay first) does nothing in a browser and may still name the provider: dropped.
 */
export function consumerRefresh(
  value: string,
  from: ProviderAddress,
  pathPrefix: string,
): string | undefined {
  const m = REFRESH.exec(value);
  if (m === null) return undefined;
  const [, lead, quote, rest] = m as unknown as [string, string, string, string];
  const end = quote === '' ? -1 : rest.indexOf(quote);
  const url = end < 0 ? rest : rest.slice(0, end);
  if (url.trim() === '') return value;
  const target = consumerLocation(url.trim(), from, pathPrefix);
  return target === undefined ? undefined : `${lead}${quote}${target}${end < 0 ? '' : quote}`;
}
