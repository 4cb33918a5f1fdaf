import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../core/clock.ts';
import { loadConfig } from '../core/config.ts';
import { newSecret } from '../core/ids.ts';
import { Peers } from '../federation/peers.ts';
import { localUrl, type Platform, startPlatform } from '../platform.ts';
import { createLogger } from '../telemetry/logger.ts';
import { publishAfterTry } from './onboarding.ts';

/**
 * The demo's peer platform (issue 12 "Must show": `federatedPath`, R-15; docs/federation.md): a second, real
 * OpenLGSP — "LGSP tỉnh Đồng Tháp" — with its own embedded store, keys, ports and federation code, whose provider
 * answers a birth-record lookup. The demo imports that service, subscribes its consumer, and its gateway forwards
 * with its own token for the peer, the represented party and a signed hop (RFC 9421), exactly as between provinces.
 *
 * It runs **in the demo's own process**, not as a child `lgsp start`: it stops when the demo stops whatever ends it
 * (Ctrl-C, SIGTERM, a crash) so it can never be orphaned, it starts beside the demo's platform instead of after a
 * second Node start-up, and it reads nothing of the demo's environment (`env: {}`): a `LGSP_DATABASE_URL` or
 * `LGSP_DATA_DIR` meant for the demo never points the peer at the demo's store.
 */
export const DEMO_PEER_CODE = 'lgsp-dongthap';
const PEER_NAME = 'LGSP tỉnh Đồng Tháp (bản demo / demo)';
/** Where the demo publishes the peer's service, and the peer's own context for it. */
export const DEMO_PEER_CONTEXT = 'hotich-dongthap';
const LOCAL_CONTEXT = DEMO_PEER_CONTEXT;
const REMOTE_CONTEXT = 'hotich';
const BIRTH_RECORD = '087-2024-000123';

export interface DemoPeer {
  platform: Platform;
  gatewayUrl: string;
  /** Stops the peer and deletes its throwaway store. */
  stop(): Promise<void>;
}

/** A port free now on 127.0.0.1 (bound, then closed): the egress policies are written before anything listens. */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen({ host: '127.0.0.1', port: 0, exclusive: true }, () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/**
 * Starts the peer on a throwaway store at `gatewayPort`. Its egress policy opens exactly its provider (the demo
 * upstream) and the demo's gateway (for the demo's JWKS, to verify the demo's signatures): nothing wider.
 */
export async function startDemoPeer(
  gatewayPort: number,
  upstreamUrl: string,
  demoGatewayHost: string,
): Promise<DemoPeer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'lgsp-demo-peer-'));
  const config = loadConfig({
    env: {},
    overrides: {
      dataDir,
      keys: { encryptionKey: randomBytes(32).toString('base64') },
      admin: { host: '127.0.0.1', port: 0, password: newSecret().slice(0, 16) },
      gateway: { host: '127.0.0.1', port: gatewayPort, workers: 1 },
      federation: { code: DEMO_PEER_CODE },
      egress: { allow: [new URL(upstreamUrl).host, demoGatewayHost] },
      logLevel: 'warn',
    },
  });
  let platform: Platform;
  try {
    platform = await startPlatform(config, { logger: createLogger('warn', DEMO_PEER_CODE) });
  } catch (err) {
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  return {
    platform,
    gatewayUrl: localUrl(platform.gatewayUrl),
    async stop() {
      await platform.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Links the demo and its peer both ways and returns `federatedPath`. At the peer: its provider's service published
 * through its sandbox, the demo registered as a peer platform, given a credential and subscribed. At the demo:
 * the peer registered with that credential (sealed), the service imported as `hotich-dongthap 1.0`, the demo
 * consumer subscribed. On a reused demo store the peer (fresh each run) is repointed instead of registered again.
 */
export async function linkDemoPeer(
  demo: Platform,
  peer: DemoPeer,
  upstreamUrl: string,
  consumerSystemId: string,
  actor: string,
): Promise<string> {
  const path = `/${LOCAL_CONTEXT}/1.0/giaykhaisinh/${BIRTH_RECORD}`;
  const remote = peer.platform;
  const { registry } = remote;
  const org = await registry.createOrganization(
    { code: '000.00.12.H20', name: 'Sở Tư pháp tỉnh Đồng Tháp' },
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
  const demoCode = demo.config.federation.code;
  const demoAtPeer = await new Peers(remote.store, registry.changes, remote.kek, remote.egress).create(
    {
      code: demoCode,
      name: 'LGSP tỉnh An Giang (bản demo / demo)',
      kind: 'openlgsp',
      gatewayUrl: localUrl(demo.gatewayUrl),
    },
    actor,
  );
  const key = await registry.issueCredential(demoAtPeer.systemId, 'production', actor);
  await registry.createSubscription(
    { systemId: demoAtPeer.systemId, versionId: version.id, environment: 'production' },
    actor,
  );
  await remote.snapshots.refresh();

  const peers = new Peers(demo.store, demo.registry.changes, demo.kek, demo.egress);
  const existing = await peers.findByCode(DEMO_PEER_CODE);
  if (existing) {
    await peers.update(
      existing.id,
      {
        gatewayUrl: peer.gatewayUrl,
        tokenUrl: `${peer.gatewayUrl}/token`,
        jwksUrl: `${peer.gatewayUrl}/.well-known/jwks.json`,
        clientId: key.consumerKey,
        clientSecret: key.consumerSecret,
      },
      actor,
    );
  } else {
    const registered = await peers.create(
      {
        code: DEMO_PEER_CODE,
        name: PEER_NAME,
        kind: 'openlgsp',
        gatewayUrl: peer.gatewayUrl,
        clientId: key.consumerKey,
        clientSecret: key.consumerSecret,
      },
      actor,
    );
    const imported = await peers.importService(
      registered.id,
      { remoteContext: REMOTE_CONTEXT, remoteVersion: '1.0', context: LOCAL_CONTEXT },
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
