import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, type AgentOptions, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { connect, type TLSSocket } from 'node:tls';
import { ManualClock } from '../src/core/clock.ts';
import { ConfigError, loadConfig } from '../src/core/config.ts';
import {
  certificateInfo,
  loadTlsMaterial,
  normalizeSubject,
  plainHttpWarning,
  TlsConfigError,
} from '../src/net/tls.ts';
import { type Platform, startPlatform } from '../src/platform.ts';
import { silentLogger } from '../src/telemetry/logger.ts';
import { within } from './helpers/gateway-harness.ts';
import { untilEveryWorker } from './helpers/gateway-workers.ts';
import { FULL_DESCRIPTION, OPENAPI_DOC } from './helpers/onboard.ts';
import { withMigratedStore } from './helpers/stores.ts';
import { allowEgressTo, startUpstream } from './helpers/upstream.ts';

/**
 * Issue 10 item 6 (R-13): the gateway and the admin/portal port serve HTTPS from PEM files (TLS 1.2+, modern
 * ciphers, HSTS on the admin port); a consumer system bound to a client certificate is served only over a
 * connection presenting it, at /token and on every call, while an unbound system needs none; a certificate renewed
 * on disk (or announced with SIGHUP) is served to new connections without dropping open ones; a certificate close
 * to its end opens an alert. Certificates are made with openssl in a temp dir, as an operator would.
 */

const OPENSSL = '/usr/bin/openssl';

interface Pair {
  cert: string;
  key: string;
  certPem: string;
  keyPem: string;
}

/** A CA, server certificates for 127.0.0.1/localhost and client certificates, made with openssl (EC P-256). */
function makeCertificates(dir: string) {
  const run = (...args: string[]) => execFileSync(OPENSSL, args, { cwd: dir, stdio: 'pipe' });
  const ecKey = (name: string) => [
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    `${name}.key`,
  ];
  let serial = 4096;
  const read = (name: string): Pair => ({
    cert: join(dir, `${name}.pem`),
    key: join(dir, `${name}.key`),
    certPem: readFileSync(join(dir, `${name}.pem`), 'utf8'),
    keyPem: readFileSync(join(dir, `${name}.key`), 'utf8'),
  });
  const selfSigned = (name: string, subject: string, days = 3650, ext?: string) => {
    run(
      'req',
      '-x509',
      ...ecKey(name),
      '-out',
      `${name}.pem`,
      '-days',
      String(days),
      '-subj',
      subject,
      ...(ext ? ['-addext', ext] : []),
    );
    return read(name);
  };
  const signed = (name: string, subject: string, days: number, ext?: string) => {
    run('req', ...ecKey(name), '-out', `${name}.csr`, '-subj', subject);
    if (ext) writeFileSync(join(dir, `${name}.ext`), `${ext}\n`);
    run(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-set_serial',
      String(serial++),
      '-out',
      `${name}.pem`,
      '-days',
      String(days),
      ...(ext ? ['-extfile', `${name}.ext`] : []),
    );
    return read(name);
  };
  const ca = selfSigned('ca', '/C=VN/O=LGSP Test/CN=LGSP Test CA');
  const san = 'subjectAltName=IP:127.0.0.1,DNS:localhost';
  return {
    ca,
    server: signed('server', '/CN=localhost', 365, san),
    renewed: signed('renewed', '/CN=localhost', 720, san),
    clientA: signed('client-a', '/C=VN/O=So Tu phap/CN=ho-tich', 400),
    // The same subject, a new key: what a renewal of client A looks like.
    clientA2: signed('client-a2', '/C=VN/O=So Tu phap/CN=ho-tich', 400),
    clientB: signed('client-b', '/C=VN/O=UBND huyen/CN=mot-cua', 400),
    // Client A's subject, but not issued by the CA: a forgery that binding by subject must refuse.
    forged: selfSigned('forged', '/C=VN/O=So Tu phap/CN=ho-tich'),
  };
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** The server certificate's SHA-256 as this connection saw it. */
  serverSha256: string;
  reusedSocket: boolean;
  protocol: string | null;
  socket: TLSSocket;
}

/** One HTTPS request trusting only the test CA (`curl --cacert ca.pem`), with an optional client certificate. */
function httpsCall(ca: string) {
  return function call(
    base: string,
    path: string,
    options: {
      method?: string;
      headers?: Record<string, string>;
      body?: string;
      client?: Pair;
      agent?: Agent;
      tls?: AgentOptions;
    } = {},
  ): Promise<Answer> {
    const url = new URL(path, base);
    return new Promise((resolve, reject) => {
      const req = request(
        url,
        {
          method: options.method ?? 'GET',
          headers: options.headers ?? {},
          ca,
          ...(options.client ? { cert: options.client.certPem, key: options.client.keyPem } : {}),
          ...(options.agent ? { agent: options.agent } : { agent: false }),
          ...options.tls,
        },
        (res) => {
          const socket = res.socket as TLSSocket;
          const peer = socket.getPeerX509Certificate();
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (body += c));
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body,
              serverSha256: peer ? certificateInfo(peer.toString()).sha256 : '',
              reusedSocket: req.reusedSocket,
              protocol: socket.getProtocol(),
              socket,
            }),
          );
        },
      );
      req.on('error', reject);
      req.end(options.body);
    });
  };
}

describe('TLS and mTLS (issue 10 item 6, R-13)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lgsp-tls-'));
  const dataDir = mkdtempSync(join(tmpdir(), 'lgsp-tls-data-'));
  const certs = makeCertificates(dir);
  // The files the platform serves: copies, so the reload test can replace them.
  const gatewayCert = join(dir, 'gateway.pem');
  const gatewayKey = join(dir, 'gateway.key');
  copyFileSync(certs.server.cert, gatewayCert);
  copyFileSync(certs.server.key, gatewayKey);
  const clock = new ManualClock(Date.now());
  let platform: Platform;
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  let adminToken: string;
  const ids = { bound: '', unbound: '' };
  const keys = {
    bound: { consumerKey: '', consumerSecret: '' },
    unbound: { consumerKey: '', consumerSecret: '' },
  };
  const callPath = '/dancu/1.0/congdan/001';
  let consumerOrgId = '';

  const call = httpsCall(certs.ca.certPem);

  const gw = () => platform.gatewayUrl.replace('0.0.0.0', '127.0.0.1');
  const admin = () => platform.adminUrl;

  async function tokenFor(who: keyof typeof keys, client?: Pair): Promise<Answer> {
    const { consumerKey, consumerSecret } = keys[who];
    return call(gw(), '/token', {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${consumerKey}:${consumerSecret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'grant_type=client_credentials',
      ...(client ? { client } : {}),
    });
  }

  async function bind(systemId: string, binding: Record<string, string> | null): Promise<Answer> {
    const answer = await call(admin(), `/api/v1/systems/${systemId}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ clientCertificate: binding }),
    });
    await platform.snapshots.refresh();
    return answer;
  }

  const code = (a: Answer) => (JSON.parse(a.body) as { code?: string }).code;

  before(async () => {
    upstream = await startUpstream();
    await withMigratedStore(dataDir);
    const config = loadConfig({
      env: {},
      overrides: {
        dataDir,
        gateway: {
          port: 0,
          host: '127.0.0.1',
          tls: { certFile: gatewayCert, keyFile: gatewayKey, clientCaFile: certs.ca.cert },
        },
        admin: {
          port: 0,
          password: 'mat-khau-kiem-thu',
          tls: { certFile: certs.server.cert, keyFile: certs.server.key },
        },
        alerts: { evaluateIntervalSeconds: 3600, certificateExpiryDays: 30 },
        logLevel: 'silent',
      },
    });
    platform = await startPlatform(config, { clock, logger: silentLogger() });
    allowEgressTo(platform.egress, upstream.url);
    const { registry, lifecycle } = platform;
    const provider = await registry.createOrganization(
      { code: '000.00.31.H01', name: 'Công an tỉnh', contact: { name: 'A', email: 'ca@x.vn' } },
      'test',
    );
    const consumer = await registry.createOrganization(
      { code: '000.00.12.H01', name: 'Sở Tư pháp', contact: { name: 'B', email: 'stp@x.vn' } },
      'test',
    );
    consumerOrgId = consumer.id;
    const providerSystem = await registry.createSystem(
      { organizationId: provider.id, name: 'CSDL Dân cư', isProvider: true, isConsumer: false },
      'test',
    );
    const service = await registry.createService(
      {
        context: 'dancu',
        name: 'Tra cứu công dân',
        providerSystemId: providerSystem.id,
        description: FULL_DESCRIPTION,
      },
      'test',
    );
    const version = await registry.createVersion(
      service.id,
      {
        version: '1.0',
        upstreams: { sandbox: `${upstream.url}/sandbox/dancu`, production: `${upstream.url}/api/dancu` },
        resources: [{ method: 'GET', path: '/congdan/{so}' }],
      },
      'test',
    );
    // In its sandbox test the version serves sandbox credentials: enough to call it through the gateway.
    await lifecycle.submitVersion(
      version.id,
      { technicalDocument: OPENAPI_DOC, documentType: 'openapi' },
      'test',
    );
    await lifecycle.startSandboxTest(version.id, 'test');
    for (const who of ['bound', 'unbound'] as const) {
      const system = await registry.createSystem(
        { organizationId: consumer.id, name: `Hộ tịch ${who}`, isProvider: false, isConsumer: true },
        'test',
      );
      ids[who] = system.id;
      await registry.createSubscription(
        { systemId: system.id, versionId: version.id, environment: 'sandbox' },
        'test',
      );
      const credential = await registry.issueCredential(system.id, 'sandbox', 'test');
      keys[who] = { consumerKey: credential.consumerKey, consumerSecret: credential.consumerSecret };
    }
    await platform.snapshots.refresh();
    const login = await call(admin(), '/api/v1/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: 'mat-khau-kiem-thu' }),
    });
    assert.equal(login.status, 200, login.body);
    adminToken = (JSON.parse(login.body) as { token: string }).token;
  });

  after(async () => {
    await platform?.stop();
    await upstream?.close();
    rmSync(dir, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('both ports serve HTTPS trusted with the CA (curl --cacert); HSTS on the admin port only', async () => {
    assert.match(platform.gatewayUrl, /^https:\/\//);
    assert.match(platform.adminUrl, /^https:\/\//);
    const g = await call(gw(), '/healthz');
    assert.equal(g.status, 200);
    assert.equal(g.serverSha256, certs.server.certPem && certificateInfo(certs.server.certPem).sha256);
    assert.equal(g.headers['strict-transport-security'], undefined);
    const a = await call(admin(), '/healthz');
    assert.equal(a.status, 200);
    assert.equal(a.headers['strict-transport-security'], 'max-age=31536000; includeSubDomains');
    // Without the CA the certificate is not trusted: the client refuses, as curl without --cacert would.
    await assert.rejects(
      new Promise((resolve, reject) => {
        const req = request(new URL('/healthz', gw()), { agent: false }, resolve);
        req.on('error', reject);
        req.end();
      }),
    );
  });

  test('TLS 1.1 and TLS 1.2 without forward-secret AEAD ciphers are refused; TLS 1.2 with ECDHE-GCM works', async () => {
    for (const base of [gw(), admin()]) {
      // SECLEVEL=0 lets this client offer TLS 1.1 at all, so the refusal is the server's.
      await assert.rejects(
        call(base, '/healthz', {
          tls: { minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' },
        }),
        /protocol|version/i,
      );
      await assert.rejects(
        call(base, '/healthz', {
          tls: { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-SHA:AES128-GCM-SHA256' },
        }),
      );
      const ok = await call(base, '/healthz', { tls: { maxVersion: 'TLSv1.2' } });
      assert.equal(ok.status, 200);
      assert.equal(ok.protocol, 'TLSv1.2');
      // TLS 1.2 renegotiation (which could swap the client certificate mid-connection) is refused.
      const { hostname, port } = new URL(base);
      const socket = connect({
        host: hostname,
        port: Number(port),
        ca: certs.ca.certPem,
        maxVersion: 'TLSv1.2',
      });
      await once(socket, 'secureConnect');
      const renegotiated = await new Promise<boolean>((resolve) => {
        socket.once('error', () => resolve(false));
        socket.once('close', () => resolve(false));
        socket.renegotiate({}, (err) => resolve(!err));
        // The request that makes the server read the renegotiation (it refuses it, with an error).
        socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
        setTimeout(() => resolve(false), 5_000).unref();
      });
      socket.destroy();
      assert.equal(renegotiated, false);
    }
  });

  test('an unbound system needs no client certificate, at /token and on calls', async () => {
    const t = await tokenFor('unbound');
    assert.equal(t.status, 200, t.body);
    const token = (JSON.parse(t.body) as { access_token: string }).access_token;
    const r = await call(gw(), callPath, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(r.status, 200, r.body);
    // Presenting some certificate changes nothing for it.
    const withCert = await call(gw(), callPath, {
      headers: { authorization: `Bearer ${token}` },
      client: certs.clientB,
    });
    assert.equal(withCert.status, 200);
  });

  test('a system bound by PEM (fingerprint) is refused without its certificate and with another, served with it', async () => {
    // Before binding, its token works without a certificate.
    const before = await tokenFor('bound');
    assert.equal(before.status, 200);
    const earlier = (JSON.parse(before.body) as { access_token: string }).access_token;

    const bound = await bind(ids.bound, { pem: certs.clientA.certPem });
    assert.equal(bound.status, 200, bound.body);
    const shown = JSON.parse(bound.body) as {
      clientCertificate: { sha256: string; subject: string; notAfter: string };
    };
    const a = certificateInfo(certs.clientA.certPem);
    assert.equal(shown.clientCertificate.sha256, a.sha256);
    assert.equal(shown.clientCertificate.subject, 'C=VN, O=So Tu phap, CN=ho-tich');
    assert.equal(shown.clientCertificate.notAfter, new Date(a.notAfterMs).toISOString());

    const none = await tokenFor('bound');
    assert.equal(none.status, 401);
    assert.equal((JSON.parse(none.body) as { error: string }).error, 'invalid_client');
    const other = await tokenFor('bound', certs.clientB);
    assert.equal(other.status, 403);
    const ok = await tokenFor('bound', certs.clientA);
    assert.equal(ok.status, 200, ok.body);
    const token = (JSON.parse(ok.body) as { access_token: string }).access_token;

    for (const t of [token, earlier]) {
      const auth = { authorization: `Bearer ${t}` };
      const plain = await call(gw(), callPath, { headers: auth });
      assert.equal(plain.status, 401);
      assert.equal(code(plain), 'GW_CLIENT_CERT_REQUIRED');
      const wrong = await call(gw(), callPath, { headers: auth, client: certs.clientB });
      assert.equal(wrong.status, 403);
      assert.equal(code(wrong), 'GW_CLIENT_CERT_MISMATCH');
      // Pinned: a renewed certificate with the same subject is another certificate.
      const renewed = await call(gw(), callPath, { headers: auth, client: certs.clientA2 });
      assert.equal(code(renewed), 'GW_CLIENT_CERT_MISMATCH');
      const served = await call(gw(), callPath, { headers: auth, client: certs.clientA });
      assert.equal(served.status, 200, served.body);
    }
    // The refusals are recorded under their codes.
    await platform.recorder.flush();
    const refused = await platform.store.db
      .selectFrom('transactions')
      .select('error_code')
      .where('consumer_system_id', '=', ids.bound)
      .where('error_code', 'in', ['GW_CLIENT_CERT_REQUIRED', 'GW_CLIENT_CERT_MISMATCH'])
      .execute();
    assert.ok(refused.length >= 6, `recorded refusals: ${refused.length}`);
  });

  test('bound by fingerprint given as text, by subject under the client CA; unbinding; agencies may not bind', async () => {
    const b = certificateInfo(certs.clientB.certPem);
    const colons = b.sha256.toUpperCase().match(/../g)!.join(':');
    assert.equal((await bind(ids.bound, { sha256: colons })).status, 200);
    assert.equal((await tokenFor('bound', certs.clientB)).status, 200);
    assert.equal((await tokenFor('bound', certs.clientA)).status, 403);

    // By subject: any certificate of the CA with that subject (a renewal too), never a look-alike outside the CA.
    const bySubject = await bind(ids.bound, { subject: 'C=VN,O=So Tu phap,CN=ho-tich' });
    assert.equal(bySubject.status, 200, bySubject.body);
    assert.equal((await tokenFor('bound', certs.clientA)).status, 200);
    const renewed = await tokenFor('bound', certs.clientA2);
    assert.equal(renewed.status, 200);
    assert.equal((await tokenFor('bound', certs.forged)).status, 403);
    // RFC 8705: the token names the certificate it was issued over (cnf.x5t#S256)…
    const boundToken = (JSON.parse(renewed.body) as { access_token: string }).access_token;
    const payload = JSON.parse(Buffer.from(boundToken.split('.')[1]!, 'base64url').toString()) as {
      cnf: Record<string, string>;
    };
    const a2 = certificateInfo(certs.clientA2.certPem).sha256;
    assert.equal(Buffer.from(payload.cnf['x5t#S256']!, 'base64url').toString('hex'), a2);
    // …and is taken only with that one, even where the system's binding (same subject) would accept another.
    const auth = { authorization: `Bearer ${boundToken}` };
    assert.equal((await call(gw(), callPath, { headers: auth, client: certs.clientA2 })).status, 200);
    const sibling = await call(gw(), callPath, { headers: auth, client: certs.clientA });
    assert.equal(code(sibling), 'GW_CLIENT_CERT_MISMATCH');
    assert.equal((await tokenFor('bound', certs.clientB)).status, 403);

    const invalid = await bind(ids.bound, {
      pem: '-----BEGIN CERTIFICATE-----\nbm9wZQ==\n-----END CERTIFICATE-----\n',
    });
    assert.equal(invalid.status, 400);
    assert.equal(code(invalid), 'CP_CLIENT_CERT_INVALID');

    // The binding decides who may use the system's credentials: its own agency may not change it.
    await platform.accounts.createUser(
      {
        username: 'stp-user',
        displayName: 'Cán bộ Sở Tư pháp',
        password: 'mat-khau-co-quan',
        role: 'agency',
        organizationId: consumerOrgId,
      },
      'test',
    );
    const agencyToken = (await platform.accounts.login('stp-user', 'mat-khau-co-quan')).token;
    const byAgency = await call(admin(), `/api/v1/systems/${ids.bound}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${agencyToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ clientCertificate: null }),
    });
    assert.equal(byAgency.status, 403, byAgency.body);

    const unbound = await bind(ids.bound, null);
    assert.equal(unbound.status, 200);
    assert.equal((JSON.parse(unbound.body) as { clientCertificate: unknown }).clientCertificate, null);
    assert.equal((await tokenFor('bound')).status, 200);
    // A certificate-bound token stays bound after the system's binding is removed.
    assert.equal(code(await call(gw(), callPath, { headers: auth })), 'GW_CLIENT_CERT_REQUIRED');
  });

  test('a renewed certificate is served to new connections on SIGHUP and on file change; open connections keep working', async () => {
    const first = certificateInfo(certs.server.certPem).sha256;
    const second = certificateInfo(certs.renewed.certPem).sha256;
    const agent = new Agent({ keepAlive: true, maxSockets: 1, ca: certs.ca.certPem });
    try {
      const opened = await call(gw(), '/healthz', { agent });
      assert.equal(opened.serverSha256, first);

      copyFileSync(certs.renewed.cert, gatewayCert);
      copyFileSync(certs.renewed.key, gatewayKey);
      process.kill(process.pid, 'SIGHUP');
      await within(5_000, async () => (await call(gw(), '/healthz')).serverSha256 === second);
      assert.equal(platform.gateway?.tls?.certificate.sha256, second);

      // The connection opened before the reload is still open and still answers.
      const kept = await call(gw(), '/healthz', { agent });
      assert.equal(kept.status, 200);
      assert.equal(kept.reusedSocket, true);
      assert.equal(kept.socket, opened.socket, 'the same TLS connection, opened with the first certificate');

      // A file change alone (no signal) is noticed too.
      copyFileSync(certs.server.cert, gatewayCert);
      copyFileSync(certs.server.key, gatewayKey);
      await within(10_000, async () => (await call(gw(), '/healthz')).serverSha256 === first);
      const still = await call(gw(), '/healthz', { agent });
      assert.equal(still.socket, opened.socket);
      assert.equal(still.status, 200);

      // A half-written renewal (a key that does not match) keeps the certificate served until now.
      writeFileSync(gatewayKey, certs.clientB.keyPem);
      assert.equal(platform.gateway?.tls?.reload(), false);
      assert.equal((await call(gw(), '/healthz')).serverSha256, first);
      copyFileSync(certs.server.key, gatewayKey);
      assert.equal(platform.gateway?.tls?.reload(), true);
    } finally {
      agent.destroy();
    }
  });

  test('a certificate close to its end opens an alert (own certificates and bound client certificates)', async () => {
    assert.equal((await bind(ids.bound, { pem: certs.clientA.certPem })).status, 200);
    const expiring = async () =>
      (await platform.alerts.list({ state: 'open', limit: 1000 })).filter(
        (x) => x.kind === 'certificate.expiring',
      );
    await platform.health.evaluate();
    assert.deepEqual(await expiring(), [], 'nothing within 30 days now');

    // 10 days before the server certificate ends (365 days): the gateway's and the admin's certificates alert.
    const serverEnd = certificateInfo(certs.server.certPem).notAfterMs;
    clock.set(serverEnd - 10 * 86_400_000);
    await platform.health.evaluate();
    const open = await expiring();
    const ports = open
      .map((x) => (x.details as { port?: string }).port)
      .filter(Boolean)
      .sort();
    assert.deepEqual(ports, ['admin', 'gateway']);
    assert.ok(
      open.every((x) => x.severity === 'warning'),
      "open.every((x) => x.severity === 'warning')",
    );
    assert.ok(
      !open.some((x) => (x.details as { systemId?: string }).systemId),
      'client A (400 days) is not due yet',
    );

    // Past client A's end (400 days): its alert is critical and names the system.
    clock.set(certificateInfo(certs.clientA.certPem).notAfterMs + 60_000);
    await platform.health.evaluate();
    const client = (await expiring()).find(
      (x) => (x.details as { systemId?: string }).systemId === ids.bound,
    );
    assert.ok(client, 'the bound client certificate alerts');
    assert.equal(client.severity, 'critical');

    clock.set(Date.now());
    await platform.health.evaluate();
    assert.deepEqual(await expiring(), [], 'resolved when no longer due');
  });
});

describe('TLS configuration and material', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lgsp-tls-cfg-'));
  const certs = makeCertificates(dir);
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('plain HTTP reachable from the network is warned about at start (R-13); loopback, TLS or a proxy in front are not', () => {
    const config = loadConfig({ env: {} });
    // The defaults: the gateway on every interface in plain HTTP, the admin port on loopback.
    const gateway = plainHttpWarning('gateway', config.gateway);
    assert.match(
      gateway ?? '',
      /^cổng kết nối nhận kết nối từ mạng bằng HTTP thường: .* \(R-13\) \/ the gateway /,
    );
    assert.match(gateway ?? '', /gateway\.tls\.certFile/);
    assert.equal(plainHttpWarning('admin', config.admin), null, 'the admin port listens on 127.0.0.1');
    const plain = { certFile: '', keyFile: '' };
    const tls = { certFile: certs.server.cert, keyFile: certs.server.key };
    for (const [listen, warned] of [
      [{ host: '0.0.0.0', tls: plain }, true],
      [{ host: '::', tls: plain }, true],
      [{ host: '10.0.0.11', tls: plain }, true],
      [{ host: '127.0.0.1', tls: plain }, false],
      [{ host: '127.0.1.1', tls: plain }, false],
      [{ host: '::1', tls: plain }, false],
      [{ host: 'localhost', tls: plain }, false],
      [{ host: '0.0.0.0', tls }, false],
      [{ host: '0.0.0.0', tls: plain, trustedProxies: ['10.0.0.2'] }, false],
    ] as const) {
      assert.equal(plainHttpWarning('gateway', listen) !== null, warned, JSON.stringify(listen));
    }
    assert.match(
      plainHttpWarning('admin', { host: '0.0.0.0', tls: plain }) ?? '',
      /^cổng quản trị nhận kết nối từ mạng bằng HTTP thường: .* \/ the admin port /,
    );
  });

  test('certificate and key go together; a client CA needs HTTPS; env names fill the tls sections', () => {
    assert.throws(
      () => loadConfig({ env: {}, overrides: { gateway: { tls: { certFile: 'a.pem' } } } }),
      ConfigError,
    );
    assert.throws(
      () => loadConfig({ env: {}, overrides: { admin: { tls: { keyFile: 'a.key' } } } }),
      ConfigError,
    );
    assert.throws(
      () => loadConfig({ env: {}, overrides: { gateway: { tls: { clientCaFile: 'ca.pem' } } } }),
      ConfigError,
    );
    const c = loadConfig({
      env: {
        LGSP_GATEWAY_TLS_CERT_FILE: '/etc/lgsp/gw.pem',
        LGSP_GATEWAY_TLS_KEY_FILE: '/etc/lgsp/gw.key',
        LGSP_GATEWAY_TLS_CLIENT_CA_FILE: '/etc/lgsp/ca.pem',
        LGSP_ADMIN_TLS_CERT_FILE: '/etc/lgsp/admin.pem',
        LGSP_ADMIN_TLS_KEY_FILE: '/etc/lgsp/admin.key',
        LGSP_ALERT_CERT_EXPIRY_DAYS: '14',
      },
    });
    assert.deepEqual(c.gateway.tls, {
      certFile: '/etc/lgsp/gw.pem',
      keyFile: '/etc/lgsp/gw.key',
      clientCaFile: '/etc/lgsp/ca.pem',
    });
    assert.deepEqual(c.admin.tls, { certFile: '/etc/lgsp/admin.pem', keyFile: '/etc/lgsp/admin.key' });
    assert.equal(c.alerts.certificateExpiryDays, 14);
    const plain = loadConfig({ env: {} });
    assert.equal(plain.gateway.tls.certFile, '', 'plain HTTP by default');
  });

  test('a key that does not match its certificate, or a missing file, fails the start with a clear error', () => {
    assert.throws(
      () => loadTlsMaterial({ certFile: certs.server.cert, keyFile: certs.clientA.key }),
      (err: Error) => err instanceof TlsConfigError && /không khớp|does not match/.test(err.message),
    );
    assert.throws(
      () => loadTlsMaterial({ certFile: join(dir, 'missing.pem'), keyFile: certs.server.key }),
      (err: Error) => err instanceof TlsConfigError && /missing\.pem/.test(err.message),
    );
    const m = loadTlsMaterial({
      certFile: certs.server.cert,
      keyFile: certs.server.key,
      clientCaFile: certs.ca.cert,
    });
    assert.equal(m.certificate.subject, 'CN=localhost');
  });

  test('subjects are compared in one form, whatever form the operator pastes', () => {
    const want = 'C=VN, O=So Tu phap, CN=ho-tich';
    assert.equal(normalizeSubject('C=VN\nO=So Tu phap\nCN=ho-tich'), want);
    assert.equal(normalizeSubject('subject=C=VN,O=So Tu phap,CN=ho-tich'), want);
    assert.equal(normalizeSubject('/C=VN/O=So Tu phap/CN=ho-tich'), want);
    assert.equal(normalizeSubject('C = VN, O = So Tu phap, CN = ho-tich'), want);
  });
});

describe('TLS in gateway worker processes (LGSP_GATEWAY_WORKERS=2)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lgsp-tls-workers-'));
  const dataDir = mkdtempSync(join(tmpdir(), 'lgsp-tls-workers-data-'));
  const certs = makeCertificates(dir);
  const cert = join(dir, 'gateway.pem');
  const key = join(dir, 'gateway.key');
  copyFileSync(certs.server.cert, cert);
  copyFileSync(certs.server.key, key);
  const call = httpsCall(certs.ca.certPem);
  let platform: Platform;
  let credential: { consumerKey: string; consumerSecret: string };

  before(async () => {
    await withMigratedStore(dataDir);
    const config = loadConfig({
      env: {},
      overrides: {
        dataDir,
        gateway: { port: 0, host: '127.0.0.1', workers: 2, tls: { certFile: cert, keyFile: key } },
        admin: { port: 0, password: 'mat-khau-kiem-thu' },
        logLevel: 'silent',
      },
    });
    platform = await startPlatform(config, { logger: silentLogger() });
    const { registry } = platform;
    const org = await registry.createOrganization(
      { code: '000.00.12.H01', name: 'Sở Tư pháp', contact: { name: 'B', email: 'stp@x.vn' } },
      'test',
    );
    const system = await registry.createSystem(
      { organizationId: org.id, name: 'Hộ tịch', isProvider: false, isConsumer: true },
      'test',
    );
    credential = await registry.issueCredential(system.id, 'production', 'test');
    await registry.updateSystem(system.id, { clientCertificate: { pem: certs.clientA.certPem } }, 'test');
    await platform.snapshots.refresh();
  });

  after(async () => {
    await platform?.stop();
    rmSync(dir, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('every worker serves HTTPS, checks the binding and reloads the certificate on SIGHUP to the primary', async () => {
    assert.match(platform.gatewayUrl, /^https:/);
    const token = (client?: Pair) =>
      call(platform.gatewayUrl, '/token', {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${credential.consumerKey}:${credential.consumerSecret}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: 'grant_type=client_credentials',
        ...(client ? { client } : {}),
      });
    // Fresh connections until both workers have answered: both answer alike.
    await within(5_000, async () =>
      (await untilEveryWorker(() => token(certs.clientA))).every((a) => a.status === 200),
    );
    for (const a of await untilEveryWorker(() => token(), { min: 4 })) assert.equal(a.status, 401);
    for (const a of await untilEveryWorker(() => token(certs.clientB), { min: 4 }))
      assert.equal(a.status, 403);
    for (const a of await untilEveryWorker(() => token(certs.clientA), { min: 4 }))
      assert.equal(a.status, 200);
    const renewed = certificateInfo(certs.renewed.certPem).sha256;
    copyFileSync(certs.renewed.cert, cert);
    copyFileSync(certs.renewed.key, key);
    process.kill(process.pid, 'SIGHUP');
    // Both workers: fresh connections until each has answered, all with the renewed certificate.
    await within(10_000, async () => {
      const seen = await untilEveryWorker(() => token(certs.clientA));
      return seen.every((a) => a.serverSha256 === renewed);
    });
  });
});
