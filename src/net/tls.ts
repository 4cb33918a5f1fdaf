import { createHash, createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync, type StatsListener, unwatchFile, watchFile } from 'node:fs';
import type { Socket } from 'node:net';
import process from 'node:process';
import type { TLSSocket, TlsOptions } from 'node:tls';

/**
 * TLS for the gateway and the admin/portal port (R-13, issue 10 item 6): certificate files are read here, the
 * server options are built here — one policy for both ports — and a certificate renewed on disk (or announced with
 * SIGHUP) replaces the served one with `setSecureContext`, which changes what NEW handshakes see and leaves open
 * connections alone. Client certificates (mTLS, X-Road's trust model) are read once per TLS connection and
 * cached on the socket, because a keep-alive connection carries many calls and its certificate cannot change.
 */

/** PEM paths as configured; an empty `certFile` means plain HTTP. */
export interface TlsFiles {
  certFile: string;
  keyFile: string;
  /** CA bundle that client certificates bound by subject must chain to (gateway only); '' for none. */
  clientCaFile?: string;
}

/** A bind address only this machine reaches: 127.0.0.0/8, ::1, localhost. */
function isLoopbackHost(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/**
 * R-13 (traffic over the Internet is encrypted): the start-up warning for a port other machines reach over plain
 * HTTP — consumer keys and secrets (Basic at `/token`), tokens and data (the gateway), or passwords and session
 * tokens (the admin port) would cross the network in the clear. Null when it serves TLS itself, listens on loopback
 * only, or sits behind trusted proxies (a load balancer that terminates TLS, docs/gateway.md).
 */
export function plainHttpWarning(
  port: 'gateway' | 'admin',
  listen: { host: string; tls: TlsFiles; trustedProxies?: readonly string[] },
): string | null {
  if (tlsEnabled(listen.tls) || isLoopbackHost(listen.host) || (listen.trustedProxies?.length ?? 0) > 0)
    return null;
  const [vi, en] =
    port === 'gateway'
      ? [
          'cổng kết nối nhận kết nối từ mạng bằng HTTP thường: consumer secret, token và dữ liệu đi dạng rõ — đặt gateway.tls.certFile/keyFile (LGSP_GATEWAY_TLS_CERT_FILE/…_KEY_FILE), hoặc đặt cổng sau bộ cân bằng tải kết thúc TLS và khai báo nó ở gateway.trustedProxies (R-13)',
          'the gateway takes network connections over plain HTTP: consumer secrets, tokens and data travel in the clear — set gateway.tls.certFile/keyFile, or put it behind a TLS-terminating load balancer listed in gateway.trustedProxies (R-13)',
        ]
      : [
          'cổng quản trị nhận kết nối từ mạng bằng HTTP thường: mật khẩu và phiên đăng nhập đi dạng rõ — đặt admin.tls.certFile/keyFile (LGSP_ADMIN_TLS_CERT_FILE/…_KEY_FILE) (R-13)',
          'the admin port takes network connections over plain HTTP: passwords and sessions travel in the clear — set admin.tls.certFile/keyFile (R-13)',
        ];
  return `${vi} / ${en}`;
}

/** What the platform keeps of a certificate: enough to bind, match and warn before it expires. */
export interface CertificateInfo {
  /** SHA-256 of the DER certificate, lowercase hex without colons (RFC 8705's x5t#S256 is the same bytes). */
  sha256: string;
  /** The subject's attributes in the certificate's order, `C=VN, O=…, CN=…` (see `normalizeSubject`). */
  subject: string;
  issuer: string;
  serialNumber: string;
  notBeforeMs: number;
  notAfterMs: number;
}

/** A client certificate as the gateway saw it on one TLS connection. */
export interface PeerCertificate extends CertificateInfo {
  /** It chains to the configured client CA (always false when none is configured). */
  authorized: boolean;
}

/**
 * TLS 1.3 suites first, then for TLS 1.2 only forward-secret ECDHE with AEAD ciphers (Mozilla's "intermediate"
 * profile): no RSA key exchange, no CBC, no SHA-1 MACs.
 */
export const TLS_CIPHERS = [
  'TLS_AES_128_GCM_SHA256',
  'TLS_AES_256_GCM_SHA384',
  'TLS_CHACHA20_POLY1305_SHA256',
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
].join(':');

/** RFC 6797: browsers use HTTPS only for a year, subdomains included. Sent by the admin/portal port on HTTPS. */
export const HSTS_HEADER = 'max-age=31536000; includeSubDomains';

export class TlsConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TlsConfigError';
  }
}

export function tlsEnabled(files: TlsFiles): boolean {
  return files.certFile !== '';
}

/**
 * A distinguished name in one canonical text: attributes in order, `key=value` joined by `, `. Accepts Node's
 * form (one attribute per line) and the usual one-line forms (`CN=a,O=b` or `/CN=a/O=b`), so an operator can paste
 * what `openssl x509 -subject` prints.
 */
export function normalizeSubject(subject: string): string {
  const text = subject.trim().replace(/^subject=\s*/i, '');
  const parts = text.startsWith('/')
    ? text.slice(1).split(/\/(?=[A-Za-z][A-Za-z0-9.]*\s*=)/)
    : text.split(/\n|,\s*(?=[A-Za-z][A-Za-z0-9.]*\s*=)/);
  return parts
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => {
      const eq = p.indexOf('=');
      return eq < 0 ? p : `${p.slice(0, eq).trim()}=${p.slice(eq + 1).trim()}`;
    })
    .join(', ');
}

function infoOf(x509: X509Certificate): CertificateInfo {
  return {
    sha256: createHash('sha256').update(x509.raw).digest('hex'),
    subject: normalizeSubject(x509.subject),
    issuer: normalizeSubject(x509.issuer),
    serialNumber: x509.serialNumber,
    notBeforeMs: Date.parse(x509.validFrom),
    notAfterMs: Date.parse(x509.validTo),
  };
}

/** The first certificate of a PEM text, or a TlsConfigError naming what was wrong. */
export function certificateInfo(pem: string | Buffer): CertificateInfo {
  try {
    return infoOf(new X509Certificate(pem));
  } catch (err) {
    throw new TlsConfigError(
      `không đọc được chứng chỉ PEM / not a PEM certificate: ${(err as Error).message}`,
    );
  }
}

/** A normalized SHA-256 fingerprint (hex, with or without colons, any case) or null when it is not one. */
export function normalizeFingerprint(value: string): string | null {
  const hex = value
    .trim()
    .replace(/^sha256[:=]\s*/i, '')
    .replaceAll(':', '')
    .toLowerCase();
  return /^[0-9a-f]{64}$/.test(hex) ? hex : null;
}

/** Certificate, key and CA bundle read from disk and checked against each other. */
export interface TlsMaterial {
  cert: Buffer;
  key: Buffer;
  ca: Buffer | undefined;
  certificate: CertificateInfo;
}

function readPem(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new TlsConfigError(`${what}: không đọc được tệp / cannot read ${path}: ${(err as Error).message}`);
  }
}

export function loadTlsMaterial(files: TlsFiles): TlsMaterial {
  if (!files.keyFile) throw new TlsConfigError('keyFile: thiếu khoá riêng / the private key file is missing');
  const cert = readPem(files.certFile, 'certFile');
  const key = readPem(files.keyFile, 'keyFile');
  const ca = files.clientCaFile ? readPem(files.clientCaFile, 'clientCaFile') : undefined;
  const x509 = (() => {
    try {
      return new X509Certificate(cert);
    } catch (err) {
      throw new TlsConfigError(
        `certFile ${files.certFile}: không phải chứng chỉ PEM / not a PEM certificate: ${(err as Error).message}`,
      );
    }
  })();
  let matches = false;
  try {
    matches = x509.checkPrivateKey(createPrivateKey(key));
  } catch (err) {
    throw new TlsConfigError(
      `keyFile ${files.keyFile}: không phải khoá riêng PEM / not a PEM private key: ${(err as Error).message}`,
    );
  }
  if (!matches) {
    throw new TlsConfigError(
      `keyFile ${files.keyFile} không khớp chứng chỉ / does not match the certificate ${files.certFile}`,
    );
  }
  if (ca) {
    try {
      new X509Certificate(ca);
    } catch (err) {
      throw new TlsConfigError(
        `clientCaFile ${files.clientCaFile}: không phải chứng chỉ PEM / not a PEM certificate: ${(err as Error).message}`,
      );
    }
  }
  return { cert, key, ca, certificate: infoOf(x509) };
}

/**
 * Everything a secure context needs: the material plus the protocol floor and ciphers, so a reload
 * (`setSecureContext`) keeps the same policy as the first context.
 */
function secureContextOptions(material: TlsMaterial): TlsOptions {
  return {
    cert: material.cert,
    key: material.key,
    ...(material.ca ? { ca: material.ca } : {}),
    minVersion: 'TLSv1.2',
    ciphers: TLS_CIPHERS,
    honorCipherOrder: true,
  };
}

/**
 * Options for `https.createServer` / Fastify's `https`. With `requestClientCert` (the gateway) the server asks for
 * a client certificate but does not refuse a connection without one: systems not bound to a certificate must keep
 * working, so the gateway decides per system (src/gateway/policy.ts `clientCertificate`).
 */
export function tlsServerOptions(material: TlsMaterial, requestClientCert: boolean): TlsOptions {
  return {
    ...secureContextOptions(material),
    ...(requestClientCert ? { requestCert: true, rejectUnauthorized: false } : {}),
  };
}

/**
 * Refuses TLS 1.2 renegotiation on every connection of `server`: a renegotiation could present another client
 * certificate mid-connection, after `peerCertificate` cached the first (and costs the server a handshake each time).
 */
export function refuseRenegotiation(server: {
  on(event: 'secureConnection', f: (s: TLSSocket) => void): unknown;
}): void {
  server.on('secureConnection', (socket) => socket.disableRenegotiation());
}

const PEER = Symbol('lgsp.peerCertificate');
type CachedSocket = Socket & { [PEER]?: PeerCertificate | null };

/**
 * The client certificate of the connection a request came on, or null (plain HTTP, or none sent). Computed on the
 * connection's first request and cached on its socket: hashing the DER on every call would cost the hot path.
 */
export function peerCertificate(socket: Socket): PeerCertificate | null {
  const s = socket as CachedSocket;
  const cached = s[PEER];
  if (cached !== undefined) return cached;
  const tlsSocket = socket as TLSSocket;
  let peer: PeerCertificate | null = null;
  if (typeof tlsSocket.getPeerX509Certificate === 'function') {
    const x509 = tlsSocket.getPeerX509Certificate();
    if (x509) peer = { ...infoOf(x509), authorized: tlsSocket.authorized === true };
  }
  s[PEER] = peer;
  return peer;
}

/** What a TLS server offers to replace its certificate (https.Server and tls.Server both do). */
interface ReloadableServer {
  setSecureContext(options: TlsOptions): void;
}

export interface TlsReloaderOptions {
  /** How often the PEM files' metadata are polled; `fs.watchFile` also sees a file replaced by rename. */
  pollIntervalMs?: number;
  onReload?: (certificate: CertificateInfo) => void;
  onError?: (err: Error) => void;
}

/**
 * Replaces a server's certificate when its files change or the process receives SIGHUP. A failed reload — a
 * half-written file, a key not yet matching its new certificate — keeps the certificate served until now and
 * reports the error; the next change tries again.
 */
export class TlsReloader {
  private readonly paths: string[];
  private readonly onSignal = () => this.reload();
  private readonly onChange: StatsListener = (now, before) => {
    if (now.mtimeMs !== before.mtimeMs || now.ino !== before.ino || now.size !== before.size) this.reload();
  };
  private stopped = false;

  constructor(
    private readonly server: ReloadableServer,
    private readonly files: TlsFiles,
    private material: TlsMaterial,
    private readonly options: TlsReloaderOptions = {},
  ) {
    this.paths = [files.certFile, files.keyFile, files.clientCaFile].filter((p): p is string => !!p);
  }

  get certificate(): CertificateInfo {
    return this.material.certificate;
  }

  start(): this {
    const interval = this.options.pollIntervalMs ?? 1000;
    for (const path of this.paths) watchFile(path, { interval, persistent: false }, this.onChange);
    process.on('SIGHUP', this.onSignal);
    return this;
  }

  /** Reads the files again and installs them for new handshakes; true when it did. */
  reload(): boolean {
    if (this.stopped) return false;
    try {
      const material = loadTlsMaterial(this.files);
      this.server.setSecureContext(secureContextOptions(material));
      this.material = material;
      this.options.onReload?.(material.certificate);
      return true;
    } catch (err) {
      this.options.onError?.(err as Error);
      return false;
    }
  }

  stop(): void {
    this.stopped = true;
    for (const path of this.paths) unwatchFile(path, this.onChange);
    process.off('SIGHUP', this.onSignal);
  }
}
