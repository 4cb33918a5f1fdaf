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
 * Headers for the provider: the consumer's own, minus hop-by-hop fields, its LGSP token (the provider must not
 * see or replay it), `host` (the upstream's own is used) and any `x-lgsp-*` it sent (only the LGSP says who the
 * consumer is); plus X-Forwarded-* and the LGSP's identity headers.
 */
export function requestHeadersForUpstream(
  incoming: IncomingHttpHeaders,
  id: ForwardIdentity,
): Record<string, string | string[]> {
  const listed = connectionListed(incoming);
  const out: Record<string, string | string[]> = {};
  for (const name in incoming) {
    const value = incoming[name];
    if (value === undefined) continue;
    if (HOP_BY_HOP.has(name) || name === 'host' || name === 'authorization' || name === 'expect') continue;
    if (name.startsWith('x-lgsp-') || listed?.has(name)) continue;
    out[name] = value;
  }
  const prior = incoming['x-forwarded-for'];
  out['x-forwarded-for'] = prior ? `${prior}, ${id.clientAddress}` : id.clientAddress;
  out['x-forwarded-proto'] = id.proto;
  if (incoming.host) out['x-forwarded-host'] = incoming.host;
  out['x-lgsp-transaction-id'] = id.transactionId;
  out['x-lgsp-consumer-system'] = id.consumerSystemId;
  out['x-lgsp-consumer-organization'] = id.consumerOrgCode;
  out['x-lgsp-environment'] = id.environment;
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
