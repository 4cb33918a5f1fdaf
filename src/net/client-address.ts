import type { IncomingMessage } from 'node:http';
import { BlockList, isIP, type Socket } from 'node:net';

/**
 * Who is calling, by network address (issue 10 item 7). The peer of the TCP connection is the caller unless it is
 * one of the operator's own proxies (`gateway.trustedProxies`): only then is its `X-Forwarded-For` believed, read
 * from the right and skipping further trusted proxies, so a consumer cannot choose the address it is recorded and
 * limited under by sending the header itself (RFC 7239 §5.2's advice, as nginx's `real_ip_recursive` does).
 */
export class TrustedProxies {
  private readonly list = new BlockList();
  readonly empty: boolean;

  constructor(entries: readonly string[]) {
    for (const entry of entries) {
      const slash = entry.indexOf('/');
      const address = slash < 0 ? entry : entry.slice(0, slash);
      const type = isIP(address) === 6 ? 'ipv6' : 'ipv4';
      if (slash < 0) this.list.addAddress(address, type);
      else this.list.addSubnet(address, Number(entry.slice(slash + 1)), type);
    }
    this.empty = entries.length === 0;
  }

  has(address: string): boolean {
    if (this.empty) return false;
    const family = isIP(address);
    return family !== 0 && this.list.check(address, family === 6 ? 'ipv6' : 'ipv4');
  }
}

/** A connection's peer, an IPv4-mapped IPv6 address (`::ffff:10.0.0.1`) written as the IPv4 address it is. */
export function socketAddress(socket: Socket): string {
  const address = socket.remoteAddress ?? '';
  return address.startsWith('::ffff:') && address.indexOf('.') > 0 ? address.slice(7) : address;
}

/** The request's peer (`socketAddress`). */
export function peerAddress(req: IncomingMessage): string {
  return socketAddress(req.socket);
}

/** `[2001:db8::1]:443` and `10.0.0.1:5000` → the address alone; null when it is not an address at all. */
function forwardedAddress(raw: string): string | null {
  let entry = raw.trim();
  if (entry.startsWith('[')) entry = entry.slice(1, entry.indexOf(']'));
  else if (entry.indexOf(':') === entry.lastIndexOf(':') && entry.indexOf(':') > 0)
    entry = entry.slice(0, entry.indexOf(':'));
  if (entry.startsWith('::ffff:') && entry.indexOf('.') > 0) entry = entry.slice(7);
  return isIP(entry) === 0 ? null : entry;
}

/**
 * The addresses a request passed through that the gateway can vouch for, client first and the peer last: the peer
 * alone, unless it is a trusted proxy — then the `X-Forwarded-For` entries from the right for as long as they are
 * trusted proxies, and the first one that is not (the client). What lies left of the client was written by the
 * client itself and is dropped.
 */
export function forwardedChain(req: IncomingMessage, trusted: TrustedProxies): string[] {
  const peer = peerAddress(req);
  if (!trusted.has(peer)) return [peer];
  const header = req.headers['x-forwarded-for'];
  if (header === undefined || header === '') return [peer];
  const entries = (Array.isArray(header) ? header.join(',') : header).split(',');
  const chain = [peer];
  for (let i = entries.length - 1; i >= 0; i--) {
    const address = forwardedAddress(entries[i]!);
    if (address === null) break;
    chain.unshift(address);
    if (!trusted.has(address)) break;
  }
  return chain;
}

/** The calling client's address: what the record keeps and per-address limits count. */
export function clientAddress(req: IncomingMessage, trusted: TrustedProxies): string {
  return trusted.empty ? peerAddress(req) : forwardedChain(req, trusted)[0]!;
}

/** What the gateway tells a provider about where a request came from (`X-Forwarded-*`, all set by the gateway). */
export interface ForwardedOrigin {
  forwardedFor: string;
  proto: string;
  host: string | undefined;
}

/** The first of a comma-separated header's values, or undefined. */
function firstValue(value: string | string[] | undefined): string | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined) return undefined;
  const comma = text.indexOf(',');
  return (comma < 0 ? text : text.slice(0, comma)).trim() || undefined;
}

/**
 * `X-Forwarded-For` as the gateway vouches for it (`forwardedChain`); the scheme and host the client used — what
 * the gateway saw, or what a trusted proxy in front of it says it saw.
 */
export function forwardedOrigin(req: IncomingMessage, trusted: TrustedProxies): ForwardedOrigin {
  const ownProto = (req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http';
  if (trusted.empty || !trusted.has(peerAddress(req))) {
    return { forwardedFor: peerAddress(req), proto: ownProto, host: req.headers.host };
  }
  const proto = firstValue(req.headers['x-forwarded-proto'])?.toLowerCase();
  return {
    forwardedFor: forwardedChain(req, trusted).join(', '),
    proto: proto === 'https' || proto === 'http' ? proto : ownProto,
    host: firstValue(req.headers['x-forwarded-host']) ?? req.headers.host,
  };
}
