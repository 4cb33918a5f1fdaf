/**
 * The egress policy's decision (issue 10, DESIGN.md "Trust boundary"): may the platform open a connection to this
 * address and port? Pure — no DNS, no socket — so the save-time check (control/), the connect-time check (net/)
 * and the tests in tables share one implementation. The I/O around it (resolving names, the platform's own
 * listening ports, undici's connector) is `src/net/egress.ts`.
 *
 * Numeric tricks (`2130706433`, `0x7f.1`, `0177.0.0.1`, `127.1`, `[::ffff:127.0.0.1]`, `LOCALHOST.`) are undone by
 * the WHATWG URL parser before anything is decided, and IPv6 addresses that carry an IPv4 one (mapped, translated,
 * NAT64, IPv4-compatible, 6to4) are decided as the IPv4 address they carry: the decision is always on the address a
 * socket — or a translator on the way — would reach.
 */

/** Why a target is refused; the name appears in the 400 / 502 answer, the log line and the alert. */
export type EgressRule =
  | 'loopback'
  | 'link-local'
  | 'unspecified'
  | 'multicast'
  | 'broadcast'
  | 'reserved'
  | 'metadata'
  | 'private'
  | 'own-port'
  | 'invalid';

export type EgressDecision = { ok: true } | { ok: false; rule: EgressRule };

/** Vietnamese first, English beside: what each rule means, for the `detail` of an answer and the alert text. */
export const EGRESS_RULE_TEXT: Readonly<Record<EgressRule, string>> = {
  loopback: 'địa chỉ loopback của chính máy chủ / loopback',
  'link-local': 'địa chỉ link-local / link-local',
  unspecified: 'địa chỉ không xác định (0.0.0.0, ::) / unspecified address',
  multicast: 'địa chỉ multicast / multicast',
  broadcast: 'địa chỉ broadcast / broadcast',
  reserved: 'dải địa chỉ dành riêng / reserved range',
  metadata: 'địa chỉ metadata của nền tảng đám mây / cloud metadata',
  private: 'dải địa chỉ riêng không có trong egress.allow / private range not in egress.allow',
  'own-port': 'cổng đang lắng nghe của chính nền tảng / the platform’s own port',
  invalid: 'không phải địa chỉ http(s) hợp lệ / not a valid http(s) target',
};

/** A parsed IP address: IPv4 as a 32-bit number, IPv6 as a 128-bit bigint. */
type Ip = { v: 4; n: number } | { v: 6; n: bigint };

interface Cidr {
  ip: Ip;
  bits: number;
}

/** One `egress.allow` entry: a CIDR or address, or a host name, each with an optional port. */
export type EgressAllowEntry =
  | { kind: 'cidr'; cidr: Cidr; port: number | null; text: string }
  | { kind: 'host'; host: string; port: number | null; text: string };

/** What the decision needs beside the target: the operator's list and this platform's own listeners. */
export interface EgressContext {
  allow: readonly EgressAllowEntry[];
  /** Ports this platform listens on (gateway, admin, and the ports actually bound when configured as 0). */
  ownPorts: ReadonlySet<number>;
  /** Addresses of this machine (its interfaces, canonical form): own ports are denied on them and on loopback. */
  localAddresses: ReadonlySet<string>;
}

// ── Addresses ───────────────────────────────────────────────────────────────────────────────────────────────────

function parseIpv4(s: string): number | null {
  const parts = s.split('.');
  if (parts.length !== 4) return null;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return null;
    n = n * 256 + Number(p);
  }
  return n;
}

function parseIpv6(raw: string): bigint | null {
  let s = raw.replace(/^\[|\]$/g, '').toLowerCase();
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  // A dotted IPv4 tail (`::ffff:127.0.0.1`) is two groups.
  const lastColon = s.lastIndexOf(':');
  if (lastColon >= 0 && s.slice(lastColon + 1).includes('.')) {
    const v4 = parseIpv4(s.slice(lastColon + 1));
    if (v4 === null) return null;
    s = `${s.slice(0, lastColon + 1)}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`;
  }
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail];
  let n = 0n;
  for (const g of groups) {
    if (!/^[0-9a-f]{1,4}$/.test(g)) return null;
    n = (n << 16n) | BigInt(Number.parseInt(g, 16));
  }
  return n;
}

/** The first 96 bits of IPv6 prefixes whose last 32 bits are an IPv4 address a translator or the stack reaches. */
const V4_IN_LAST_32 = [
  0xffffn, // IPv4-mapped ::ffff:a.b.c.d (RFC 4291 §2.5.5.2)
  0xffff0000n, // IPv4-translated ::ffff:0:a.b.c.d (SIIT, RFC 2765 §2.1)
  0x0064ff9bn << 64n, // NAT64 well-known prefix 64:ff9b::a.b.c.d (RFC 6052)
  0n, // IPv4-compatible ::a.b.c.d (RFC 4291 §2.5.5.1, deprecated) — `::` and `::1` themselves excepted below
];
/** 6to4 (RFC 3056): `2002:AABB:CCDD::/48` is a relay's way to the IPv4 address AA.BB.CC.DD. */
const SIX_TO_FOUR = 0x2002n;

/**
 * The address a socket would reach: an IPv6 address that carries an IPv4 one — IPv4-mapped (`::ffff:a.b.c.d`),
 * IPv4-translated (`::ffff:0:a.b.c.d`), NAT64 (`64:ff9b::a.b.c.d`), IPv4-compatible (`::a.b.c.d`) or 6to4
 * (`2002:AABB:CCDD::`) — is decided as that IPv4 address, so `[::ffff:127.0.0.1]`, `[::127.0.0.1]` and
 * `[2002:7f00:1::]` are loopback: a translator or relay on the provider's network would take them there.
 */
export function parseIp(s: string): Ip | null {
  const v4 = parseIpv4(s);
  if (v4 !== null) return { v: 4, n: v4 };
  if (!s.includes(':')) return null;
  const v6 = parseIpv6(s);
  if (v6 === null) return null;
  const high = v6 >> 32n;
  if (V4_IN_LAST_32.includes(high) && (high !== 0n || v6 > 1n)) return { v: 4, n: Number(v6 & 0xffffffffn) };
  if (v6 >> 112n === SIX_TO_FOUR) return { v: 4, n: Number((v6 >> 80n) & 0xffffffffn) };
  return { v: 6, n: v6 };
}

/** The one text form of an address (dotted IPv4, or full lower-case IPv6 groups), for set membership. */
export function canonicalIp(s: string): string | null {
  const ip = parseIp(s);
  if (!ip) return null;
  if (ip.v === 4) return [24, 16, 8, 0].map((shift) => (ip.n >>> shift) & 255).join('.');
  return Array.from({ length: 8 }, (_, i) => ((ip.n >> BigInt(112 - 16 * i)) & 0xffffn).toString(16)).join(
    ':',
  );
}

function cidr(text: string): Cidr {
  const [addr, bits] = text.split('/');
  return { ip: parseIp(addr!)!, bits: Number(bits) };
}

function inCidr(ip: Ip, c: Cidr): boolean {
  if (ip.v !== c.ip.v) return false;
  if (ip.v === 4) {
    if (c.bits === 0) return true;
    const mask = (0xffffffff << (32 - c.bits)) >>> 0;
    return (ip.n & mask) >>> 0 === ((c.ip.n as number) & mask) >>> 0;
  }
  const shift = BigInt(128 - c.bits);
  return ip.n >> shift === (c.ip.n as bigint) >> shift;
}

const ranges = (...texts: string[]) => texts.map(cidr);

/** Cloud metadata services (AWS, GCP, Azure, Alibaba, Oracle, AWS ECS/IPv6): never a provider. */
const METADATA = ranges(
  '169.254.169.254/32',
  '169.254.170.2/32',
  '100.100.100.200/32',
  '168.63.129.16/32',
  '192.0.0.192/32',
  'fd00:ec2::254/128',
);
const METADATA_NAMES = new Set([
  'metadata.google.internal',
  'metadata.goog',
  'metadata',
  'instance-data',
  'instance-data.ec2.internal',
  'metadata.azure.com',
]);
const LOOPBACK = ranges('127.0.0.0/8', '::1/128');
const UNSPECIFIED = ranges('0.0.0.0/8', '::/128');
/** Never reachable on purpose, whatever `egress.allow` lists. */
const NEVER: ReadonlyArray<[EgressRule, Cidr[]]> = [
  ['unspecified', UNSPECIFIED],
  ['multicast', ranges('224.0.0.0/4', 'ff00::/8')],
  ['broadcast', ranges('255.255.255.255/32')],
  // Teredo (RFC 4380) hides the IPv4 address a relay reaches (XOR-ed): no provider is addressed that way.
  ['reserved', ranges('240.0.0.0/4', '2001::/32')],
];
/** Denied unless `egress.allow` lists them. */
const UNLESS_LISTED: ReadonlyArray<[EgressRule, Cidr[]]> = [
  ['loopback', LOOPBACK],
  ['link-local', ranges('169.254.0.0/16', 'fe80::/10')],
  [
    'private',
    ranges(
      '10.0.0.0/8',
      '172.16.0.0/12',
      '192.168.0.0/16',
      '100.64.0.0/10',
      '198.18.0.0/15',
      'fc00::/7',
      'fec0::/10',
      // NAT64 local-use prefix (RFC 8215): the network's own translator, to IPv4 addresses in whichever layout
      // (RFC 6052 §2.2) it was set up with — the province's network, opened by listing it.
      '64:ff9b:1::/48',
    ),
  ],
];

function ruleOf(ip: Ip, table: ReadonlyArray<[EgressRule, Cidr[]]>): EgressRule | null {
  for (const [rule, list] of table) if (list.some((c) => inCidr(ip, c))) return rule;
  return null;
}

// ── Host names and URLs ─────────────────────────────────────────────────────────────────────────────────────────

/** Lower case, without the trailing dots DNS ignores (`LOCALHOST.` is `localhost`). */
export function normalizeHostName(host: string): string {
  return host.toLowerCase().replace(/\.+$/, '');
}

/** A host name decided by its name alone, before (and whatever) DNS answers (RFC 6761: `*.localhost`). */
export function decideHostName(host: string): EgressDecision {
  const name = normalizeHostName(host);
  if (name === 'localhost' || name.endsWith('.localhost')) return { ok: false, rule: 'loopback' };
  if (METADATA_NAMES.has(name)) return { ok: false, rule: 'metadata' };
  return { ok: true };
}

export interface EgressTarget {
  /** The host as the WHATWG URL parser normalized it, without brackets or trailing dots. */
  host: string;
  /** The host when it is an IP address (canonical form), else null: a name to resolve. */
  ip: string | null;
  port: number;
}

/** The host and port an http(s) URL connects to, normalized by the WHATWG URL parser; null if it is not one. */
export function egressTargetOf(raw: string): EgressTarget | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  const host = normalizeHostName(url.hostname.replace(/^\[|\]$/g, ''));
  if (!host) return null;
  const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
  return { host, ip: canonicalIp(host), port };
}

// ── The allow list ──────────────────────────────────────────────────────────────────────────────────────────────

const ENTRY = /^(?<addr>\[[^\]]+\]|[^/:[\]]+)(?:\/(?<bits>\d{1,3}))?(?::(?<port>\d{1,5}))?$/;

/**
 * Parses `egress.allow`: `10.0.0.0/8`, `10.1.2.3`, `api.tinh.gov.vn`, `[fd00::]/8`, each optionally `:port`.
 * Addresses go through the URL parser like targets do, so `0x0a.1` lists 10.0.0.1. Every bad entry is a problem.
 */
export function parseEgressAllow(entries: readonly string[]): {
  entries: EgressAllowEntry[];
  problems: string[];
} {
  const out: EgressAllowEntry[] = [];
  const problems: string[] = [];
  for (const text of entries) {
    const m = ENTRY.exec(text.trim());
    const port = m?.groups?.['port'] === undefined ? null : Number(m.groups['port']);
    const bad = (why: string) =>
      problems.push(
        `egress.allow "${text}": ${why} (CIDR, địa chỉ hoặc tên máy, có thể kèm :cổng / CIDR, address or host name, optionally :port)`,
      );
    if (!m?.groups || (port !== null && (port < 1 || port > 65535))) {
      bad('không đọc được / not understood');
      continue;
    }
    const target = egressTargetOf(`http://${m.groups['addr']}/`);
    if (!target) {
      bad('không phải địa chỉ hay tên máy / not an address or a host name');
      continue;
    }
    const bitsText = m.groups['bits'];
    if (target.ip === null) {
      if (bitsText !== undefined) bad('tên máy không có /độ dài tiền tố / a host name takes no /prefix');
      else out.push({ kind: 'host', host: target.host, port, text });
      continue;
    }
    const ip = parseIp(target.ip)!;
    const bits = bitsText === undefined ? (ip.v === 4 ? 32 : 128) : Number(bitsText);
    if (bits > (ip.v === 4 ? 32 : 128)) {
      bad('độ dài tiền tố quá lớn / prefix too long');
      continue;
    }
    out.push({ kind: 'cidr', cidr: { ip, bits }, port, text });
  }
  return { entries: out, problems };
}

// ── The decision ────────────────────────────────────────────────────────────────────────────────────────────────

function listed(ctx: EgressContext, ip: Ip, port: number, hostName: string | null): EgressAllowEntry | null {
  for (const entry of ctx.allow) {
    if (entry.port !== null && entry.port !== port) continue;
    if (entry.kind === 'cidr' ? inCidr(ip, entry.cidr) : entry.host === hostName) return entry;
  }
  return null;
}

/**
 * May the platform connect to `address`:`port`? `hostName` is the name that resolved to it, if any. In order:
 * the platform's own listening ports on this machine (whatever the allow list says), cloud metadata, addresses no
 * service lives at (unspecified, multicast, broadcast, reserved), then loopback, link-local and private ranges,
 * which `egress.allow` may open. A host-name entry opens that name's private addresses only: loopback and
 * link-local must be listed by address, so that a listed name re-pointed in DNS cannot reach this machine.
 */
export function decideEgress(
  address: string,
  port: number,
  ctx: EgressContext,
  hostName: string | null = null,
): EgressDecision {
  const ip = parseIp(address);
  if (!ip || !Number.isInteger(port) || port < 1 || port > 65535) return { ok: false, rule: 'invalid' };
  if (ctx.ownPorts.has(port)) {
    const local =
      [...LOOPBACK, ...UNSPECIFIED].some((c) => inCidr(ip, c)) ||
      ctx.localAddresses.has(canonicalIp(address)!);
    if (local) return { ok: false, rule: 'own-port' };
  }
  if (METADATA.some((c) => inCidr(ip, c))) return { ok: false, rule: 'metadata' };
  const never = ruleOf(ip, NEVER);
  if (never) return { ok: false, rule: never };
  const rule = ruleOf(ip, UNLESS_LISTED);
  if (rule === null) return { ok: true };
  const entry = listed(ctx, ip, port, hostName);
  if (entry && (entry.kind === 'cidr' || rule === 'private')) return { ok: true };
  return { ok: false, rule };
}
