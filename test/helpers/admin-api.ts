import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { createAdminApi } from '../../src/api/server.ts';
import { Accounts } from '../../src/control/accounts.ts';
import { Lifecycle } from '../../src/control/lifecycle/index.ts';
import { Registry } from '../../src/control/registry/index.ts';
import { ManualClock } from '../../src/core/clock.ts';
import { type Config, loadConfig } from '../../src/core/config.ts';
import { EgressPolicy } from '../../src/net/egress.ts';
import { requestWorkflows } from '../../src/platform.ts';
import type { Store } from '../../src/store/port.ts';
import { Alerts } from '../../src/telemetry/alerts.ts';
import { type Logger, silentLogger } from '../../src/telemetry/logger.ts';
import { TEST_KEK, testKeys } from './keys.ts';
import { openTestStore } from './stores.ts';

export const TEST_PASSWORD = 'test-password';

/**
 * An admin answer's body with its request's own id (`transactionId: api_…`, fresh and random for every request, what a
 * person quotes to the operator) set aside: for tests that two answers say the same (R-27: another organization's
 * object answers as one that does not exist).
 */
export function withoutRequestId(body: string): string {
  return body.replace(/"transactionId":"api_[0-9a-z]{25}"/, '"transactionId":"<request>"');
}

/** An admin API over a fresh test store, signed in as the first operator, for `app.inject` tests. */
export interface AdminHarness {
  kind: 'pglite' | 'postgres';
  app: FastifyInstance;
  store: Store;
  registry: Registry;
  lifecycle: Lifecycle;
  accounts: Accounts;
  clock: ManualClock;
  config: Config;
  token: string;
  /** JSON request with the operator's token (unless `token: null`). */
  call(
    method: string,
    url: string,
    body?: unknown,
    options?: { token?: string | null; headers?: Record<string, string> },
  ): Promise<LightMyRequestResponse>;
  /** Row counts of every registry table and the audit log, to prove a rejected request wrote nothing. */
  counts(): Promise<Record<string, number>>;
  dispose(): Promise<void>;
}

const COUNTED = [
  'organizations',
  'systems',
  'services',
  'service_versions',
  'subscriptions',
  'credentials',
  'audit_events',
  'users',
] as const;

export async function openAdminHarness(
  kind: 'pglite' | 'postgres',
  options: {
    overrides?: Record<string, unknown>;
    startMs?: number;
    logger?: Logger;
    /**
     * The store, registry and clock of a gateway harness (gateway-harness.ts), so the API's changes reach that
     * gateway's snapshot; the gateway harness then owns the store and closes it.
     */
    shared?: { store: Store; registry: Registry; clock: ManualClock };
  } = {},
): Promise<AdminHarness> {
  const testStore = options.shared ? null : await openTestStore(kind);
  const store = options.shared?.store ?? testStore!.store;
  // A fixed date by default; a CLI test passes the real time, since the CLI judges session expiry by it.
  const clock =
    options.shared?.clock ?? new ManualClock(options.startMs ?? Date.parse('2025-03-01T02:00:00Z'));
  const config = loadConfig({ env: {}, overrides: options.overrides ?? {} });
  const registry = options.shared?.registry ?? new Registry(store, clock, EgressPolicy.forPlatform(config));
  const lifecycle = new Lifecycle(store, registry, clock, {
    timezoneOffsetMinutes: config.timezoneOffsetMinutes,
    maintenanceMinNoticeHours: config.lifecycle.maintenanceMinNoticeHours,
  });
  const accounts = new Accounts(store, clock, config.admin.sessionTtlHours, config.limits, TEST_KEK);
  await accounts.ensureOperator(TEST_PASSWORD);
  const app = await createAdminApi({
    config,
    store,
    registry,
    lifecycle,
    accounts,
    ...requestWorkflows(store, registry, clock, config),
    alerts: new Alerts(store, clock, config.alerts, silentLogger()),
    logger: options.logger ?? silentLogger(),
    clock,
    health: () => ({ status: 'ok', revision: 1 }),
    jwks: async () => ({ keys: [{ kty: 'EC', crv: 'P-256', kid: 'test', x: 'x', y: 'y' }] }),
    ...testKeys(registry, config.gateway.tokenTtlSeconds),
  });
  const session = await accounts.login('admin', TEST_PASSWORD);

  const call: AdminHarness['call'] = (method, url, body, options = {}) => {
    const token = options.token === undefined ? session.token : options.token;
    return app.inject({
      method: method as 'GET',
      url,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...options.headers,
      },
      ...(body !== undefined ? { payload: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
  };

  return {
    kind,
    app,
    store,
    registry,
    lifecycle,
    accounts,
    clock,
    config,
    token: session.token,
    call,
    async counts() {
      const out: Record<string, number> = {};
      for (const table of COUNTED) {
        const row = await store.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow();
        out[table] = Number(row.n);
      }
      const state = await store.db.selectFrom('config_state').select('revision').executeTakeFirstOrThrow();
      out['revision'] = Number(state.revision);
      return out;
    },
    async dispose() {
      await app.close();
      await testStore?.dispose();
    },
  };
}

/** A consistent little province: an operator org, a provider and a consumer system, a service and a version. */
export async function seedProvince(h: AdminHarness) {
  // The seed's sandbox upstream: the discard port, where nothing answers (issue 10: allowed exactly).
  h.registry.egress.allowTargets('127.0.0.1:9');
  const ok = async (res: LightMyRequestResponse, status: number) => {
    if (res.statusCode !== status) throw new Error(`expected ${status}, got ${res.statusCode}: ${res.body}`);
    return res.json() as Record<string, unknown> & { id: string };
  };
  const org = await ok(
    await h.call('POST', '/api/v1/organizations', {
      code: '000.00.31.H01',
      name: 'Sở Tư pháp',
      contact: { name: 'Nguyễn Văn A', email: 'stp@angiang.gov.vn' },
    }),
    201,
  );
  const provider = await ok(
    await h.call('POST', '/api/v1/systems', {
      organizationId: org.id,
      name: 'CSDL Hộ tịch',
      isProvider: true,
    }),
    201,
  );
  const consumer = await ok(
    await h.call('POST', '/api/v1/systems', {
      organizationId: org.id,
      name: 'Cổng dịch vụ công',
      isConsumer: true,
    }),
    201,
  );
  const service = await ok(
    await h.call('POST', '/api/v1/services', {
      context: 'hotich',
      name: 'Tra cứu hộ tịch',
      providerSystemId: provider.id,
    }),
    201,
  );
  const version = await ok(
    await h.call('POST', `/api/v1/services/${service.id}/versions`, {
      version: '1.0',
      upstreams: { sandbox: 'http://127.0.0.1:9/sandbox', production: null },
      resources: [{ method: 'GET', path: '/khaisinh/{soDinhDanh}' }],
    }),
    201,
  );
  return { org, provider, consumer, service, version };
}
