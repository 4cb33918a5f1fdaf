import { lookup as dnsLookup } from 'node:dns/promises';
import type { AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import { buildConnector } from 'undici';
import type { Config } from '../core/config.ts';
import {
  canonicalIp,
  decideEgress,
  decideHostName,
  EGRESS_RULE_TEXT,
  type EgressAllowEntry,
  type EgressDecision,
  type EgressRule,
  egressTargetOf,
  normalizeHostName,
  parseEgressAllow,
} from '../core/egress.ts';
import { LgspError } from '../core/errors.ts';

/** Resolves a host name to all its addresses (dns.lookup with `all`); tests give their own to stage a rebinding. */
export type LookupAll = (host: string) => Promise<ReadonlyArray<{ address: string }>>;

/** Which outbound client met the refusal: named in the log line and the alert. */
/** Who met the refusal: a connection of one of the clients, or `save` — a URL refused when it was saved. */
export type EgressClient = 'gateway' | 'probe' | 'webhook' | 'delivery' | 'oidc' | 'save';

/** A connection the policy refused, as told to listeners (no path, no query, no credentials: host and port). */
export interface EgressDenial {
  client: EgressClient;
  host: string;
  address: string;
  port: number;
  rule: EgressRule;
}

/** The error an outbound client sees when its connection is refused; `code` lets handlers tell it apart. */
export class EgressDeniedError extends Error {
  readonly code = 'EGRESS_DENIED';
  constructor(readonly denial: EgressDenial) {
    super(`egress denied (${denial.rule}): ${denial.host}:${denial.port}`);
    this.name = 'EgressDeniedError';
  }
}

export function isEgressDenied(err: unknown): err is EgressDeniedError {
  return err instanceof EgressDeniedError;
}

const SAVE_LOOKUP_TIMEOUT_MS = 5_000;

/** The rules an `egress.allow` entry can lift (docs/configuration.md); metadata, the own ports … never. */
const LIFTABLE_RULES: ReadonlySet<EgressRule> = new Set(['loopback', 'link-local', 'private']);

/** What the person who was refused can do next, when the operator may open the address. */
function liftHint(target: string): string {
  return (
    `. Nếu đây đúng là hệ thống cung cấp: người vận hành thêm ${target} vào egress.allow (LGSP_EGRESS_ALLOW; ` +
    'loopback, link-local: bằng địa chỉ IP, không bằng tên) rồi khởi động lại nền tảng — docs/configuration.md / ' +
    `If it really is a provider: the operator adds ${target} to egress.allow (LGSP_EGRESS_ALLOW; loopback and ` +
    'link-local by IP address, not by name) and restarts the platform'
  );
}

const systemLookup: LookupAll = (host) => dnsLookup(host, { all: true, verbatim: true });

/** This machine's interface addresses, canonical: the platform's own ports are denied on every one of them. */
function machineAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flatMap((list) => list ?? [])
    .map((i) => canonicalIp(i.address))
    .filter((a): a is string => a !== null);
}

/** The part of a primary's policy its gateway workers follow (sent with each status message). */
export interface EgressShared {
  ownPorts: number[];
  added: string[];
}

export interface EgressPolicyOptions {
  /** Default: the system resolver (dns.lookup, all addresses). */
  lookup?: LookupAll;
}

/**
 * The egress policy with its I/O (issue 10, no SSRF): the operator's `egress.allow`, this platform's own listening
 * ports, name resolution, and undici's connector. The decision itself is `core/egress.ts`.
 *
 * - At save time (`assertAllowed`), an upstream, webhook or health-check URL is refused with 400
 *   `API_EGRESS_DENIED` naming the rule when its address — or any address its name resolves to — is denied. A name
 *   that does not resolve is accepted: a provider's DNS entry may not exist yet, and the connect-time check still
 *   applies to whatever it resolves to later.
 * - At connect time (`connector`), each new connection resolves the name itself, decides on every address, and
 *   connects to the address it checked — never to one a second lookup might give (DNS rebinding). The gateway's
 *   pools are per origin and keep-alive, so this runs once per connection, never per request.
 */
export class EgressPolicy {
  private readonly allow: EgressAllowEntry[];
  /** Entries added after start (`allowTargets`), as written: a gateway worker follows its primary's. */
  private readonly added = new Set<string>();
  private readonly ownPorts = new Set<number>();
  private readonly localAddresses: Set<string>;
  private readonly lookup: LookupAll;
  private readonly listeners = new Set<(denial: EgressDenial) => void>();

  constructor(config: Config['egress'], options: EgressPolicyOptions = {}) {
    const parsed = parseEgressAllow(config.allow);
    if (parsed.problems.length > 0) throw new Error(parsed.problems.join('; '));
    this.allow = parsed.entries;
    this.lookup = options.lookup ?? systemLookup;
    this.localAddresses = new Set(machineAddresses());
  }

  /** The configured listening ports, known before anything listens (port 0 is registered when bound). */
  static forPlatform(config: Config, options: EgressPolicyOptions = {}): EgressPolicy {
    const policy = new EgressPolicy(config.egress, options);
    for (const port of [config.gateway.port, config.admin.port]) policy.addOwnPort(port);
    return policy;
  }

  /**
   * Adds `egress.allow` entries after start, parsed like the configured ones: for a process that starts its own
   * provider beside the platform (the tests' upstreams on port 0), which can list only that exact `host:port`.
   */
  allowTargets(...entries: string[]): void {
    const parsed = parseEgressAllow(entries);
    if (parsed.problems.length > 0) throw new Error(parsed.problems.join('; '));
    for (const entry of parsed.entries) {
      if (this.added.has(entry.text)) continue;
      this.added.add(entry.text);
      this.allow.push(entry);
    }
  }

  /** What a gateway worker must follow of its primary's policy: own ports and entries added after start. */
  get shared(): EgressShared {
    return { ownPorts: [...this.ownPorts].sort((a, b) => a - b), added: [...this.added] };
  }

  /** A gateway worker follows its primary (both only ever grow, so applying them again changes nothing). */
  follow(shared: EgressShared): void {
    for (const port of shared.ownPorts) this.addOwnPort(port);
    const fresh = shared.added.filter((entry) => !this.added.has(entry));
    if (fresh.length > 0) this.allowTargets(...fresh);
  }

  /** A port this platform listens on: denied on this machine's addresses whatever `egress.allow` says. */
  addOwnPort(port: number): void {
    if (port > 0) this.ownPorts.add(port);
  }

  /** Registers a bound server's address and port (`server.address()`), e.g. after listening on port 0. */
  addOwnListener(address: AddressInfo | string | null): void {
    if (!address || typeof address === 'string') return;
    this.addOwnPort(address.port);
    const ip = canonicalIp(address.address);
    if (ip) this.localAddresses.add(ip);
  }

  /** Told of every refused connection (the platform logs it and opens an alert). */
  onDenied(listener: (denial: EgressDenial) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Tells the listeners of a refusal, this policy's own or one a gateway worker reports to its primary. */
  reportDenied(denial: EgressDenial): void {
    for (const listener of this.listeners) listener(denial);
  }

  /** The decision on one address (pure, with this policy's list and own ports). */
  decide(address: string, port: number, hostName: string | null = null): EgressDecision {
    return decideEgress(
      address,
      port,
      {
        allow: this.allow,
        ownPorts: this.ownPorts,
        localAddresses: this.localAddresses,
      },
      hostName,
    );
  }

  /**
   * The save-time check of a URL: the rule that denies it, or null. Names are resolved (all addresses, any one
   * denied refuses it); a name that does not resolve within 5 s is accepted (see the class comment).
   */
  async check(rawUrl: string): Promise<{ rule: EgressRule; host: string; port: number } | null> {
    const target = egressTargetOf(rawUrl);
    // Not an http(s) URL: the caller's own validation refuses it, with its own code (CP_UPSTREAM_URL_INVALID …).
    if (!target) return null;
    const byName = target.ip === null ? decideHostName(target.host) : { ok: true as const };
    if (!byName.ok) return { rule: byName.rule, host: target.host, port: target.port };
    let addresses: string[];
    if (target.ip !== null) addresses = [target.ip];
    else {
      try {
        addresses = (await withTimeout(this.lookup(target.host), SAVE_LOOKUP_TIMEOUT_MS)).map(
          (a) => a.address,
        );
      } catch {
        return null;
      }
    }
    for (const address of addresses) {
      const decision = this.decide(address, target.port, target.ip === null ? target.host : null);
      if (!decision.ok) return { rule: decision.rule, host: target.host, port: target.port };
    }
    return null;
  }

  /** Throws 400 `API_EGRESS_DENIED` naming the rule when `check` refuses the URL; `field` says which one. */
  async assertAllowed(rawUrl: string | null | undefined, field: string): Promise<void> {
    if (!rawUrl) return;
    const denied = await this.check(rawUrl);
    if (!denied) return;
    // An attempt to save such a URL is told to the listeners too (logged, and an operator alert): it is how an
    // SSRF attempt through the admin API shows itself.
    this.reportDenied({
      client: 'save',
      host: denied.host,
      address: '',
      port: denied.port,
      rule: denied.rule,
    });
    const target = `${denied.host}${denied.port ? `:${denied.port}` : ''}`;
    throw new LgspError(
      'API_EGRESS_DENIED',
      `${field}: ${target} — ${EGRESS_RULE_TEXT[denied.rule]}${LIFTABLE_RULES.has(denied.rule) ? liftHint(target) : ''}`,
      { rule: denied.rule },
    );
  }

  /**
   * Resolves `host` once, decides on every address, and returns the one to connect to; throws EgressDeniedError
   * (after telling the listeners) when any is denied.
   */
  async resolve(client: EgressClient, rawHost: string, port: number): Promise<string> {
    const host = rawHost.replace(/^\[|\]$/g, '');
    const ip = canonicalIp(host);
    const deny = (address: string, rule: EgressRule): never => {
      const denial = { client, host, address, port, rule };
      this.reportDenied(denial);
      throw new EgressDeniedError(denial);
    };
    if (ip === null) {
      const byName = decideHostName(host);
      if (!byName.ok) deny('', byName.rule);
    }
    const addresses = ip !== null ? [host] : (await this.lookup(host)).map((a) => a.address);
    if (addresses.length === 0)
      throw Object.assign(new Error(`no address for ${host}`), { code: 'ENOTFOUND' });
    for (const address of addresses) {
      const decision = this.decide(address, port, ip === null ? normalizeHostName(host) : null);
      if (!decision.ok) deny(address, decision.rule);
    }
    return addresses[0]!;
  }

  /**
   * An undici connector (the `connect` option of a Pool or Agent) that checks every new connection: it resolves
   * the name, decides, and has undici connect to the checked address; TLS still verifies the certificate against
   * the name (undici derives SNI from the request's host, which is unchanged).
   */
  connector(client: EgressClient, options: buildConnector.BuildOptions = {}): buildConnector.connector {
    const connect = buildConnector(options);
    return (opts, callback) => {
      const port = Number(opts.port) || (opts.protocol === 'https:' ? 443 : 80);
      this.resolve(client, opts.hostname, port).then(
        (address) => connect({ ...opts, hostname: address }, callback),
        (err: Error) => callback(err, null),
      );
    };
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timeout')), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
