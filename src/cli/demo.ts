import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { ContactPoint, ServiceCreate } from '../api/contract/index.ts';
import { seedDemoCategories } from '../control/categories/seed.ts';
import { ConnectionRequests } from '../control/connection-requests/index.ts';
import { sandboxCallLimitMs } from '../control/sandbox-try.ts';
import { SubscriptionRequests, type WorkflowSettings } from '../control/subscription-requests/index.ts';
import { systemClock } from '../core/clock.ts';
import { loadConfig } from '../core/config.ts';
import { problemTypeOrigin, setProblemTypeOrigin } from '../core/errors.ts';
import { newSecret } from '../core/ids.ts';
import { sandboxTestCall } from '../gateway/sandbox-probe.ts';
import { localUrl, type OperatorAccountOrigin, startPlatform } from '../platform.ts';
import type { Store } from '../store/port.ts';
import { resolveLogFormat } from '../telemetry/logger.ts';
import { seedDemoComposite } from './demo-composite.ts';
import {
  DEMO_NDXP_CODE,
  DEMO_PEER_CODE,
  DEMO_PEER_CONTEXT,
  freeLoopbackPort,
  linkDemoChain,
  startDemoPeers,
} from './demo-federation.ts';
import { onceRecorded, publishAfterTry, type TryEnv } from './onboarding.ts';
import { configOrExplain, consoleLines, explainStartError, RECOVER_COMMAND, untilSignal } from './start.ts';

export const DEMO_USAGE = `Cách dùng / Usage: lgsp demo [--json] [--no-federation]
  Chạy nền tảng với dữ liệu mẫu của một tỉnh (kho tạm, hoặc LGSP_DATA_DIR nếu đặt), in hướng dẫn và lệnh curl.
  Runs the platform with a sample province (throwaway store, or LGSP_DATA_DIR when set) and prints curl lines.
  --json  dòng đầu tiên của stdout là một đối tượng JSON / the first stdout line is one JSON object:
          gatewayUrl, adminUrl, consumerKey, consumerSecret, allowedPath, forbiddenPath, directUrl, lgspAccessToken,
          categoriesPath, aggregatePath, federatedPath, federationChain
  --no-federation  không chạy hai nền tảng liên thông mô phỏng (NDXP, Đồng Tháp): federatedPath là null; dùng khi đo
                   một nền tảng như khi triển khai (npm run bench) / without the two simulated peer platforms:
                   federatedPath is null; for measuring one platform as deployed (npm run bench)`;

/** The first stdout line of `lgsp demo --json`: what a script (the benchmark, the tests) needs to call it. */
export interface DemoInfo {
  gatewayUrl: string;
  adminUrl: string;
  consumerKey: string;
  consumerSecret: string;
  /** A call the demo's credential is subscribed to. */
  allowedPath: string;
  /** A call it is not: the gateway refuses it. */
  forbiddenPath: string;
  /** The shared category lists on this gateway (issue 12 item 7): the demo consumer is subscribed. */
  categoriesPath: string;
  /** The same resource as `allowedPath`, straight from the provider, without the gateway. */
  directUrl: string;
  /**
   * Issue 12 item 8: the demo consumer's `lgspaccesstoken` header, form 1 (HCM / Hậu Giang): base64 of JSON
   * `{AccessKey, SecretKey, AppName, PartnerCode, PartnerCodeCus}`; `allowedPath` with only this header → 200.
   */
  lgspAccessToken: string;
  /** A GET to a composite of two providers (R-17, docs/aggregation.md): 200 with `X-LGSP-Completed: true`. */
  aggregatePath: string;
  /**
   * A GET the demo consumer may call on this gateway that a peer platform the demo runs answers (R-15,
   * docs/federation.md): forwarded with this platform's token for the peer, the represented party, a signed hop.
   */
  federatedPath: string | null;
  /**
   * The platforms `federatedPath` crosses after this one, in order: the intermediate playing NDXP, then the
   * province whose provider answers. Their admin APIs take the demo's operator login, so each record of one call
   * (the same end-to-end id, the verified hop chain) can be read on every platform.
   */
  federationChain: Array<{ code: string; name: string; gatewayUrl: string; adminUrl: string }>;
}

const CITIZEN_ID = '001099012345';
const TAX_ID = '0312345678';
const ACTOR = 'system:demo';

/** Starts the demo's provider upstream as a child process and resolves with its URL once it listens. */
function startDemoUpstream(): Promise<{ url: string; child: ChildProcess }> {
  const child = fork(new URL('./demo-upstream.mjs', import.meta.url), ['0'], {
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (port) => resolve({ url: `http://127.0.0.1:${port.trim()}`, child }));
    child.once('exit', (code) => reject(new Error(`demo upstream exited (${code})`)));
  });
}

/** A small OpenAPI 3 document, as a provider submits with its version (R-11). */
function openApiOf(context: string): string {
  const [path, parameter] = context === 'dancu' ? ['/congdan', 'soDinhDanh'] : ['/doanhnghiep', 'maSoThue'];
  return JSON.stringify({
    openapi: '3.0.3',
    info: { title: `Dịch vụ ${context} (bản demo)`, version: '1.0' },
    paths: {
      [`${path}/{${parameter}}`]: {
        get: {
          parameters: [{ name: parameter, in: 'path', required: true, schema: { type: 'string' } }],
          responses: { '200': { description: 'Thành công' } },
        },
      },
    },
  });
}

interface DemoObjects {
  consumerSystemId: string;
  credential: { consumerKey: string; consumerSecret: string };
}

/**
 * Seeds a realistic province: the operator (Sở TT&TT), three agencies with official codes and contact points,
 * the provider of the citizen lookup, a tax service, and a consumer system subscribed to the citizen lookup in
 * sandbox and production. On a store already seeded (LGSP_DATA_DIR reused) it repoints the upstreams at this
 * run's upstream and issues a fresh credential, since secrets are never stored.
 */
async function seedDemo(
  env: TryEnv & {
    store: Store;
    workflow: WorkflowSettings;
    gatewayUrl: string;
    recorder: { flush(): Promise<void> };
    snapshots: { refresh(): Promise<void> };
  },
  upstreamUrl: string,
): Promise<DemoObjects> {
  const { registry } = env;
  const existing = (await registry.listOrganizations()).find((o) => o.code === '000.00.12.H01');
  if (existing) {
    const consumer = (await registry.listSystems({ organizationId: existing.id }))[0]!;
    for (const v of await registry.listVersions()) {
      if (v.context === 'dmdc') continue; // the built-in shared-category service has no upstream to move
      if (v.composite) continue; // a composite has no upstream of its own (R-17)
      if (v.context === DEMO_PEER_CONTEXT) continue; // imported: it follows its peer (src/cli/demo-federation.ts)
      const base = v.context === 'dancu' ? 'dancu' : 'thue';
      await registry.updateVersion(
        v.id,
        {
          upstreams: { sandbox: `${upstreamUrl}/sandbox/${base}`, production: `${upstreamUrl}/api/${base}` },
        },
        ACTOR,
      );
    }
    return {
      consumerSystemId: consumer.id,
      credential: await registry.issueCredential(consumer.id, 'production', ACTOR),
    };
  }
  await registry.createOrganization(
    {
      code: '000.00.17.H01',
      name: 'Sở Thông tin và Truyền thông tỉnh An Giang',
      contact: {
        name: 'Phạm Minh Tuấn',
        title: 'Trưởng phòng',
        unit: 'Phòng Công nghệ thông tin',
        phone: '0296 3957 123',
        email: 'lgsp@angiang.gov.vn',
      },
    },
    ACTOR,
  );
  const police = await registry.createOrganization(
    {
      code: '000.00.31.H01',
      name: 'Công an tỉnh An Giang',
      contact: {
        name: 'Trần Thị Bình',
        title: 'Phó Trưởng phòng',
        unit: 'Phòng Cảnh sát QLHC về TTXH',
        phone: '0296 3852 000',
        email: 'pc06@congan.angiang.gov.vn',
      },
    },
    ACTOR,
  );
  const justice = await registry.createOrganization(
    {
      code: '000.00.12.H01',
      name: 'Sở Tư pháp tỉnh An Giang',
      contact: {
        name: 'Lê Văn Cường',
        title: 'Chuyên viên',
        unit: 'Văn phòng Sở',
        phone: '0296 3841 222',
        email: 'stp@angiang.gov.vn',
      },
    },
    ACTOR,
  );
  const tax = await registry.createOrganization(
    {
      code: '000.00.40.H01',
      name: 'Cục Thuế tỉnh An Giang',
      contact: {
        name: 'Võ Thị Dung',
        title: 'Chuyên viên',
        unit: 'Phòng Tin học',
        phone: '0296 3852 333',
        email: 'tinhoc@thue.angiang.gov.vn',
      },
    },
    ACTOR,
  );
  // Each agency's system is connected the regulated way (R-08): the agency applies with the Appendix's
  // fields, the operator approves, and the approval creates the system.
  const requests = new ConnectionRequests(env.store, registry);
  const connect = async (
    organization: { id: string; contact: ContactPoint | null },
    system: { name: string; description?: string; isProvider: boolean; isConsumer: boolean },
    purpose: string,
  ) => {
    const request = await requests.submit(
      {
        organizationId: organization.id,
        systemName: system.name,
        systemDescription: system.description ?? null,
        isProvider: system.isProvider,
        isConsumer: system.isConsumer,
        purpose,
        scopeOfUse: 'Toàn cơ quan và các đơn vị trực thuộc',
        contact: organization.contact!,
      },
      ACTOR,
    );
    return (await requests.approve(request.id, ACTOR, 'Đủ điều kiện kết nối')).system;
  };
  const population = await connect(
    police,
    {
      name: 'CSDL Dân cư tỉnh An Giang',
      description: 'Cung cấp tra cứu thông tin công dân',
      isProvider: true,
      isConsumer: false,
    },
    'Cung cấp dữ liệu dân cư cho các cơ quan trong tỉnh',
  );
  const taxSystem = await connect(
    tax,
    { name: 'Hệ thống quản lý thuế', isProvider: true, isConsumer: false },
    'Cung cấp thông tin doanh nghiệp theo mã số thuế',
  );
  const civil = await connect(
    justice,
    {
      name: 'Hệ thống quản lý hộ tịch',
      description: 'Khai thác dữ liệu dân cư khi đăng ký hộ tịch',
      isProvider: false,
      isConsumer: true,
    },
    'Khai thác dữ liệu dân cư khi giải quyết thủ tục hộ tịch',
  );

  // Each provider offers a REST service with its version 1.0: one GET resource, both upstreams on the demo
  // upstream, and the R-11 description, whose transport, security and procedure are the same for both.
  const offer = async (
    service: Pick<ServiceCreate, 'context' | 'name' | 'providerSystemId'>,
    resource: string,
    own: { capacity: string; dataQuality: string; dataPresentation: string },
  ) => {
    const { id } = await registry.createService(
      {
        ...service,
        description: {
          addressAndInterface: `REST/JSON: GET /${service.context}/1.0${resource}`,
          communicationStandards: 'HTTP/1.1, JSON UTF-8',
          encryptionAndSecurity: 'TLS 1.2+; OAuth 2.0 client credentials qua LGSP',
          capacity: own.capacity,
          connectionProcedure: 'Đăng ký khai thác → thử nghiệm sandbox → cấp khoá chính thức',
          dataQuality: own.dataQuality,
          dataPresentation: own.dataPresentation,
        },
      },
      ACTOR,
    );
    return registry.createVersion(
      id,
      {
        version: '1.0',
        upstreams: {
          sandbox: `${upstreamUrl}/sandbox/${service.context}`,
          production: `${upstreamUrl}/api/${service.context}`,
        },
        resources: [{ method: 'GET', path: resource }],
      },
      ACTOR,
    );
  };
  const dancuV1 = await offer(
    { context: 'dancu', name: 'Tra cứu thông tin công dân', providerSystemId: population.id },
    '/congdan/{soDinhDanh}',
    {
      capacity: '200 lượt/giây',
      dataQuality: 'Đồng bộ hằng ngày từ CSDL quốc gia về dân cư; Công an tỉnh phê duyệt',
      dataPresentation: 'JSON, trường tiếng Việt không dấu theo chuẩn Bộ Công an',
    },
  );
  const thueV1 = await offer(
    {
      context: 'thue',
      name: 'Tra cứu thông tin doanh nghiệp theo mã số thuế',
      providerSystemId: taxSystem.id,
    },
    '/doanhnghiep/{maSoThue}',
    {
      capacity: '50 lượt/giây',
      dataQuality: 'Đồng bộ từ hệ thống quản lý thuế; Cục Thuế phê duyệt',
      dataPresentation: 'JSON',
    },
  );
  // Both services reach production the regulated way (R-11): submitted with their OpenAPI document, tried in the
  // sandbox as the operator tries them from the console (the platform's own test client, through this very
  // gateway), then published on that evidence at once.
  for (const version of [dancuV1, thueV1]) {
    await publishAfterTry(
      env,
      version.id,
      { technicalDocument: openApiOf(version.context), documentType: 'openapi' },
      ACTOR,
    );
  }
  await env.snapshots.refresh();
  // The consumer registers the regulated way (R-12): the request, sandbox approval, its sandbox key collected
  // once, a sandbox call, the production request on that evidence, production approval and key. The frequency
  // (it becomes the quota) is high enough never to throttle a benchmark, but the quota check stays on the path.
  const subscriptions = new SubscriptionRequests(env.store, registry, env.clock, env.workflow);
  const request = await subscriptions.submit(
    {
      systemId: civil.id,
      versionId: dancuV1.id,
      application: 'Phần mềm quản lý hộ tịch',
      purpose: 'Xác minh thông tin công dân khi đăng ký khai sinh, kết hôn',
      frequencyPerDay: 1_000_000_000,
      frequencyPerMinute: 100_000_000,
      timeOfUse: null,
    },
    ACTOR,
  );
  await subscriptions.approveSandbox(request.id, ACTOR);
  const sandboxKey = await subscriptions.collectCredential(request.id, 'sandbox', ACTOR);
  await env.snapshots.refresh();
  const sandboxCall = await sandboxTestCall(
    env.gatewayUrl,
    sandboxKey,
    { method: 'GET', path: `/dancu/1.0/congdan/${CITIZEN_ID}` },
    sandboxCallLimitMs(env.config.gateway.upstreamTimeoutMs),
  );
  if (sandboxCall !== 200) throw new Error(`demo sandbox call answered ${sandboxCall}`);
  await onceRecorded(env, 'CP_SANDBOX_CALL_REQUIRED', () =>
    subscriptions.requestProduction(request.id, ACTOR),
  );
  await subscriptions.approveProduction(request.id, ACTOR);
  const credential = await subscriptions.collectCredential(request.id, 'production', ACTOR);
  return { consumerSystemId: civil.id, credential };
}

/** Whether nothing listens on host:port now (a probe: bound, then closed at once). */
function portFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve(true)));
  });
}

interface PortChoice {
  /** The port to listen on: the preferred one, or 0 (any free port) when it was busy. */
  port: number;
  /** Said once the demo is up: the preferred port was busy and which one it uses instead. */
  busy: number | null;
}

/**
 * Issue 11: `npm run demo` while `npm start` runs. A port set explicitly (LGSP_*_PORT or the config file) is used
 * as set, and when it is taken the demo stops and says what to do; a port left to its default is tried, and when
 * it is busy the demo takes any free one and says so. The preferred defaults can be moved for tests
 * (LGSP_DEMO_DEFAULT_GATEWAY_PORT / LGSP_DEMO_DEFAULT_ADMIN_PORT), so no test ever needs 8280/9080.
 */
async function choosePort(
  part: {
    name: string;
    nameEn: string;
    envName: string;
    setting: string;
    defaultPort: number;
    demoDefaultEnv: string;
  },
  configured: { host: string; port: number },
): Promise<PortChoice | { problem: string }> {
  const explicit = process.env[part.envName] !== undefined || configured.port !== part.defaultPort;
  if (explicit) {
    if (configured.port === 0 || (await portFree(configured.host, configured.port)))
      return { port: configured.port, busy: null };
    return {
      problem: [
        `Cổng ${part.name} ${configured.port} (${part.envName} / ${part.setting}) đang được dùng, có thể bởi \`npm start\`.`,
        `  Dừng tiến trình đó, hoặc đặt cổng khác (${part.envName}=0 để chọn cổng trống bất kỳ), hoặc bỏ ${part.envName}`,
        '  để bản demo tự chọn cổng trống.',
        `The ${part.nameEn} port ${configured.port} (${part.envName} / ${part.setting}) is in use, perhaps by \`npm start\`.`,
        `  Stop that process, or set another port (${part.envName}=0 for any free port), or unset ${part.envName}`,
        '  and the demo picks a free port itself.',
      ].join('\n'),
    };
  }
  const preferred = Number(process.env[part.demoDefaultEnv] ?? part.defaultPort);
  if (await portFree(configured.host, preferred)) return { port: preferred, busy: null };
  return { port: 0, busy: preferred };
}

export async function runDemo(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`${DEMO_USAGE}\n`);
    return 0;
  }
  const asJson = args.includes('--json');
  const withFederation = !args.includes('--no-federation');
  const unknown = args.filter((a) => a !== '--json' && a !== '--no-federation');
  if (unknown.length > 0) {
    process.stderr.write(`Tham số không hợp lệ / Unknown argument: ${unknown.join(' ')}\n${DEMO_USAGE}\n`);
    return 2;
  }
  const throwaway = process.env['LGSP_DATA_DIR'] ? null : mkdtempSync(join(tmpdir(), 'lgsp-demo-'));
  const adminPassword = process.env['LGSP_ADMIN_PASSWORD'] || newSecret().slice(0, 16);
  const settings = {
    // A throwaway store's key-encryption key lives and dies with this process: no key file is left behind.
    ...(throwaway ? { dataDir: throwaway, keys: { encryptionKey: randomBytes(32).toString('base64') } } : {}),
    admin: { password: adminPassword },
    // Every client convention of other LGSPs is on in the demo (issue 12 item 8, docs/moving-from-another-lgsp.md).
    clientConventions: { lgspAccessToken: true, tokenRevocation: true, caseInsensitiveAuthSchemes: true },
  };
  const preliminary = configOrExplain(settings);
  if (!preliminary) return 1;
  const gatewayPort = await choosePort(
    {
      name: 'kết nối / gateway',
      nameEn: 'gateway',
      envName: 'LGSP_GATEWAY_PORT',
      setting: 'gateway.port',
      defaultPort: 8280,
      demoDefaultEnv: 'LGSP_DEMO_DEFAULT_GATEWAY_PORT',
    },
    preliminary.gateway,
  );
  const adminPort = await choosePort(
    {
      name: 'quản trị / admin',
      nameEn: 'admin',
      envName: 'LGSP_ADMIN_PORT',
      setting: 'admin.port',
      defaultPort: 9080,
      demoDefaultEnv: 'LGSP_DEMO_DEFAULT_ADMIN_PORT',
    },
    preliminary.admin,
  );
  const problems = [gatewayPort, adminPort].flatMap((c) => ('problem' in c ? [c.problem] : []));
  if ('problem' in gatewayPort || 'problem' in adminPort) {
    process.stderr.write(`Không khởi động được / Could not start:\n${problems.join('\n')}\n`);
    return 1;
  }
  // The peers' egress policies name this gateway's host:port before any listens: "any free port" becomes one now.
  const chainPorts = {
    demo: gatewayPort.port === 0 ? await freeLoopbackPort() : gatewayPort.port,
    ndxp: await freeLoopbackPort(),
    dongThap: await freeLoopbackPort(),
  };
  const demoGatewayPort = chainPorts.demo;
  Object.assign(settings, {
    gateway: { port: demoGatewayPort },
    admin: { ...settings.admin, port: adminPort.port },
  });
  const checked = configOrExplain(settings);
  if (!checked) return 1;

  const upstream = await startDemoUpstream();
  // Issue 10: the demo's egress policy opens exactly its own upstream's host:port and the gateway of the
  // intermediate it forwards federated calls to (issue 12), beside what the operator lists.
  const ndxpHost = `127.0.0.1:${chainPorts.ndxp}`;
  const config = loadConfig({
    overrides: {
      ...settings,
      egress: {
        allow: [...checked.egress.allow, new URL(upstream.url).host, ...(withFederation ? [ndxpHost] : [])],
      },
    },
  });
  // The demo's platform and the two peers start side by side (each migrates its own store).
  // On an existing LGSP_DATA_DIR the store keeps its own operator password: the demo's is not applied to it.
  let origin = 'generated' as OperatorAccountOrigin;
  const [started, startedPeer] = await Promise.allSettled([
    startPlatform(config, {
      onOperatorAccount: (o) => {
        origin = o;
      },
    }),
    withFederation
      ? startDemoPeers(chainPorts, upstream.url, adminPassword, resolveLogFormat(config.logFormat))
      : Promise.resolve(null),
  ]);
  if (started.status === 'rejected' || startedPeer.status === 'rejected') {
    if (started.status === 'fulfilled') await started.value.stop();
    if (startedPeer.status === 'fulfilled' && startedPeer.value) {
      await startedPeer.value.ndxp.stop();
      await startedPeer.value.dongThap.stop();
    }
    upstream.child.kill();
    if (throwaway) rmSync(throwaway, { recursive: true, force: true });
    const err =
      started.status === 'rejected' ? started.reason : (startedPeer as PromiseRejectedResult).reason;
    process.stderr.write(`Không khởi động được / Could not start: ${explainStartError(err)}\n`);
    return 1;
  }
  const platform = started.value;
  const peers = startedPeer.value;
  // The peers start beside it in this process, and each start sets where every problem's `type` points (module
  // state, the last start wins): name the demo's own portal again, the admin URL printed below.
  if (peers && !config.admin.publicUrl && platform.adminUrl) {
    setProblemTypeOrigin(localUrl(platform.adminUrl));
    platform.gatewayWorkers?.setProblemTypeOrigin(problemTypeOrigin());
  }
  const seeded = await seedDemo(
    {
      ...platform,
      gatewayUrl: localUrl(platform.gatewayUrl),
      clock: systemClock,
      workflow: {
        timezoneOffsetMinutes: config.timezoneOffsetMinutes,
        holidays: config.workflow.holidays,
        responseDeadlineWorkingDays: config.workflow.responseDeadlineWorkingDays,
      },
    },
    upstream.url,
  );
  await seedDemoCategories(platform.categories, platform.registry.changes, seeded.consumerSystemId, ACTOR);
  const aggregatePath = await seedDemoComposite(
    { ...platform, clock: systemClock },
    seeded.consumerSystemId,
    { citizen: CITIZEN_ID, tax: TAX_ID },
    ACTOR,
  );
  const federatedPath = peers
    ? await linkDemoChain(platform, peers.ndxp, peers.dongThap, upstream.url, seeded.consumerSystemId, ACTOR)
    : null;
  await platform.snapshots.refresh();

  const gatewayUrl = localUrl(platform.gatewayUrl);
  const adminUrl = localUrl(platform.adminUrl);
  const allowedPath = `/dancu/1.0/congdan/${CITIZEN_ID}`;
  const info: DemoInfo = {
    gatewayUrl,
    adminUrl,
    consumerKey: seeded.credential.consumerKey,
    consumerSecret: seeded.credential.consumerSecret,
    allowedPath,
    forbiddenPath: `/thue/1.0/doanhnghiep/${TAX_ID}`,
    categoriesPath: '/dmdc/1.0/AllCategory',
    directUrl: `${upstream.url}/api/dancu/congdan/${CITIZEN_ID}`,
    lgspAccessToken: Buffer.from(
      JSON.stringify({
        AccessKey: seeded.credential.consumerKey,
        SecretKey: seeded.credential.consumerSecret,
        AppName: 'HeThongHoTich',
        PartnerCode: '000.00.31.H01',
        PartnerCodeCus: '000.00.12.H01',
      }),
    ).toString('base64'),
    aggregatePath,
    federatedPath,
    federationChain: (peers ? [peers.ndxp, peers.dongThap] : []).map(
      ({ code, name, gatewayUrl, adminUrl }) => ({
        code,
        name,
        gatewayUrl,
        adminUrl,
      }),
    ),
  };
  // Listen for Ctrl+C before saying we are up: a script that signals right after the first line must stop us
  // cleanly, not meet Node's default handler.
  const signalled = untilSignal();
  if (asJson) process.stdout.write(`${JSON.stringify(info)}\n`);
  const { consumerKey: key, consumerSecret: secret } = info;
  process.stdout.write(
    [
      '',
      'OpenLGSP — bản demo / demo',
      `  Cổng kết nối / Gateway:   ${gatewayUrl}`,
      `  API quản trị / Admin API: ${adminUrl}/api/v1   (OpenAPI: ${adminUrl}/api/v1/openapi.json)`,
      ...consoleLines(adminUrl, config.admin.publicUrl),
      ...busyLines('kết nối / gateway', gatewayPort, gatewayUrl),
      ...busyLines('quản trị / admin', adminPort, adminUrl),
      ...operatorLoginLines(origin, adminPassword, peers !== null),
      `  Kho dữ liệu / Store: ${throwaway ? `tạm, xoá khi dừng / throwaway, deleted on stop (${throwaway})` : config.dataDir}`,
      '',
      'Hệ thống Hộ tịch (Sở Tư pháp, 000.00.12.H01) đã đăng ký khai thác dịch vụ Tra cứu công dân (dancu 1.0).',
      'The civil-status system of the Department of Justice is subscribed to the citizen lookup (dancu 1.0).',
      '',
      '1. Lấy token / Get a token (1 giờ / 1 hour):',
      `   TOKEN=$(curl -s -u '${key}:${secret}' -d grant_type=client_credentials ${gatewayUrl}/token | sed 's/.*"access_token":"\\([^"]*\\)".*/\\1/')`,
      '2. Gọi dịch vụ đã đăng ký / Call the subscribed service (200):',
      `   curl -i -H "Authorization: Bearer $TOKEN" ${gatewayUrl}${allowedPath}`,
      '3. Gọi dịch vụ chưa đăng ký / Call a service it is not subscribed to (403):',
      `   curl -i -H "Authorization: Bearer $TOKEN" ${gatewayUrl}${info.forbiddenPath}`,
      ...(peers && federatedPath ? federationLines(gatewayUrl, federatedPath, peers) : []),
      // Step 4 is the federated call, absent with --no-federation: the steps stay numbered 1, 2, 3, 4.
      `${peers && federatedPath ? 5 : 4}. Xem nhật ký giao dịch / See the transaction records:`,
      `   ADMIN=$(curl -s -H 'content-type: application/json' -d '{"username":"admin","password":"${origin === 'existing' ? '<mật khẩu/password>' : adminPassword}"}' ${adminUrl}/api/v1/auth/login | sed 's/.*"token":"\\([^"]*\\)".*/\\1/')`,
      `   curl -s -H "Authorization: Bearer $ADMIN" '${adminUrl}/api/v1/transactions?limit=5'`,
      '',
      'Dừng / Stop: Ctrl+C',
      '',
    ].join('\n'),
  );
  await signalled;
  await platform.stop();
  await peers?.ndxp.stop();
  await peers?.dongThap.stop();
  upstream.child.kill('SIGTERM');
  if (throwaway) rmSync(throwaway, { recursive: true, force: true });
  return 0;
}

/**
 * Who signs in to the demo's admin API. A fresh store has `admin` with the demo's password; an existing
 * LGSP_DATA_DIR keeps the password it has (the demo's is not applied), so the demo never prints one that does not
 * work: it says the stored one is kept, and how a lost one is recovered.
 */
export function operatorLoginLines(
  origin: OperatorAccountOrigin,
  demoPassword: string,
  withPeers: boolean,
): string[] {
  if (origin !== 'existing') return [`  Đăng nhập quản trị / Operator login: admin / ${demoPassword}`];
  return [
    '  Đăng nhập quản trị / Operator login: admin / mật khẩu đã lưu trong LGSP_DATA_DIR, giữ nguyên / the password',
    '    already stored in LGSP_DATA_DIR, kept as it is (LGSP_ADMIN_PASSWORD does not change it).',
    `    Mất mật khẩu / Lost it: dừng bản demo rồi / stop the demo, then: ${RECOVER_COMMAND}`,
    ...(withPeers ? [`    Hai nền tảng liên thông / The two federation peers: admin / ${demoPassword}`] : []),
  ];
}

/** Said when the demo did not get its preferred port: which one was busy and which it uses instead. */
function busyLines(name: string, choice: PortChoice, url: string): string[] {
  if (choice.busy === null) return [];
  const port = new URL(url).port;
  return [
    `  Cổng ${name} ${choice.busy} đang bận (có thể \`npm start\` đang chạy): bản demo dùng cổng ${port}.`,
    `  Port ${choice.busy} (${name}) is busy (\`npm start\` may be running): the demo uses port ${port}.`,
  ];
}

/** Step 4 of the demo's printout: the federated call and the platforms it crosses. */
function federationLines(
  gatewayUrl: string,
  federatedPath: string,
  peers: Awaited<ReturnType<typeof startDemoPeers>>,
): string[] {
  const { ndxp, dongThap } = peers;
  return [
    `4. Gọi dịch vụ của tỉnh khác qua liên thông / Call another province's service through federation (200):`,
    `   curl -i -H "Authorization: Bearer $TOKEN" ${gatewayUrl}${federatedPath}`,
    `   Đường đi / Path: bản demo → ${DEMO_NDXP_CODE} (${ndxp.gatewayUrl}) → ${DEMO_PEER_CODE} (${dongThap.gatewayUrl}).`,
    '   Hai nền tảng kia là hai OpenLGSP đầy đủ chạy trong tiến trình của bản demo (không bao giờ bị bỏ lại khi dừng);',
    '   mỗi chặng chuyển tiếp bằng token của nền tảng chuyển tại nền tảng sau, kèm bên khai thác gốc và chữ ký RFC 9421.',
    '   Two more full OpenLGSP platforms run inside the demo process (never orphaned when it stops): NDXP (simulated)',
    "   and Đồng Tháp; each hop forwards with the forwarding platform's own token, the original consumer, and its",
    '   RFC 9421 signature added to the earlier ones (docs/federation.md).',
    '   Bản ghi ở mỗi nền tảng: đăng nhập như bước 5 tại API quản trị của nó (cùng mật khẩu), cùng endToEndId.',
    '   Each platform’s records: log in as in step 5 at its admin API (same password); the same endToEndId.',
    ...[ndxp, dongThap].map((p) => `     ${p.code}: ${p.adminUrl}/api/v1`),
  ];
}
