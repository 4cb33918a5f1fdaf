import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../core/clock.ts';
import { loadConfig } from '../core/config.ts';
import { Peers } from '../federation/peers.ts';
import { localUrl, type Platform, startPlatform } from '../platform.ts';
import { createLogger, type LogFormat } from '../telemetry/logger.ts';
import { publishAfterTry } from './onboarding.ts';

/**
 * The demo's federated path (issue 12 "Must show": `federatedPath`, R-15; docs/federation.md section 6): two more
 * real OpenLGSP platforms, each with its own embedded store, keys, ports and federation code —
 * an intermediate playing NDXP (`ndxp-demo`) and "LGSP tỉnh Đồng Tháp" (`lgsp-dongthap`), whose provider answers a
 * birth-record lookup. Đồng Tháp grants the service to NDXP, NDXP imports it and grants it to the demo, the demo
 * imports it from NDXP: a call goes demo → NDXP → Đồng Tháp, each hop with the forwarding platform's own token, the
 * represented party and its RFC 9421 signature added to the earlier ones.
 *
 * They run **in the demo's own process**, not as child `lgsp start` processes: they stop when the demo stops
 * whatever ends it (Ctrl-C, SIGTERM, a crash) so they can never be orphaned, they start beside the demo's platform
 * instead of after two more Node start-ups, and they read nothing of the demo's environment (`env: {}`): a
 * `LGSP_DATABASE_URL` or `LGSP_DATA_DIR` meant for the demo never points them at the demo's store. Each is still a
 * whole platform talking to the others over HTTP only (tokens, JWKS, signatures); the three-process chain
 * (`lgsp start` ×3) is what test/federation.test.ts runs.
 */
export const DEMO_PEER_CODE = 'lgsp-dongthap';
const PEER_NAME = 'LGSP tỉnh Đồng Tháp (bản demo / demo)';
/** The intermediate platform's federation code and name. */
export const DEMO_NDXP_CODE = 'ndxp-demo';
const NDXP_NAME = 'Nền tảng NDXP (mô phỏng) / NDXP (simulated)';
/** Where the demo publishes the peer's service, and the peer's own context for it. */
export const DEMO_PEER_CONTEXT = 'hotich-dongthap';
const LOCAL_CONTEXT = DEMO_PEER_CONTEXT;
/** Where the intermediate publishes Đồng Tháp's service (a province prefix, as NDXP would). */
const NDXP_CONTEXT = 'dongthap/hotich';
const REMOTE_CONTEXT = 'hotich';
const BIRTH_RECORD = '087-2024-000123';

export interface DemoPeer {
  code: string;
  name: string;
  platform: Platform;
  gatewayUrl: string;
  adminUrl: string;
  /** Stops the peer and deletes its throwaway store. */
  stop(): Promise<void>;
}

/**
 * Ports below every system's range of ephemeral ports (Linux 32768–60999, Windows and macOS 49152–65535): the kernel
 * never hands one of them to an outgoing connection or to a `listen(0)`, so a port found free here stays free until
 * the demo binds it — a port-0 pick could be taken meanwhile by any connection the machine opened (seen in CI). Not
 * 20000–32000, where the test suite's processes claim theirs (test/helpers/platform-process.ts `freePort`).
 */
const DEMO_PORTS = { from: 10_000, to: 20_000 } as const;

/** A port free now on 127.0.0.1 (bound, then closed): the egress policies are written before anything listens. */
export async function freeLoopbackPort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = DEMO_PORTS.from + Math.floor(Math.random() * (DEMO_PORTS.to - DEMO_PORTS.from));
    if (await bindable(port)) return port;
  }
  // A machine whose every try was taken: any free port, as the system gives it.
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen({ host: '127.0.0.1', port: 0, exclusive: true }, () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen({ host: '127.0.0.1', port, exclusive: true }, () => probe.close(() => resolve(true)));
  });
}

/** Where each platform of the demo's chain listens: chosen before any starts, since the egress policies name them. */
export interface DemoChainPorts {
  demo: number;
  ndxp: number;
  dongThap: number;
}

/**
 * Starts the intermediate and Đồng Tháp side by side, each on a throwaway store, with the demo's operator password
 * (so the operator can read every platform's record of one call). Each egress policy opens exactly what that
 * platform reaches, nothing wider — NDXP: Đồng Tháp's gateway (it forwards there) and the demo's (the demo's JWKS, to
 * verify the first hop); Đồng Tháp: its provider (the demo upstream) and both gateways before it (their JWKS).
 */
export async function startDemoPeers(
  ports: DemoChainPorts,
  upstreamUrl: string,
  adminPassword: string,
  logFormat: LogFormat,
): Promise<{ ndxp: DemoPeer; dongThap: DemoPeer }> {
  const host = (port: number) => `127.0.0.1:${port}`;
  const started = await Promise.allSettled([
    startDemoPeer(
      DEMO_NDXP_CODE,
      NDXP_NAME,
      ports.ndxp,
      adminPassword,
      [host(ports.dongThap), host(ports.demo)],
      logFormat,
    ),
    startDemoPeer(
      DEMO_PEER_CODE,
      PEER_NAME,
      ports.dongThap,
      adminPassword,
      [new URL(upstreamUrl).host, host(ports.ndxp), host(ports.demo)],
      logFormat,
    ),
  ]);
  const [ndxp, dongThap] = started;
  if (ndxp.status === 'fulfilled' && dongThap.status === 'fulfilled')
    return { ndxp: ndxp.value, dongThap: dongThap.value };
  for (const s of started) if (s.status === 'fulfilled') await s.value.stop();
  throw (started.find((s) => s.status === 'rejected') as PromiseRejectedResult).reason;
}

async function startDemoPeer(
  code: string,
  name: string,
  gatewayPort: number,
  adminPassword: string,
  egressAllow: string[],
  logFormat: LogFormat,
): Promise<DemoPeer> {
  const dataDir = mkdtempSync(join(tmpdir(), `lgsp-demo-${code}-`));
  const config = loadConfig({
    env: {},
    overrides: {
      dataDir,
      keys: { encryptionKey: randomBytes(32).toString('base64') },
      admin: { host: '127.0.0.1', port: 0, password: adminPassword },
      gateway: { host: '127.0.0.1', port: gatewayPort, workers: 1 },
      federation: { code },
      egress: { allow: egressAllow },
      logLevel: 'warn',
      // The demo's own format: the peers write on the same stderr, so their lines look like its lines.
      logFormat,
    },
  });
  let platform: Platform;
  try {
    // The demo's own platform says that e-mail and scheduled backups are off; the peers' would say it twice more.
    platform = await startPlatform(config, {
      logger: createLogger(config, { name: code }),
      announceSettings: false,
    });
  } catch (err) {
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  return {
    code,
    name,
    platform,
    gatewayUrl: localUrl(platform.gatewayUrl),
    adminUrl: localUrl(platform.adminUrl),
    async stop() {
      await platform.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Registers `peer` at `at` as a peer platform; with a credential when `at` calls it, without when `at` only
 *  verifies its signatures (its JWKS). */
function registerPeer(
  at: Platform,
  peer: { code: string; name: string; gatewayUrl: string; kind: 'openlgsp' | 'ndxp' },
  credential: { consumerKey: string; consumerSecret: string } | null,
  actor: string,
) {
  return new Peers(at.store, at.registry.changes, at.kek, at.egress).create(
    {
      code: peer.code,
      name: peer.name,
      kind: peer.kind,
      gatewayUrl: peer.gatewayUrl,
      ...(credential ? { clientId: credential.consumerKey, clientSecret: credential.consumerSecret } : {}),
    },
    actor,
  );
}

/**
 * Links the chain demo → NDXP → Đồng Tháp and returns `federatedPath`. At Đồng Tháp: its provider's service
 * published through its sandbox; NDXP registered as the peer that calls it, given a credential and
 * subscribed; the demo registered only for its JWKS (it signs the first hop). At NDXP: Đồng Tháp registered with
 * that credential (sealed) and its service imported as `dongthap/hotich 1.0`; the demo registered as a calling peer,
 * given a credential and subscribed. At the demo: NDXP registered with that credential, the service imported as
 * `hotich-dongthap 1.0`, the demo consumer subscribed. On a reused demo store NDXP (fresh each run) is repointed
 * instead of registered again.
 */
export async function linkDemoChain(
  demo: Platform,
  ndxp: DemoPeer,
  dongThap: DemoPeer,
  upstreamUrl: string,
  consumerSystemId: string,
  actor: string,
): Promise<string> {
  const path = `/${LOCAL_CONTEXT}/1.0/giaykhaisinh/${BIRTH_RECORD}`;
  const remote = dongThap.platform;
  const { registry } = remote;
  const org = await registry.createOrganization(
    {
      code: '000.00.12.H20',
      name: 'Sở Tư pháp tỉnh Đồng Tháp',
      contact: { name: 'Nguyễn Thị Hoa', unit: 'Văn phòng Sở', email: 'stp@dongthap.gov.vn' },
    },
    actor,
  );
  const system = await registry.createSystem(
    {
      organizationId: org.id,
      name: 'Hệ thống quản lý hộ tịch tỉnh Đồng Tháp',
      isProvider: true,
      isConsumer: false,
    },
    actor,
  );
  const service = await registry.createService(
    {
      context: REMOTE_CONTEXT,
      name: 'Tra cứu giấy khai sinh (tỉnh Đồng Tháp)',
      providerSystemId: system.id,
      description: {
        addressAndInterface: `REST/JSON: GET /${REMOTE_CONTEXT}/1.0/giaykhaisinh/{soGiayKhaiSinh}`,
        communicationStandards: 'HTTP/1.1, JSON UTF-8',
        encryptionAndSecurity: 'TLS 1.2+; OAuth 2.0 client credentials qua LGSP',
        capacity: '20 lượt/giây',
        connectionProcedure: 'Qua NDXP hoặc LGSP của tỉnh bên khai thác (liên thông)',
        dataQuality: 'Sở Tư pháp tỉnh Đồng Tháp phê duyệt',
        dataPresentation: 'JSON',
      },
    },
    actor,
  );
  const version = await registry.createVersion(
    service.id,
    {
      version: '1.0',
      upstreams: {
        sandbox: `${upstreamUrl}/sandbox/${REMOTE_CONTEXT}`,
        production: `${upstreamUrl}/api/${REMOTE_CONTEXT}`,
      },
      resources: [{ method: 'GET', path: '/giaykhaisinh/{soGiayKhaiSinh}' }],
    },
    actor,
  );
  const document = JSON.stringify({
    openapi: '3.0.3',
    info: { title: 'Tra cứu giấy khai sinh (bản demo)', version: '1.0' },
    paths: {
      '/giaykhaisinh/{soGiayKhaiSinh}': {
        get: {
          parameters: [{ name: 'soGiayKhaiSinh', in: 'path', required: true, schema: { type: 'string' } }],
          responses: { '200': { description: 'Thành công' } },
        },
      },
    },
  });
  await publishAfterTry(
    { ...remote, clock: systemClock },
    version.id,
    { technicalDocument: document, documentType: 'openapi' },
    actor,
  );
  const demoAsPeer = {
    code: demo.config.federation.code,
    name: 'LGSP tỉnh An Giang (bản demo / demo)',
    kind: 'openlgsp' as const,
    gatewayUrl: localUrl(demo.gatewayUrl),
  };
  const ndxpAsPeer = { code: ndxp.code, name: ndxp.name, kind: 'ndxp' as const, gatewayUrl: ndxp.gatewayUrl };

  // Đồng Tháp: NDXP calls it; the demo only signs the first hop.
  const ndxpAtDongThap = await registerPeer(remote, ndxpAsPeer, null, actor);
  await registerPeer(remote, demoAsPeer, null, actor);
  const ndxpKey = await registry.issueCredential(ndxpAtDongThap.systemId, 'production', actor);
  await registry.createSubscription(
    { systemId: ndxpAtDongThap.systemId, versionId: version.id, environment: 'production' },
    actor,
  );
  await remote.snapshots.refresh();

  // NDXP: imports Đồng Tháp's service and grants it to the demo.
  const n = ndxp.platform;
  const dongThapAtNdxp = await registerPeer(
    n,
    { code: dongThap.code, name: dongThap.name, kind: 'openlgsp', gatewayUrl: dongThap.gatewayUrl },
    ndxpKey,
    actor,
  );
  const atNdxp = await new Peers(n.store, n.registry.changes, n.kek, n.egress).importService(
    dongThapAtNdxp.id,
    { remoteContext: REMOTE_CONTEXT, remoteVersion: '1.0', context: NDXP_CONTEXT },
    actor,
  );
  const demoAtNdxp = await registerPeer(n, demoAsPeer, null, actor);
  const demoKey = await n.registry.issueCredential(demoAtNdxp.systemId, 'production', actor);
  await n.registry.createSubscription(
    { systemId: demoAtNdxp.systemId, versionId: atNdxp.versionId, environment: 'production' },
    actor,
  );
  await n.snapshots.refresh();

  // The demo: imports it from NDXP for its consumer.
  const peers = new Peers(demo.store, demo.registry.changes, demo.kek, demo.egress);
  const existing = await peers.findByCode(DEMO_NDXP_CODE);
  if (existing) {
    await peers.update(
      existing.id,
      {
        gatewayUrl: ndxp.gatewayUrl,
        tokenUrl: `${ndxp.gatewayUrl}/token`,
        jwksUrl: `${ndxp.gatewayUrl}/.well-known/jwks.json`,
        clientId: demoKey.consumerKey,
        clientSecret: demoKey.consumerSecret,
      },
      actor,
    );
  } else {
    const registered = await registerPeer(demo, ndxpAsPeer, demoKey, actor);
    const imported = await peers.importService(
      registered.id,
      { remoteContext: NDXP_CONTEXT, remoteVersion: '1.0', context: LOCAL_CONTEXT },
      actor,
    );
    await demo.registry.createSubscription(
      { systemId: consumerSystemId, versionId: imported.versionId, environment: 'production' },
      actor,
    );
  }
  await demo.snapshots.refresh();
  return path;
}
