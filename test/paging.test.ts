import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs } from 'kysely';
import { pagePublicContacts } from '../src/control/catalogue.ts';
import { Lifecycle } from '../src/control/lifecycle/index.ts';
import { Registry } from '../src/control/registry/index.ts';
import { pageWebhookEndpoints } from '../src/control/webhooks.ts';
import { loadConfig } from '../src/core/config.ts';
import { exportFederationLedger, Peers, pageFederationLedger } from '../src/federation/peers.ts';
import { EgressPolicy } from '../src/net/egress.ts';
import { pageConnectedSystems } from '../src/reports/connected-systems.ts';
import type { Store } from '../src/store/port.ts';
import { Alerts } from '../src/telemetry/alerts.ts';
import { silentLogger } from '../src/telemetry/logger.ts';
import type { TransactionRecord } from '../src/telemetry/record.ts';
import { queryTransactions } from '../src/telemetry/transactions.ts';
import { type AdminHarness, openAdminHarness, TEST_PASSWORD } from './helpers/admin-api.ts';
import { insertRecords, insertServices } from './helpers/bulk.ts';
import { adminEnv, runCli } from './helpers/cli.ts';
import { TEST_KEK } from './helpers/keys.ts';
import { callRecord } from './helpers/records.ts';
import { storeKinds } from './helpers/stores.ts';

/*
 * Issue 11: every list pages, sorts and searches on the server. The registry lists answer `{ items, total }` with
 * `limit`/`offset`; the transaction log and the audit trail page by keyset. Made at the scale the console must
 * handle — 1,000 services, 10,000 transaction records — written in bulk through the store, then read one page at a
 * time through the API as operator and as an agency user, and, with a counting plugin on the store, proved not to
 * load more rows than one page holds.
 */

// biome-ignore lint/suspicious/noExplicitAny: JSON bodies read in assertions
type Json = Record<string, any>;

const SERVICES = 1000;
const TRANSACTIONS = 10_000;
const SUBSCRIPTIONS = 300;
const CREDENTIALS = 120;
const ORG_A = '000.00.31.H01';
const ORG_B = '000.00.32.H01';
const T0 = Date.parse('2025-02-20T00:00:00Z');

/** The largest number of rows any one SQL statement returned since `reset` (a page must not load them all). */
class RowCounter implements KyselyPlugin {
  largest = 0;
  statements = 0;
  transformQuery(args: PluginTransformQueryArgs) {
    return args.node;
  }
  async transformResult(args: PluginTransformResultArgs) {
    this.statements++;
    this.largest = Math.max(this.largest, args.result.rows.length);
    return args.result;
  }
  reset() {
    this.largest = 0;
    this.statements = 0;
  }
}

/** The same store, its queries seen by `counter`. */
function countedStore(store: Store, counter: RowCounter): Store {
  const counted = Object.create(store) as Store;
  Object.defineProperty(counted, 'db', { value: store.db.withPlugin(counter) });
  return counted;
}

const pad = (i: number) => String(i).padStart(4, '0');

for (const kind of storeKinds) {
  describe(`server-side paging and search (${kind})`, () => {
    let h: AdminHarness;
    let orgA: string;
    let orgB: string;
    let agencyToken: string;
    /** Which subscriptions and credentials agency A may see, worked out from what was written. */
    const visibleSubscriptions = new Set<string>();
    const visibleCredentials = new Set<string>();
    const records: TransactionRecord[] = [];

    const get = async (url: string, token?: string): Promise<Json> => {
      const res = await h.call('GET', url, undefined, token ? { token } : {});
      assert.equal(res.statusCode, 200, `${url}: ${res.body}`);
      return res.json();
    };

    before(async () => {
      h = await openAdminHarness(kind);
      const db = h.store.db;
      const now = new Date(h.clock.nowMs());
      orgA = (await h.registry.createOrganization({ code: ORG_A, name: 'Sở Tư pháp' }, 'test')).id;
      orgB = (await h.registry.createOrganization({ code: ORG_B, name: 'Sở Y tế' }, 'test')).id;
      const systemOf = { A: 'sys_a', B: 'sys_b' } as const;
      await db
        .insertInto('systems')
        .values(
          (['A', 'B'] as const).map((side) => ({
            id: systemOf[side],
            organization_id: side === 'A' ? orgA : orgB,
            name: `Hệ thống ${side}`,
            description: null,
            is_provider: true,
            is_consumer: true,
            status: 'active' as const,
            created_at: now,
            updated_at: now,
          })),
        )
        .execute();

      // 1,000 services: even ones are A's, odd ones B's; three of them (one of A's) hold the word "Zeta".
      const zeta = new Set([17, 444, 901]);
      await insertServices(
        h.store,
        Array.from({ length: SERVICES }, (_, i) => ({
          id: `svc_${pad(i)}`,
          context: `dv${pad(i)}`,
          name: zeta.has(i) ? `Tra cứu Zeta ${i}` : `Dịch vụ số ${i}`,
          providerSystemId: i % 2 === 0 ? systemOf.A : systemOf.B,
          versionId: `ver_${pad(i)}`,
          status: i % 5 === 0 ? 'draft' : 'published',
          createdAt: new Date(now.getTime() + i * 1000),
        })),
        now,
      );

      // Subscriptions: a third by A's system, the rest by B's, to versions of both sides' services.
      await db
        .insertInto('subscriptions')
        .values(
          Array.from({ length: SUBSCRIPTIONS }, (_, i) => {
            const id = `sub_${pad(i)}`;
            const consumer = i % 3 === 0 ? systemOf.A : systemOf.B;
            if (consumer === systemOf.A || i % 2 === 0) visibleSubscriptions.add(id);
            return {
              id,
              system_id: consumer,
              version_id: `ver_${pad(i)}`,
              environment: 'production' as const,
              status: 'active' as const,
              quota_per_minute: null,
              quota_per_day: null,
              window_start: null,
              window_end: null,
              created_at: new Date(now.getTime() + i * 1000),
              updated_at: now,
            };
          }),
        )
        .execute();
      await db
        .insertInto('credentials')
        .values(
          Array.from({ length: CREDENTIALS }, (_, i) => {
            const id = `cred_${pad(i)}`;
            const system = i % 4 === 0 ? systemOf.A : systemOf.B;
            if (system === systemOf.A) visibleCredentials.add(id);
            return {
              id,
              system_id: system,
              environment: 'production' as const,
              consumer_key: `ck${pad(i)}${i === 77 ? 'needle' : 'plain'}`,
              secret_sha256: 'ab'.repeat(32),
              status: i % 10 === 0 ? ('revoked' as const) : ('active' as const),
              created_at: new Date(now.getTime() + i * 1000),
              revoked_at: null,
              expires_at: null,
              replaced_by: null,
            };
          }),
        )
        .execute();

      // 10,000 transaction records a minute apart: A→B, B→B, B→A in turn; every seventh one failed upstream.
      for (let i = 0; i < TRANSACTIONS; i++) {
        const [consumer, provider] = (
          [
            ['A', 'B'],
            ['B', 'B'],
            ['B', 'A'],
          ] as const
        )[i % 3]!;
        const failed = i % 7 === 0;
        records.push(
          callRecord(T0 + i * 60_000, {
            consumerSystemId: systemOf[consumer],
            consumerOrgCode: consumer === 'A' ? ORG_A : ORG_B,
            providerSystemId: systemOf[provider],
            providerOrgCode: provider === 'A' ? ORG_A : ORG_B,
            serviceId: `svc_${pad(i % SERVICES)}`,
            serviceContext: `dv${pad(i % SERVICES)}`,
            consumerStatus: failed ? 502 : 200,
            providerStatus: failed ? 500 : 200,
            errorCode: failed ? 'GW_UPSTREAM_ERROR' : null,
            messageId: i === 4321 ? 'msg_paging' : null,
          }),
        );
      }
      await insertRecords(h.store, records);

      await h.accounts.createUser(
        {
          username: 'agency-a',
          displayName: 'Cán bộ Sở Tư pháp',
          password: TEST_PASSWORD,
          role: 'agency',
          organizationId: orgA,
        },
        'test',
      );
      agencyToken = (await h.accounts.login('agency-a', TEST_PASSWORD)).token;
    });
    after(() => h.dispose());

    test('services: one page of 1,000, with the total, and the next page continues without overlap or gap', async () => {
      const first = await get('/api/v1/services?limit=50');
      assert.equal(first['items'].length, 50);
      assert.equal(first['total'], SERVICES);
      assert.equal(first['items'][0]['context'], 'dv0000');
      const second = await get('/api/v1/services?limit=50&offset=50');
      assert.equal(second['items'][0]['context'], 'dv0050');
      // Walk every page of 400 (the last one short): each service once, in order.
      const seen: string[] = [];
      for (let offset = 0; offset < SERVICES; offset += 400) {
        const page = await get(`/api/v1/services?limit=400&offset=${offset}`);
        assert.equal(page['total'], SERVICES);
        seen.push(...page['items'].map((s: Json) => s['context']));
      }
      assert.equal(seen.length, SERVICES);
      assert.equal(new Set(seen).size, SERVICES);
      assert.deepEqual(seen, [...seen].sort());
      const beyond = await get('/api/v1/services?offset=5000');
      assert.deepEqual(beyond, { items: [], total: SERVICES });
    });

    test('services: search narrows on the server, combines with filters, and sorts', async () => {
      const zeta = await get('/api/v1/services?q=zeta');
      assert.equal(zeta['total'], 3);
      assert.deepEqual(
        zeta['items'].map((s: Json) => s['id']),
        ['svc_0017', 'svc_0444', 'svc_0901'],
      );
      const zetaOfA = await get(`/api/v1/services?q=ZETA&organizationId=${orgA}`);
      assert.deepEqual(
        zetaOfA['items'].map((s: Json) => s['id']),
        ['svc_0444'],
      );
      assert.equal(zetaOfA['total'], 1);
      const ofB = await get('/api/v1/services?providerSystemId=sys_b&limit=1');
      assert.equal(ofB['total'], SERVICES / 2);
      // The search's wildcards are literal: "%" matches no name.
      assert.equal((await get('/api/v1/services?q=%25')).total, 0);
      const newest = await get('/api/v1/services?sort=-createdAt&limit=2');
      assert.deepEqual(
        newest['items'].map((s: Json) => s['id']),
        ['svc_0999', 'svc_0998'],
      );
      const byName = await get('/api/v1/services?sort=-name&limit=1&q=zeta');
      assert.equal(byName['items'][0]['id'], 'svc_0901');
    });

    test('versions, organizations and systems page and search the same way', async () => {
      const drafts = await get('/api/v1/versions?status=draft&limit=10');
      assert.equal(drafts['total'], SERVICES / 5);
      assert.equal(drafts['items'].length, 10);
      const one = await get('/api/v1/versions?q=dv0444');
      assert.equal(one['total'], 1);
      const ofService = await get('/api/v1/services/svc_0010/versions');
      assert.equal(ofService['total'], 1);
      const orgs = await get('/api/v1/organizations?q=y t');
      assert.deepEqual(
        orgs['items'].map((o: Json) => o['code']),
        [ORG_B],
      );
      assert.equal((await get('/api/v1/organizations?q=000.00.3')).total, 2);
      const systems = await get(`/api/v1/systems?q=${ORG_B}`);
      assert.deepEqual(
        systems['items'].map((s: Json) => s['id']),
        ['sys_b'],
      );
    });

    test("an agency user's pages hold only its organization's rows, and their total counts only those", async () => {
      const collect = async (path: string) => {
        const ids: string[] = [];
        let total = -1;
        for (let offset = 0; total < 0 || offset < total; offset += 40) {
          const page = await get(
            `${path}${path.includes('?') ? '&' : '?'}limit=40&offset=${offset}`,
            agencyToken,
          );
          total = page['total'];
          ids.push(...page['items'].map((x: Json) => x['id']));
        }
        return { ids, total };
      };
      const subscriptions = await collect('/api/v1/subscriptions');
      assert.equal(subscriptions.total, visibleSubscriptions.size);
      assert.deepEqual(new Set(subscriptions.ids), visibleSubscriptions);
      assert.equal(subscriptions.ids.length, visibleSubscriptions.size, 'no row twice');
      // The operator sees them all.
      assert.equal((await get('/api/v1/subscriptions?limit=1')).total, SUBSCRIPTIONS);

      const credentials = await collect('/api/v1/credentials');
      assert.equal(credentials.total, visibleCredentials.size);
      assert.deepEqual(new Set(credentials.ids), visibleCredentials);
      // Searching by consumer key does not reach past the organization: cred_0077 is B's.
      assert.equal((await get('/api/v1/credentials?q=needle', agencyToken)).total, 0);
      assert.deepEqual(
        (await get('/api/v1/credentials?q=NEEDLE')).items.map((c: Json) => c['id']),
        ['cred_0077'],
      );

      const systems = await collect('/api/v1/systems');
      assert.deepEqual(systems.ids, ['sys_a']);
      // Asking for another organization's systems gives an empty page, not a leak.
      assert.deepEqual(await get(`/api/v1/systems?organizationId=${orgB}`, agencyToken), {
        items: [],
        total: 0,
      });

      const txns = await get('/api/v1/transactions?limit=300', agencyToken);
      assert.equal(txns['items'].length, 300);
      for (const t of txns['items'] as Json[]) {
        assert.ok(
          t['consumer']['organizationCode'] === ORG_A || t['provider']['organizationCode'] === ORG_A,
          "t['consumer']['organizationCode'] === ORG_A || t['provider']['organizationCode'] === ORG_A",
        );
      }
    });

    test('subscriptions and credentials: filters and search combine; newest first by default', async () => {
      const newest = await get('/api/v1/subscriptions?limit=1');
      assert.equal(newest['items'][0]['id'], `sub_${pad(SUBSCRIPTIONS - 1)}`);
      const oldestOfA = await get('/api/v1/subscriptions?systemId=sys_a&sort=createdAt&limit=1');
      assert.equal(oldestOfA['items'][0]['id'], 'sub_0000');
      assert.equal(oldestOfA['total'], SUBSCRIPTIONS / 3);
      // Search by the service's context: dv0003 is subscribed once (sub_0003, by A's system).
      const byContext = await get('/api/v1/subscriptions?q=dv0003');
      assert.deepEqual(
        byContext['items'].map((s: Json) => s['id']),
        ['sub_0003'],
      );
      assert.equal((await get('/api/v1/subscriptions?q=dv0003&systemId=sys_b')).total, 0);
      const revokedOfA = await get('/api/v1/credentials?status=revoked&systemId=sys_a');
      // i % 10 === 0 and i % 4 === 0: every twentieth of 120.
      assert.equal(revokedOfA['total'], CREDENTIALS / 20);
    });

    test('transactions: 10,000 records read a page at a time by keyset, filters combining', async () => {
      const first = await get('/api/v1/transactions?limit=100');
      assert.equal(first['items'].length, 100);
      assert.ok(first['nextCursor'], "first['nextCursor']");
      assert.equal(first['total'], undefined, 'no count of the whole log per page');
      assert.equal(first['items'][0]['id'], records[TRANSACTIONS - 1]!.id);

      // Every failed call of A's system as consumer, walked to the end: exactly the expected rows, each once.
      const expected = records
        .filter((r) => r.consumerSystemId === 'sys_a' && r.consumerStatus >= 400)
        .map((r) => r.id)
        .reverse();
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const after: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
        const page = await get(`/api/v1/transactions?consumerSystemId=sys_a&status=error&limit=37${after}`);
        seen.push(...page['items'].map((t: Json) => t['id']));
        cursor = page['nextCursor'];
      } while (cursor);
      assert.deepEqual(seen, expected);

      const from = new Date(T0 + 1000 * 60_000).toISOString();
      const to = new Date(T0 + 2000 * 60_000).toISOString();
      const inRange = await get(
        `/api/v1/transactions?from=${from}&to=${to}&providerSystemId=sys_a&limit=500`,
      );
      assert.equal(
        inRange['items'].length,
        records.filter(
          (r) =>
            r.requestInAt >= T0 + 1000 * 60_000 &&
            r.requestInAt < T0 + 2000 * 60_000 &&
            r.providerSystemId === 'sys_a',
        ).length,
      );
      const successes = await get('/api/v1/transactions?status=success&serviceId=svc_0007&limit=500');
      assert.ok(successes['items'].length > 0, "successes['items'].length > 0");
      for (const t of successes['items'] as Json[]) {
        assert.ok(t['consumerStatus'] < 400, "t['consumerStatus'] < 400");
        assert.equal(t['service']['id'], 'svc_0007');
      }
      const target = records[1234]!;
      const byId = await get(`/api/v1/transactions?transactionId=${target.id}`);
      assert.deepEqual(
        byId['items'].map((t: Json) => t['id']),
        [target.id],
      );
      const byMessage = await get('/api/v1/transactions?messageId=msg_paging');
      assert.deepEqual(
        byMessage['items'].map((t: Json) => t['id']),
        [records[4321]!.id],
      );
    });

    test('the server reads one page from the database, never every row', async () => {
      const counter = new RowCounter();
      const store = countedStore(h.store, counter);
      const registry = new Registry(store, h.clock);

      const page = await registry.pageServices({ limit: 25, offset: 500 });
      assert.equal(page.items.length, 25);
      assert.equal(page.total, SERVICES);
      assert.equal(counter.statements, 2, 'the page and its count');
      assert.equal(counter.largest, 25, 'no statement returned more rows than the page');

      counter.reset();
      const searched = await registry.pageServices({ q: 'Zeta', limit: 50, offset: 0 });
      assert.equal(searched.total, 3);
      assert.equal(counter.largest, 3);

      counter.reset();
      const mine = await registry.pageSubscriptions({ limit: 10, offset: 0 }, orgA);
      assert.equal(mine.items.length, 10);
      assert.equal(mine.total, visibleSubscriptions.size);
      assert.equal(counter.largest, 10);

      counter.reset();
      const txns = await queryTransactions(store, { limit: 50, status: '5xx' });
      assert.equal(txns.items.length, 50);
      assert.equal(counter.statements, 1);
      assert.equal(counter.largest, 51, 'one page and one row to know there is a next');
    });

    test('a bad limit, offset, sort or search is a 400 problem, never a 5xx', async () => {
      for (const query of [
        'limit=0',
        'limit=501',
        'limit=ten',
        'offset=-1',
        'offset=1.5',
        'sort=price',
        'sort=--name',
        'sort=-',
        'q=',
        `q=${'x'.repeat(201)}`,
        'unknown=1',
      ]) {
        const res = await h.call('GET', `/api/v1/services?${query}`);
        assert.equal(res.statusCode, 400, `${query}: ${res.body}`);
        assert.equal(res.json()['code'], 'API_VALIDATION_FAILED', query);
      }
      for (const path of ['/api/v1/subscriptions?sort=name', '/api/v1/organizations?sort=context']) {
        assert.equal((await h.call('GET', path)).statusCode, 400, path);
      }
      for (const query of ['limit=1001', 'status=good', 'cursor=nope', 'transactionId=']) {
        const res = await h.call('GET', `/api/v1/transactions?${query}`);
        assert.equal(res.statusCode, 400, `${query}: ${res.body}`);
      }
      assert.equal((await h.call('GET', '/api/v1/audit-events?cursor=0')).statusCode, 400);
    });

    test('the request, alert and user lists answer a page with its total too', async () => {
      const users = await get('/api/v1/users?q=AGENCY');
      assert.deepEqual(
        users['items'].map((u: Json) => u['username']),
        ['agency-a'],
      );
      assert.equal(users['total'], 1);
      assert.equal((await get('/api/v1/users?role=operator_admin&limit=1')).total, 1);
      for (const path of ['/api/v1/connection-requests', '/api/v1/version-changes', '/api/v1/alerts']) {
        assert.deepEqual(await get(`${path}?q=nothing-matches&limit=5`), { items: [], total: 0 }, path);
      }
      const requests = await get('/api/v1/subscription-requests?limit=5');
      assert.deepEqual(requests, { items: [], total: 0, overdueCount: 0 });
      for (const path of [
        '/api/v1/users?sort=password',
        '/api/v1/alerts?limit=501',
        '/api/v1/version-changes?offset=x',
      ]) {
        assert.equal((await h.call('GET', path)).statusCode, 400, path);
      }
    });

    test('the audit trail pages by keyset, newest first, and filters by action', async () => {
      const first = await get('/api/v1/audit-events?limit=1');
      assert.equal(first['items'].length, 1);
      assert.ok(first['nextCursor'], "first['nextCursor']");
      const second = await get(`/api/v1/audit-events?limit=1&cursor=${first['nextCursor']}`);
      assert.notEqual(second['items'][0]['id'], first['items'][0]['id']);
      const creations = await get('/api/v1/audit-events?action=organization.create');
      assert.deepEqual(
        creations['items'].map((e: Json) => e['objectId']),
        [orgB, orgA],
      );
      assert.equal(creations['nextCursor'], null);
    });

    /*
     * The lists paged last (issue 11): notices (console and portal), public contact points, webhooks, connected
     * systems, an alert's history and a version's consumers. Written here, after the tests above, so the counts
     * those tests expect (two organizations, two systems) hold while they run.
     */
    describe('notices, contacts, webhooks, connected systems, alert history and version consumers', () => {
      const NOTICES = 300;
      const ORGS = 200;
      const HOOKS = 120;
      const SYSTEMS = 150;
      const EVENTS = 150;
      const CONSUMERS = 140;

      before(async () => {
        const db = h.store.db;
        const now = new Date(h.clock.nowMs());
        const kinds = [
          'deprecation',
          'decommission',
          'maintenance',
          'endpoint_change',
          'announcement',
        ] as const;
        await db
          .insertInto('notices')
          .values(
            Array.from({ length: NOTICES }, (_, i) => ({
              id: `ntc_${pad(i)}`,
              kind: kinds[i % kinds.length]!,
              title: i === 123 || i === 250 ? `Bảo trì Zeta ${i}` : `Thông báo số ${i}`,
              body: `Nội dung ${i}`,
              service_id: i % 10 === 0 ? 'svc_0010' : null,
              version_id: null,
              starts_at: null,
              ends_at: null,
              published_at: new Date(T0 + i * 3_600_000),
              created_by: 'test',
            })),
          )
          .execute();
        await db
          .insertInto('organizations')
          .values(
            Array.from({ length: ORGS }, (_, i) => ({
              id: `org_p${pad(i)}`,
              code: `999.00.${pad(i)}.H99`,
              name: `Cơ quan ${pad(i)}`,
              parent_id: null,
              contact_name: i === 77 ? 'Nguyễn Văn Zeta' : `Cán bộ ${i}`,
              contact_title: null,
              contact_unit: null,
              contact_phone: null,
              contact_email: null,
              created_at: now,
              updated_at: now,
            })),
          )
          .execute();
        await db
          .insertInto('webhook_endpoints')
          .values(
            Array.from({ length: HOOKS }, (_, i) => ({
              id: `whk_${pad(i)}`,
              organization_id: i % 3 === 0 ? orgA : orgB,
              url: `https://hook${pad(i)}.example.vn/${i === 61 ? 'zeta' : 'in'}`,
              secret: null,
              secret_sealed: null,
              events: [],
              active: true,
              created_at: new Date(now.getTime() + i * 1000),
            })),
          )
          .execute();
        await db
          .insertInto('systems')
          .values(
            Array.from({ length: SYSTEMS }, (_, i) => ({
              id: `sys_p${pad(i)}`,
              organization_id: orgB,
              name: i === 42 ? 'Hệ thống Zeta' : `Hệ thống phụ ${pad(i)}`,
              description: null,
              is_provider: false,
              is_consumer: true,
              status: 'active' as const,
              created_at: new Date(now.getTime() + (i + 10) * 1000),
              updated_at: now,
            })),
          )
          .execute();
        await db
          .insertInto('alerts')
          .values({
            id: 'alr_paging',
            kind: 'message.dead',
            key: 'paging',
            severity: 'warning',
            state: 'open',
            subject: 'Thư chết / Dead letters',
            details: JSON.stringify({}),
            opened_at: now,
            last_seen_at: now,
          } as never)
          .execute();
        await db
          .insertInto('alert_events')
          .values(
            Array.from({ length: EVENTS }, (_, i) => ({
              alert_id: 'alr_paging',
              at: new Date(now.getTime() + i * 60_000),
              state: i % 2 === 0 ? 'open' : 'escalated',
              note: i === 99 ? 'ghi chú zeta' : `lần ${i}`,
            })),
          )
          .execute();
        // 140 consumer systems call ver_0001, consumer i (i + 1) times: the busiest is the last.
        const calls: TransactionRecord[] = [];
        for (let i = 0; i < CONSUMERS; i++) {
          for (let n = 0; n <= i; n++) {
            calls.push(
              callRecord(T0 + (i * 200 + n) * 1000, {
                consumerSystemId: `sys_c${pad(i)}`,
                consumerOrgCode: i === 5 ? '888.00.05.H88' : ORG_B,
                versionId: 'ver_0001',
                serviceId: 'svc_0001',
              }),
            );
          }
        }
        await insertRecords(h.store, calls);
      });

      test('the API answers each of them one page with its total, searches and sorts on the server', async () => {
        const notices = await get('/api/v1/notices?limit=20');
        assert.equal(notices['items'].length, 20);
        assert.equal(notices['total'], NOTICES);
        assert.equal(notices['items'][0]['id'], `ntc_${pad(NOTICES - 1)}`, 'newest first');
        const next = await get('/api/v1/notices?limit=20&offset=20');
        assert.equal(next['items'][0]['id'], `ntc_${pad(NOTICES - 21)}`);
        assert.deepEqual(
          (await get('/api/v1/notices?q=zeta')).items.map((n: Json) => n['id']),
          ['ntc_0250', 'ntc_0123'],
        );
        assert.equal((await get('/api/v1/notices?kind=maintenance&limit=1')).total, NOTICES / 5);
        assert.equal((await get('/api/v1/notices?serviceId=svc_0010&limit=1')).total, NOTICES / 10);
        assert.equal((await get('/api/v1/notices?sort=publishedAt&limit=1')).items[0]['id'], 'ntc_0000');

        // The portal's, without signing in: the same page.
        const open = await h.call('GET', '/api/v1/public/notices?limit=10&q=Zeta', undefined, {
          token: null,
        });
        assert.equal(open.statusCode, 200, open.body);
        assert.equal(open.json()['total'], 2);
        const one = await h.call('GET', '/api/v1/public/notices/ntc_0123', undefined, { token: null });
        assert.equal(one.json()['title'], 'Bảo trì Zeta 123');
        const none = await h.call('GET', '/api/v1/public/notices/ntc_nothing', undefined, { token: null });
        assert.equal(none.statusCode, 404);

        const contacts = await h.call('GET', '/api/v1/public/contacts?limit=25', undefined, { token: null });
        assert.equal(contacts.json()['items'].length, 25);
        assert.equal(contacts.json()['total'], ORGS + 2);
        const zeta = await h.call('GET', '/api/v1/public/contacts?q=ZETA', undefined, { token: null });
        assert.deepEqual(
          zeta.json()['items'].map((o: Json) => o['code']),
          ['999.00.0077.H99'],
        );
        const byCode = await h.call('GET', '/api/v1/public/contacts?sort=-code&limit=1', undefined, {
          token: null,
        });
        assert.equal(byCode.json()['items'][0]['code'], '999.00.0199.H99');
        assert.deepEqual(Object.keys(byCode.json()['items'][0]).sort(), ['code', 'contact', 'name']);

        const hooks = await get('/api/v1/webhooks?limit=30');
        assert.equal(hooks['items'].length, 30);
        assert.equal(hooks['total'], HOOKS);
        assert.equal(hooks['items'][0]['id'], 'whk_0000', 'oldest first');
        assert.equal((await get('/api/v1/webhooks?q=zeta')).items[0]['id'], 'whk_0061');
        // An agency's page and total hold only its organization's endpoints.
        const ours = await get('/api/v1/webhooks?limit=500', agencyToken);
        assert.equal(ours['total'], HOOKS / 3);
        assert.ok(
          ours['items'].every((w: Json) => w['organizationId'] === orgA),
          "ours['items'].every((w: Json) => w['organizationId'] === orgA)",
        );
        assert.deepEqual(await get(`/api/v1/webhooks?organizationId=${orgB}`, agencyToken), {
          items: [],
          total: 0,
        });
        assert.equal((await get('/api/v1/webhooks?q=zeta', agencyToken)).total, 0, 'whk_0061 is B’s');

        const connected = await get('/api/v1/connected-systems?limit=20');
        assert.equal(connected['items'].length, 20);
        assert.equal(connected['total'], SYSTEMS + 2);
        assert.deepEqual(
          (await get('/api/v1/connected-systems?q=zeta')).items.map((c: Json) => c['systemId']),
          ['sys_p0042'],
        );
        assert.equal((await get('/api/v1/connected-systems?limit=1', agencyToken)).total, 1);
        const never = await get('/api/v1/connected-systems?state=never&limit=10&offset=10');
        assert.equal(never['items'].length, 10);
        assert.equal(never['total'], SYSTEMS, 'the new systems never connected; sys_a and sys_b did');

        const history = await get('/api/v1/alerts/alr_paging/events?limit=40');
        assert.equal(history['items'].length, 40);
        assert.equal(history['total'], EVENTS);
        assert.equal(history['items'][0]['note'], 'lần 0', 'oldest first');
        assert.equal((await get('/api/v1/alerts/alr_paging/events?q=zeta')).total, 1);
        assert.equal(
          (await get('/api/v1/alerts/alr_paging/events?sort=-at&limit=1')).items[0]['note'],
          'lần 149',
        );

        const consumers = await get('/api/v1/versions/ver_0001/consumers?limit=25');
        assert.equal(consumers['items'].length, 25);
        assert.equal(consumers['total'], CONSUMERS);
        assert.equal(consumers['items'][0]['systemId'], `sys_c${pad(CONSUMERS - 1)}`, 'busiest first');
        assert.equal(consumers['items'][0]['calls'], CONSUMERS);
        const quiet = await get('/api/v1/versions/ver_0001/consumers?sort=calls&limit=2&offset=1');
        assert.deepEqual(
          quiet['items'].map((c: Json) => c['calls']),
          [2, 3],
        );
        assert.deepEqual(
          (await get('/api/v1/versions/ver_0001/consumers?q=888.00')).items.map((c: Json) => c['systemId']),
          ['sys_c0005'],
        );

        for (const path of [
          '/api/v1/notices?limit=501',
          '/api/v1/notices?sort=title',
          '/api/v1/public/notices?q=',
          '/api/v1/public/contacts?offset=-1',
          '/api/v1/webhooks?sort=secret',
          '/api/v1/connected-systems?state=sleepy',
          '/api/v1/alerts/alr_paging/events?limit=0',
          '/api/v1/versions/ver_0001/consumers?sort=name',
        ]) {
          const res = await h.call('GET', path);
          assert.equal(res.statusCode, 400, `${path}: ${res.body}`);
          assert.equal(res.json()['code'], 'API_VALIDATION_FAILED', path);
        }
      });

      test('the CLI pages them too and says how to get the next page', async () => {
        await h.app.listen({ port: 0, host: '127.0.0.1' });
        const url = `http://127.0.0.1:${(h.app.server.address() as { port: number }).port}`;
        const home = mkdtempSync(join(tmpdir(), 'lgsp-paging-'));
        try {
          const lgsp = (...args: string[]) => runCli(args, adminEnv(url, h.token, home));
          const notices = await lgsp('notice', 'list', '--limit', '5', '--search', 'zeta');
          assert.equal(notices.code, 0, notices.err);
          assert.match(notices.out, /Bảo trì Zeta 250/);
          assert.match(notices.out, /Hiển thị \/ Showing 1–2 \/ 2\n/);
          const hooks = await lgsp('webhook', 'list', '--limit', '10', '--offset', '10');
          assert.equal(hooks.code, 0, hooks.err);
          assert.match(hooks.out, /Showing 11–20 \/ 120 — trang sau \/ next page: --offset 20/);
          const consumers = await lgsp('version', 'consumers', 'ver_0001', '--limit', '3');
          assert.equal(consumers.code, 0, consumers.err);
          assert.match(consumers.out, /sys_c0139/);
          assert.match(consumers.out, /Showing 1–3 \/ 140 — trang sau \/ next page: --offset 3/);
        } finally {
          rmSync(home, { recursive: true, force: true });
        }
      });

      test('the server reads one page of each from the database, never every row', async () => {
        const counter = new RowCounter();
        const store = countedStore(h.store, counter);
        const registry = new Registry(store, h.clock);
        const lifecycle = new Lifecycle(store, registry, h.clock, {
          timezoneOffsetMinutes: 420,
          maintenanceMinNoticeHours: 0,
        });
        const alerts = new Alerts(store, h.clock, loadConfig({ env: {} }).alerts, silentLogger());

        const notices = await lifecycle.pageNotices({ limit: 20, offset: 100 });
        assert.equal(notices.items.length, 20);
        assert.equal(notices.total, NOTICES);
        assert.equal(counter.statements, 2, 'the page and its count');
        assert.equal(counter.largest, 20);

        counter.reset();
        const contacts = await pagePublicContacts(store.db, { limit: 25, offset: 50 });
        assert.equal(contacts.items.length, 25);
        assert.equal(contacts.total, ORGS + 2);
        assert.equal(counter.largest, 25);

        counter.reset();
        const hooks = await pageWebhookEndpoints(store, { organizationId: orgB, limit: 10, offset: 0 });
        assert.equal(hooks.items.length, 10);
        assert.equal(hooks.total, HOOKS - HOOKS / 3);
        assert.equal(counter.largest, 10);

        counter.reset();
        const connected = await pageConnectedSystems(
          store,
          registry,
          { limit: 20, offset: 40 },
          h.clock.nowMs(),
        );
        assert.equal(connected.items.length, 20);
        assert.equal(connected.total, SYSTEMS + 2);
        assert.equal(counter.largest, 20, 'the systems of one page, and one row of facts for each');

        counter.reset();
        const history = await alerts.pageHistory('alr_paging', { limit: 40, offset: 80 });
        assert.equal(history.items.length, 40);
        assert.equal(history.total, EVENTS);
        assert.equal(counter.largest, 40);

        counter.reset();
        const consumers = await lifecycle.pageConsumersOfVersion('ver_0001', { limit: 25, offset: 0 });
        assert.equal(consumers.items.length, 25);
        assert.equal(consumers.total, CONSUMERS);
        assert.ok(counter.largest <= 25, `largest ${counter.largest}: one page of groups, not every group`);
      });
    });

    /*
     * Federation (issue 12): the peers, the services imported from one, its grants and the federated ledger page
     * on the server like every list; the ledger's whole period is the export another platform reconciles with.
     */
    describe('peers, imports, grants and the federated ledger', () => {
      const PEERS = 120;
      const IMPORTS = 80;
      const GRANTS = 70;
      const LEDGER = 3000;
      const KINDS = ['openlgsp', 'ndxp', 'wso2', 'other'] as const;
      const T1 = Date.parse('2025-04-01T00:00:00Z');
      const period = `from=${new Date(T1).toISOString()}&to=${new Date(T1 + LEDGER * 60_000).toISOString()}`;

      before(async () => {
        const db = h.store.db;
        const now = new Date(h.clock.nowMs());
        const fed = (i: number) => `fed${pad(i)}`;
        await db
          .insertInto('organizations')
          .values(
            Array.from({ length: PEERS }, (_, i) => ({
              id: `org_${fed(i)}`,
              code: `p${pad(i)}`,
              name: `Nền tảng ${pad(i)}`,
              created_at: now,
              updated_at: now,
            })),
          )
          .execute();
        await db
          .insertInto('systems')
          .values(
            Array.from({ length: PEERS }, (_, i) => ({
              id: `sys_${fed(i)}`,
              organization_id: `org_${fed(i)}`,
              name: `Nền tảng ${pad(i)} (nền tảng / platform)`,
              description: null,
              is_provider: true,
              is_consumer: true,
              status: 'active' as const,
              kind: 'platform' as const,
              created_at: now,
              updated_at: now,
            })),
          )
          .execute();
        await db
          .insertInto('peers')
          .values(
            Array.from({ length: PEERS }, (_, i) => ({
              id: `peer_${pad(i)}`,
              code: `p${pad(i)}`,
              name: i === 33 ? 'LGSP Đồng Tháp Zeta' : `Nền tảng ${pad(i)}`,
              kind: KINDS[i % KINDS.length]!,
              system_id: `sys_${fed(i)}`,
              gateway_url: `https://lgsp${pad(i)}.example.vn`,
              token_url: `https://lgsp${pad(i)}.example.vn/token`,
              jwks_url: `https://lgsp${pad(i)}.example.vn/.well-known/jwks.json`,
              catalogue_url: null,
              client_id: null,
              client_secret_sealed: null,
              client_cert_pem: null,
              client_key_sealed: null,
              status: i % 3 === 0 ? ('suspended' as const) : ('active' as const),
              created_at: new Date(now.getTime() + i * 1000),
              updated_at: now,
            })),
          )
          .execute();
        // peer_0000's imports: the seeded versions ver_0500…ver_0579, one of them from a remote "zeta" context.
        await db
          .insertInto('imported_versions')
          .values(
            Array.from({ length: IMPORTS }, (_, i) => ({
              version_id: `ver_${pad(500 + i)}`,
              peer_id: 'peer_0000',
              remote_context: i === 7 ? 'hotich-zeta' : `remote${pad(i)}`,
              remote_version: '1.0',
              created_at: new Date(now.getTime() + i * 1000),
            })),
          )
          .execute();
        // peer_0000's platform system subscribes to ver_0600…: every tenth limited to two represented organizations.
        await db
          .insertInto('subscriptions')
          .values(
            Array.from({ length: GRANTS }, (_, i) => ({
              id: `sub_${fed(i)}`,
              system_id: 'sys_fed0000',
              version_id: `ver_${pad(600 + i)}`,
              environment: 'production' as const,
              status: 'active' as const,
              quota_per_minute: null,
              quota_per_day: null,
              window_start: null,
              window_end: null,
              represented_orgs: i % 10 === 0 ? JSON.stringify([ORG_A, ORG_B]) : null,
              created_at: new Date(now.getTime() + i * 1000),
              updated_at: now,
            })),
          )
          .execute();
        // 3,000 federated records a minute apart: inbound from peer_0001 (even), outbound to peer_0002 (odd).
        const federated = Array.from({ length: LEDGER }, (_, i) =>
          callRecord(T1 + i * 60_000, {
            endToEndId: i === 1234 ? 'e2e-zeta-1234' : `e2e-${pad(i)}`,
            peerId: i % 2 === 0 ? 'peer_0001' : 'peer_0002',
            representedOrgCode: i % 5 === 0 ? ORG_B : ORG_A,
            consumerStatus: i % 11 === 0 ? 502 : 200,
            federation: {
              direction: i % 2 === 0 ? 'inbound' : 'outbound',
              traceId: null,
              hops: [],
              signatures: i % 2 === 0 ? 'verified' : 'signed',
              requestHash: null,
            },
          }),
        );
        await insertRecords(h.store, federated);
      });

      test('the API answers peers, imports, grants and the ledger a page at a time, searched and sorted on the server', async () => {
        const peers = await get('/api/v1/peers?limit=25');
        assert.equal(peers['items'].length, 25);
        assert.equal(peers['total'], PEERS);
        assert.equal(peers['items'][0]['code'], 'p0000', 'by code by default');
        const next = await get('/api/v1/peers?limit=25&offset=25');
        assert.equal(next['items'][0]['code'], 'p0025', 'the next page continues without overlap or gap');
        assert.deepEqual(
          (await get('/api/v1/peers?q=dong thap')).items.map((p: Json) => p['id']),
          ['peer_0033'],
          'accents and case ignored',
        );
        assert.equal((await get('/api/v1/peers?q=lgsp0042.example')).total, 1, 'the gateway URL is searched');
        assert.equal((await get('/api/v1/peers?status=suspended&limit=1')).total, PEERS / 3);
        assert.equal((await get('/api/v1/peers?kind=ndxp&status=active&limit=1')).total, 20);
        assert.equal((await get('/api/v1/peers?sort=-createdAt&limit=1')).items[0]['id'], 'peer_0119');
        assert.equal(
          (await get('/api/v1/peers?sort=name&limit=1')).items[0]['id'],
          'peer_0033',
          'L before N',
        );

        const imports = await get('/api/v1/peers/peer_0000/imports?limit=30');
        assert.equal(imports['items'].length, 30);
        assert.equal(imports['total'], IMPORTS);
        assert.equal(imports['items'][0]['versionId'], 'ver_0500', 'oldest first');
        assert.deepEqual(
          (await get('/api/v1/peers/peer_0000/imports?q=ZETA')).items.map((i: Json) => i['context']),
          ['dv0507'],
          'the remote context is searched',
        );
        assert.equal((await get('/api/v1/peers/peer_0000/imports?q=dv0579')).total, 1);
        assert.equal(
          (await get('/api/v1/peers/peer_0000/imports?sort=-context&limit=1')).items[0]['context'],
          'dv0579',
        );
        assert.deepEqual(await get('/api/v1/peers/peer_0005/imports'), { items: [], total: 0 });

        const grants = await get('/api/v1/peers/peer_0000/grants?limit=20&offset=20');
        assert.equal(grants['items'].length, 20);
        assert.equal(grants['total'], GRANTS);
        assert.equal(grants['items'][0]['subscriptionId'], 'sub_fed0020');
        assert.deepEqual(grants['items'][0]['representedOrganizations'], [ORG_A, ORG_B]);
        assert.equal(grants['items'][1]['representedOrganizations'], null, 'null: every organization');
        assert.equal((await get('/api/v1/peers/peer_0000/grants?q=dv0655')).total, 1);

        const ledger = await get(`/api/v1/federation/ledger?${period}&limit=100`);
        assert.equal(ledger['items'].length, 100);
        assert.equal(ledger['total'], LEDGER);
        assert.equal(ledger['items'][0]['endToEndId'], `e2e-${pad(LEDGER - 1)}`, 'newest first');
        const oldest = await get(`/api/v1/federation/ledger?${period}&sort=time&limit=2&offset=2`);
        assert.deepEqual(
          oldest['items'].map((e: Json) => e['endToEndId']),
          ['e2e-0002', 'e2e-0003'],
        );
        const inbound = await get(`/api/v1/federation/ledger?${period}&direction=inbound&limit=5`);
        assert.equal(inbound['total'], LEDGER / 2);
        assert.ok(
          inbound['items'].every((e: Json) => e['direction'] === 'inbound' && e['peerCode'] === 'p0001'),
          'inbound entries only, from p0001',
        );
        assert.equal(
          (await get(`/api/v1/federation/ledger?${period}&peerId=peer_0002&direction=outbound&limit=1`))
            .total,
          LEDGER / 2,
        );
        assert.deepEqual(
          (await get(`/api/v1/federation/ledger?${period}&q=ZETA`)).items.map((e: Json) => e['endToEndId']),
          ['e2e-zeta-1234'],
        );
        assert.equal((await get(`/api/v1/federation/ledger?${period}&q=p0002&limit=1`)).total, LEDGER / 2);
        assert.equal(
          (await get(`/api/v1/federation/ledger?${period}&sort=-status&limit=1`)).items[0]['status'],
          502,
        );

        // The whole period, as the file the other platform uploads: every entry, oldest first, named by platform.
        const res = await h.call('GET', `/api/v1/federation/ledger/export?${period}`);
        assert.equal(res.statusCode, 200, res.body);
        assert.match(
          String(res.headers['content-disposition']),
          /attachment; filename="so-lien-thong-.+\.json"/,
        );
        const file = res.json();
        assert.equal(file['items'].length, LEDGER);
        assert.equal(file['items'][0]['endToEndId'], 'e2e-0000');
        assert.equal(typeof file['platform'], 'string');
        // …and reconciling that file against ourselves matches every entry.
        const self = await h.call('POST', '/api/v1/federation/reconciliations', {
          from: file['from'],
          to: file['to'],
          entries: file['items'],
        });
        assert.equal(self.statusCode, 200, self.body);
        assert.equal(self.json()['matched'], LEDGER);

        for (const path of [
          '/api/v1/peers?limit=501',
          '/api/v1/peers?sort=gatewayUrl',
          '/api/v1/peers?status=gone',
          '/api/v1/peers?kind=x-road',
          '/api/v1/peers/peer_0000/imports?sort=remoteContext',
          '/api/v1/peers/peer_0000/grants?offset=-1',
          `/api/v1/federation/ledger?${period}&limit=0`,
          `/api/v1/federation/ledger?${period}&direction=sideways`,
          `/api/v1/federation/ledger?${period}&sort=peerCode`,
          '/api/v1/federation/ledger?limit=10',
          '/api/v1/federation/ledger/export?from=2025-04-01T00:00:00Z',
          `/api/v1/federation/ledger/export?${period}&limit=10`,
        ]) {
          const bad = await h.call('GET', path);
          assert.equal(bad.statusCode, 400, `${path}: ${bad.body}`);
          assert.equal(bad.json()['code'], 'API_VALIDATION_FAILED', path);
        }
        for (const path of [
          '/api/v1/federation/ledger?from=2025-04-02T00:00:00Z&to=2025-04-01T00:00:00Z',
          '/api/v1/federation/ledger/export?from=2025-04-02T00:00:00Z&to=2025-04-02T00:00:00Z',
        ]) {
          const bad = await h.call('GET', path);
          assert.equal(bad.statusCode, 400, `${path}: ${bad.body}`);
          assert.equal(bad.json()['code'], 'RP_RECONCILIATION_PERIOD_INVALID', path);
        }
      });

      test('the CLI pages peers and the ledger, and exports the whole ledger as the file reconcile reads', async () => {
        if (!h.app.server.listening) await h.app.listen({ port: 0, host: '127.0.0.1' });
        const url = `http://127.0.0.1:${(h.app.server.address() as { port: number }).port}`;
        const home = mkdtempSync(join(tmpdir(), 'lgsp-paging-'));
        try {
          const lgsp = (...args: string[]) => runCli(args, adminEnv(url, h.token, home));
          const peers = await lgsp('peers', 'list', '--limit', '10', '--status', 'suspended');
          assert.equal(peers.code, 0, peers.err);
          assert.match(peers.out, /p0027/);
          assert.match(peers.out, /Showing 1–10 \/ 40 — trang sau \/ next page: --offset 10/);
          const found = await lgsp('peers', 'list', '--search', 'zeta');
          assert.match(found.out, /LGSP Đồng Tháp Zeta/);
          assert.match(found.out, /Hiển thị \/ Showing 1–1 \/ 1\n/);
          const [from, to] = period.split('&').map((kv) => kv.split('=')[1]!);
          const ledger = await lgsp(
            'peers',
            'ledger',
            '--from',
            from!,
            '--to',
            to!,
            '--limit',
            '3',
            '--offset',
            '3',
          );
          assert.equal(ledger.code, 0, ledger.err);
          assert.match(ledger.out, /Showing 4–6 \/ 3\.000 — trang sau \/ next page: --offset 6/);
          const imports = await lgsp('peers', 'imports', 'peer_0000', '--search', 'zeta');
          assert.match(imports.out, /\/hotich-zeta\/1\.0/);
          const grants = await lgsp('peers', 'grants', 'peer_0000', '--limit', '1');
          assert.match(grants.out, /000\.00\.31\.H01, 000\.00\.32\.H01/);
          const exported = await lgsp('peers', 'export-ledger', '--from', from!, '--to', to!);
          assert.equal(exported.code, 0, exported.err);
          assert.equal(JSON.parse(exported.out).items.length, LEDGER, 'the whole period, not one page');
          // …which is the file `reconcile` reads: against ourselves, every entry matches.
          const file = join(home, 'so-lien-thong.json');
          writeFileSync(file, exported.out);
          const reconciled = await lgsp('peers', 'reconcile', '--from', from!, '--to', to!, '--file', file);
          assert.equal(reconciled.code, 0, reconciled.err);
          assert.match(reconciled.out, new RegExp(`Khớp / Matched: ${LEDGER}\n`));
        } finally {
          rmSync(home, { recursive: true, force: true });
        }
      });

      test('the server reads one page of peers, imports, grants and ledger from the database, never every row', async () => {
        const counter = new RowCounter();
        const store = countedStore(h.store, counter);
        const registry = new Registry(store, h.clock);
        const peers = new Peers(store, registry.changes, TEST_KEK, new EgressPolicy({ allow: [] }));

        const page = await peers.page({ limit: 25, offset: 50 });
        assert.equal(page.items.length, 25);
        assert.equal(page.total, PEERS);
        assert.equal(counter.statements, 2, 'the page and its count');
        assert.equal(counter.largest, 25);

        counter.reset();
        const imports = await peers.pageImports('peer_0000', { limit: 10, offset: 10 });
        assert.equal(imports.items.length, 10);
        assert.equal(imports.total, IMPORTS);
        assert.equal(counter.largest, 10);

        counter.reset();
        const grants = await peers.pageGrants('peer_0000', { limit: 10, offset: 0 });
        assert.equal(grants.total, GRANTS);
        assert.equal(counter.largest, 10);

        counter.reset();
        const [from, to] = [new Date(T1).toISOString(), new Date(T1 + LEDGER * 60_000).toISOString()];
        const ledger = await pageFederationLedger(store, { from, to, limit: 50, offset: 1000 });
        assert.equal(ledger.items.length, 50);
        assert.equal(ledger.total, LEDGER);
        assert.equal(counter.statements, 2);
        assert.equal(counter.largest, 50);

        // The export is the one read of the whole period, by design: the file the other side reconciles with.
        counter.reset();
        const file = await exportFederationLedger(store, 'lgsp', from, to);
        assert.equal(file.items.length, LEDGER);
      });
    });
  });
}
