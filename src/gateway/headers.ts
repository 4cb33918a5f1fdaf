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

export interface ForwardIdentity {
  transactionId: string;
  consumerSystemId: string;
  consumerOrgCode: string;
  environment: string;
  clientAddress: string;
  proto: string;
}

/**
 * Headers for the provider, as a flat [name, value, …] list built from the raw headers (cheaper than an object,
 * and it keeps repeated fields as sent): the consumer's own, minus hop-by-hop fields, its LGSP token (the provider
 * must not see or replay it), `host` (the upstream's own is used), `expect` (node:http already answered it) and
 * any `x-lgsp-*` it sent (only the LGSP says who the consumer is); plus X-Forwarded-* and the LGSP's identity.
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
    if (HOP_BY_HOP.has(lower) || lower === 'host' || lower === 'authorization' || lower === 'expect')
      continue;
    if (lower === 'x-forwarded-for' || lower.startsWith('x-lgsp-') || listed?.has(lower)) continue;
    out.push(name, rawHeaders[i + 1]!);
  }
  const prior = incoming['x-forwarded-for'];
  out.push('x-forwarded-for', prior ? `${prior}, ${id.clientAddress}` : id.clientAddress);
  out.push('x-forwarded-proto', id.proto);
  if (incoming.host && !incoming['x-forwarded-host']) out.push('x-forwarded-host', incoming.host);
  out.push('x-lgsp-transaction-id', id.transactionId);
  out.push('x-lgsp-consumer-system', id.consumerSystemId);
  out.push('x-lgsp-consumer-organization', id.consumerOrgCode);
  out.push('x-lgsp-environment', id.environment);
  return out;
}

/** Headers for the consumer: the provider's, minus hop-by-hop fields, plus the transaction id. */
export function responseHeadersForConsumer(
  upstream: Record<string, string | string[] | undefined>,
  transactionId: string,
): OutgoingHttpHeaders {
  const listed = connectionListed(upstream);
  const out: OutgoingHttpHeaders = {};
  for (const name in upstream) {
    const value = upstream[name];
    if (value === undefined || HOP_BY_HOP.has(name) || listed?.has(name)) continue;
    out[name] = value;
  }
  out['x-lgsp-transaction-id'] = transactionId;
  return out;
}
