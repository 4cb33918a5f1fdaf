import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Role } from '../src/api/contract/index.ts';
import { registeredRoutes } from '../src/api/server.ts';
import { ConnectionRequests } from '../src/control/connection-requests/index.ts';
import { createWebhookEndpoint } from '../src/control/webhooks.ts';
import { newId } from '../src/core/ids.ts';
import type { TransactionRecord } from '../src/telemetry/record.ts';
import { insertTransactions } from '../src/telemetry/record-copy.ts';
import { type AdminHarness, openAdminHarness, withoutRequestId } from './helpers/admin-api.ts';
import { adminEnv, runCli } from './helpers/cli.ts';
import { TEST_KEK } from './helpers/keys.ts';
import { callRecord } from './helpers/records.ts';
import { storeKinds } from './helpers/stores.ts';

// biome-ignore lint/suspicious/noExplicitAny: JSON bodies read in assertions
type Json = Record<string, any>;

/**
 * Issue 3, "People and roles": every admin-API route checks the role and the organization.
 *
 * ROUTES below has ONE ROW PER ROUTE registered under /api/v1 (except the public ones). A route without a row
 * fails the coverage test: whoever adds a route adds its row here, saying who may call it and proving that an
 * agency user cannot touch another organization's objects.
 */

const PASSWORD = 'roles-test-password';
/** Where the fixture's versions forward to, and what another agency reads instead. */
const INTERNAL = 'http://127.0.0.1:9/noi-bo';
const NO_ADDRESS = { sandbox: null, production: null };
const A_CODE = '000.00.31.H01';
const B_CODE = '000.00.12.H01';
const OTHER_CODE = '000.00.99.H01';

/** Who acts: the operator's administrator, a reviewer, an auditor, and agency A's user (two sessions of it). */
type Who = 'admin' | 'reviewer' | 'auditor' | 'agencyA' | 'agencyASpare';

interface Fixture {
  orgA: string;
  orgB: string;
  sysA: string;
  sysB: string;
  svcA: string;
  svcB: string;
  /** A service of B with a draft version only: not in the catalogue, so not known to A. */
  svcBDraft: string;
  verBDraft: string;
  verA: string;
  verB: string;
  /** A's system consumes B's service; B's system consumes A's service; B's system consumes B's service. */
  subAB: string;
  subBA: string;
  subBB: string;
  credA: string;
  credA2: string;
  credB: string;
  /** A connection request of organization B. */
  reqB: string;
  /** A subscription request of organization B's system, to A's (draft) version, waiting. */
  subReqB: string;
  /** A proposed change (issue 10) of organization B's version, waiting. */
  changeB: string;
  /** A webhook endpoint of organization B. */
  hookB: string;
  /** Transaction records: A's system calling B's, and B's calling itself (A is no party). */
  txnAB: string;
  txnBB: string;
}

/** A peer id that exists nowhere, and a ledger period (federation rows). */
const NO_PEER = 'peer_0000000000000000000000000';
const LEDGER_PERIOD = 'from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z';

interface Case {
  as: Who;
  path: string;
  body?: unknown;
  status: number;
  /** The problem code of a refusal; API_FORBIDDEN by default for 403. */
  code?: string;
  check?: (body: Json) => void;
}

interface Row {
  /** `METHOD /api/v1/path/:id`, as Fastify registered it. */
  route: string;
  cases: (f: Fixture) => Case[];
}

/**
 * Agency A naming an object of B whose existence is not public (a system, credential, subscription, request,
 * change, webhook endpoint): answered exactly as an unknown id, so a refusal does not tell that it exists.
 */
const HIDDEN = (code: string) => ({ status: 404, code });

const ids = (body: Json) => (body['items'] as Json[]).map((x) => x['id'] as string).sort();
const sorted = (...xs: string[]) => [...xs].sort();

const ROUTES: Row[] = [
  // ── Session ──────────────────────────────────────────────────────────────────────────────────────────────
  {
    route: 'POST /api/v1/auth/logout',
    cases: () => [{ as: 'agencyASpare', path: '/api/v1/auth/logout', status: 204 }],
  },
  {
    route: 'DELETE /api/v1/auth/session',
    cases: () => [{ as: 'agencyA', path: '/api/v1/auth/session', status: 401, code: 'API_UNAUTHORIZED' }],
  },
  {
    // Any signed-in person changes their own password (the effect: test/password.test.ts); a too-short new one is
    // refused before the current one is checked, so this row counts no failure.
    route: 'POST /api/v1/auth/password',
    cases: () => [
      {
        as: 'agencyA',
        path: '/api/v1/auth/password',
        body: { currentPassword: PASSWORD, newPassword: 'short' },
        status: 400,
        code: 'API_VALIDATION_FAILED',
      },
      {
        as: 'auditor',
        path: '/api/v1/auth/password',
        body: { currentPassword: PASSWORD, newPassword: 'short' },
        status: 400,
        code: 'API_VALIDATION_FAILED',
      },
    ],
  },
  {
    route: 'GET /api/v1/me',
    cases: (f) => [
      {
        as: 'agencyA',
        path: '/api/v1/me',
        status: 200,
        check: (b) => {
          assert.equal(b['role'], 'agency');
          assert.equal(b['organizationId'], f.orgA);
        },
      },
    ],
  },
  // ── Token signing keys: rotation is the operator administrator's (issue 10 item 4) ───────────────────────────
  {
    route: 'POST /api/v1/signing-keys/rotate',
    cases: () => [
      { as: 'agencyA', path: '/api/v1/signing-keys/rotate', body: {}, status: 403 },
      { as: 'reviewer', path: '/api/v1/signing-keys/rotate', body: {}, status: 403 },
      { as: 'auditor', path: '/api/v1/signing-keys/rotate', body: {}, status: 403 },
      {
        as: 'admin',
        path: '/api/v1/signing-keys/rotate',
        body: {},
        status: 200,
        check: (b) => {
          assert.match(b['kid'] as string, /^k/);
          assert.ok(
            JSON.stringify(b).includes(b['kid'] as string),
            "JSON.stringify(b).includes(b['kid'] as string)",
          );
          assert.equal(JSON.stringify(b).includes('"d"'), false, 'never a private key');
        },
      },
    ],
  },
  {
    route: 'GET /api/v1/backup/status',
    cases: () => [
      { as: 'agencyA', path: '/api/v1/backup/status', status: 403 },
      { as: 'auditor', path: '/api/v1/backup/status', status: 200 },
      { as: 'reviewer', path: '/api/v1/backup/status', status: 200 },
    ],
  },
  // ── Organizations: contact points are public ───────────────────────────────────────────────────────
  {
    route: 'GET /api/v1/organizations',
    cases: (f) => [
      {
        as: 'agencyA',
        path: '/api/v1/organizations',
        status: 200,
        check: (b) =>
          assert.ok(
            [f.orgA, f.orgB].every((id) => ids(b).includes(id)),
            '[f.orgA, f.orgB].every((id) => ids(b).includes(id))',
          ),
      },
      { as: 'auditor', path: '/api/v1/organizations', status: 200 },
    ],
  },
  {
    route: 'POST /api/v1/organizations',
    cases: () => [
      {
        as: 'agencyA',
        path: '/api/v1/organizations',
        body: { code: '000.00.40.H01', name: 'X' },
        status: 403,
      },
      {
        as: 'reviewer',
        path: '/api/v1/organizations',
        body: { code: '000.00.40.H01', name: 'X' },
        status: 403,
      },
      {
        as: 'admin',
        path: '/api/v1/organizations',
        body: { code: '000.00.40.H01', name: 'X', contact: { name: 'A', email: 'a@angiang.gov.vn' } },
        status: 201,
      },
    ],
  },
  {
    route: 'GET /api/v1/organizations/:id',
    cases: (f) => [
      {
        as: 'agencyA',
        path: `/api/v1/organizations/${f.orgB}`,
        status: 200,
        check: (b) => assert.equal(b['contact']['name'], 'Trần Thị Bình'),
      },
    ],
  },
  {
    route: 'PATCH /api/v1/organizations/:id',
    cases: (f) => [
      { as: 'agencyA', path: `/api/v1/organizations/${f.orgB}`, body: { name: 'Đổi tên' }, status: 403 },
      { as: 'agencyA', path: `/api/v1/organizations/${f.orgA}`, body: { parentId: f.orgB }, status: 403 },
      { as: 'reviewer', path: `/api/v1/organizations/${f.orgA}`, body: { name: 'Đổi tên' }, status: 403 },
      {
        as: 'agencyA',
        path: `/api/v1/organizations/${f.orgA}`,
        body: {
          name: 'Sở Tư pháp tỉnh An Giang',
          contact: { name: 'Lê Văn Cường', phone: '0296 3999 999', email: 'stp@angiang.gov.vn' },
        },
        status: 200,
        check: (b) => {
          assert.equal(b['name'], 'Sở Tư pháp tỉnh An Giang');
          assert.equal(b['contact']['phone'], '0296 3999 999');
        },
      },
    ],
  },
  // ── Systems: agency sees and renames only its own; the operator registers, suspends, activates ────────────
  {
    route: 'GET /api/v1/systems',
    cases: (f) => [
      {
        as: 'agencyA',
        path: '/api/v1/systems',
        status: 200,
        check: (b) => assert.deepEqual(ids(b), [f.sysA]),
      },
      {
        as: 'agencyA',
        path: `/api/v1/systems?organizationId=${f.orgB}`,
        status: 200,
        check: (b) => assert.deepEqual(ids(b), []),
      },
      {
        as: 'auditor',
        path: '/api/v1/systems',
        status: 200,
        check: (b) => assert.deepEqual(ids(b), sorted(f.sysA, f.sysB)),
      },
    ],
  },
  {
    route: 'POST /api/v1/systems',
    cases: (f) => [
      {
        as: 'agencyA',
        path: '/api/v1/systems',
        body: { organizationId: f.orgA, name: 'Mới', isConsumer: true },
        status: 403,
      },
      {
        as: 'reviewer',
        path: '/api/v1/systems',
        body: { organizationId: f.orgA, name: 'Mới', isConsumer: true },
        status: 403,
      },
    ],
  },
  {
    route: 'GET /api/v1/systems/:id',
    cases: (f) => [
      { as: 'agencyA', path: `/api/v1/systems/${f.sysB}`, ...HIDDEN('CP_SYSTEM_NOT_FOUND') },
      { as: 'agencyA', path: `/api/v1/systems/${f.sysA}`, status: 200 },
      { as: 'auditor', path: `/api/v1/systems/${f.sysB}`, status: 200 },
      { as: 'agencyA', path: '/api/v1/systems/sys_nope', status: 404, code: 'CP_SYSTEM_NOT_FOUND' },
    ],
  },
  {
    route: 'PATCH /api/v1/systems/:id',
    cases: (f) => [
      {
        as: 'agencyA',
        path: `/api/v1/systems/${f.sysB}`,
        body: { name: 'Đổi tên' },
        ...HIDDEN('CP_SYSTEM_NOT_FOUND'),
      },
      {
        as: 'agencyA',
        path: `/api/v1/systems/${f.sysB}`,
        body: { status: 'suspended' },
        ...HIDDEN('CP_SYSTEM_NOT_FOUND'),
      },
      { as: 'agencyA', path: `/api/v1/systems/${f.sysA}`, body: { status: 'suspended' }, status: 403 },
      { as: 'agencyA', path: `/api/v1/systems/${f.sysA}`, body: { isProvider: false }, status: 403 },
      { as: 'reviewer', path: `/api/v1/systems/${f.sysA}`, body: { name: 'Đổi tên' }, status: 403 },
      {
        as: 'agencyA',
        path: `/api/v1/systems/${f.sysA}`,
        body: { name: 'Hệ thống Hộ tịch', description: 'Đổi mô tả' },
        status: 200,
        check: (b) => {
          assert.equal(b['name'], 'Hệ thống Hộ tịch');
          assert.equal(b['status'], 'active');
        },
      },
    ],
  },
  // ── Connected systems: agency sees only its own organization's systems ─────────────────────────────
  {
    route: 'GET /api/v1/connected-systems',
    cases: (f) => [
      {
        as: 'agencyA',
        path: '/api/v1/connected-systems',
        status: 200,
        check: (b) =>
          assert.deepEqual(
            (b['items'] as Json[]).map((x) => x['systemId']),
            [f.sysA],
          ),
      },
      {
        as: 'agencyA',
        path: `/api/v1/connected-systems?organizationId=${f.orgB}`,
        status: 200,
        check: (b) => assert.deepEqual(b['items'], []),
      },
      {
        as: 'auditor',
        path: '/api/v1/connected-systems?state=active',
        status: 200,
        check: (b) =>
          assert.deepEqual((b['items'] as Json[]).map((x) => x['systemId']).sort(), sorted(f.sysA, f.sysB)),
      },
    ],
  },
  {
    route: 'GET /api/v1/systems/:id/connection',
    cases: (f) => [
      { as: 'agencyA', path: `/api/v1/systems/${f.sysB}/connection`, ...HIDDEN('CP_SYSTEM_NOT_FOUND') },
      {
        as: 'agencyA',
        path: `/api/v1/systems/${f.sysA}/connection?days=7`,
        status: 200,
        check: (b) => {
          assert.equal(b['state'], 'active');
          assert.equal(b['history']['items'].length, 7);
        },
      },
      { as: 'auditor', path: `/api/v1/systems/${f.sysB}/connection`, status: 200 },
      {
        as: 'agencyA',
        path: '/api/v1/systems/sys_nope/connection',
        status: 404,
        code: 'CP_SYSTEM_NOT_FOUND',
      },
    ],
  },
  // ── Services: a published catalogue; the provider agency describes its own ───────────────────────────────
  {
    route: 'GET /api/v1/services',
    cases: (f) => [
      {
        as: 'agencyA',
        path: '/api/v1/services',
        status: 200,
        check: (b) => {
          assert.ok(ids(b).includes(f.svcB), 'ids(b).includes(f.svcB)');
          assert.ok(ids(b).includes(f.svcA), 'its own service, though only a draft');
          assert.ok(
            !ids(b).includes(f.svcBDraft),
            "another agency's service not in the catalogue is not listed",
          );
        },
      },
      {
        as: 'auditor',
        path: '/api/v1/services',
        status: 200,
        check: (b) => assert.ok(ids(b).includes(f.svcBDraft), 'the operator side sees every service'),
      },
    ],
  },
  {
    route: 'POST /api/v1/services',
    cases: (f) => [
      {
        as: 'agencyA',
        path: '/api/v1/services',
        body: { context: 'a-tren-b', name: 'X', providerSystemId: f.sysB },
        ...HIDDEN('CP_SYSTEM_NOT_FOUND'),
      },
      {
        as: 'reviewer',
        path: '/api/v1/services',
        body: { context: 'a-moi', name: 'X', providerSystemId: f.sysA },
        status: 403,
      },
      {
        as: 'agencyA',
        path: '/api/v1/services',
        body: { context: 'a-moi', name: 'Dịch vụ mới của A', providerSystemId: f.sysA },
        status: 201,
        check: (b) => assert.equal(b['providerSystemId'], f.sysA),
      },
    ],
  },
  {
    route: 'GET /api/v1/services/:id',
    cases: (f) => [
      { as: 'agencyA', path: `/api/v1/services/${f.svcB}`, status: 200 },
      { as: 'agencyA', path: `/api/v1/services/${f.svcBDraft}`, ...HIDDEN('CP_SERVICE_NOT_FOUND') },
      { as: 'reviewer', path: `/api/v1/services/${f.svcBDraft}`, status: 200 },
    ],
  },
  {
    route: 'PATCH /api/v1/services/:id',
    cases: (f) => [
      { as: 'agencyA', path: `/api/v1/services/${f.svcB}`, body: { name: 'Đổi tên' }, status: 403 },
      {
        as: 'agencyA',
        path: `/api/v1/services/${f.svcBDraft}`,
        body: { name: 'Đổi tên' },
        ...HIDDEN('CP_SERVICE_NOT_FOUND'),
      },
      { as: 'reviewer', path: `/api/v1/services/${f.svcA}`, body: { name: 'Đổi tên' }, status: 403 },
      {
        as: 'agencyA',
        path: `/api/v1/services/${f.svcA}`,
        body: { description: { dataQuality: 'Cập nhật hằng tuần' } },
        status: 200,
        check: (b) => assert.equal(b['description']['dataQuality'], 'Cập nhật hằng tuần'),
      },
    ],
  },
  // ── Versions: anyone reads; the provider agency prepares drafts; status is the operator's ─────────────────
  {
    route: 'GET /api/v1/services/:id/versions',
    cases: (f) => [
      {
        as: 'agencyA',
        path: `/api/v1/services/${f.svcB}/versions`,
        status: 200,
        check: (b) => {
          assert.deepEqual(ids(b), [f.verB]);
          assert.deepEqual(b.items[0].upstreams, NO_ADDRESS, "another agency's upstreams are not shown");
        },
      },
      {
        as: 'agencyA',
        path: `/api/v1/services/${f.svcA}/versions`,
        status: 200,
        check: (b) => assert.equal(b.items[0].upstreams.production, INTERNAL, 'its own upstreams are'),
      },
      { as: 'agencyA', path: `/api/v1/services/${f.svcBDraft}/versions`, ...HIDDEN('CP_SERVICE_NOT_FOUND') },
    ],
  },
  {
    route: 'POST /api/v1/services/:id/versions',
    cases: (f) => [
      { as: 'agencyA', path: `/api/v1/services/${f.svcB}/versions`, body: { version: '9.0' }, status: 403 },
      {
        as: 'agencyA',
        path: `/api/v1/services/${f.svcA}/versions`,
        body: { version: '2.0', status: 'published' },
        status: 403,
      },
      { as: 'reviewer', path: `/api/v1/services/${f.svcA}/versions`, body: { version: '2.0' }, status: 403 },
      {
        as: 'agencyA',
        path: `/api/v1/services/${f.svcA}/versions`,
        body: { version: '2.0' },
        status: 201,
        check: (b) => assert.equal(b['status'], 'draft'),
      },
      {
        as: 'agencyA',
        path: `/api/v1/services/${f.svcA}/versions`,
        body: { version: '2.1', status: 'draft' },
        status: 201,
      },
    ],
  },
  {
    route: 'GET /api/v1/versions',
    cases: (f) => [
      {
        as: 'agencyA',
        path: '/api/v1/versions',
        status: 200,
        check: (b) => {
          assert.ok(ids(b).includes(f.verB), 'ids(b).includes(f.verB)');
          assert.ok(!ids(b).includes(f.verBDraft), "another agency's draft is not listed");
          const upstreamsOf = (id: string) => b.items.find((v: Json) => v.id === id).upstreams;
          assert.deepEqual(upstreamsOf(f.verB), NO_ADDRESS, "another agency's upstreams are not shown");
          assert.equal(upstreamsOf(f.verA).production, INTERNAL, 'its own upstreams are');
        },
      },
    ],
  },
  {
    route: 'GET /api/v1/versions/:id',
    cases: (f) => [
      {
        as: 'agencyA',
        path: `/api/v1/versions/${f.verB}`,
        status: 200,
        check: (b) => assert.deepEqual(b.upstreams, NO_ADDRESS, "another agency's upstreams are not shown"),
      },
      {
        as: 'agencyA',
        path: `/api/v1/versions/${f.verA}`,
        status: 200,
        check: (b) => assert.equal(b.upstreams.production, INTERNAL, 'its own upstreams are'),
      },
      { as: 'agencyA', path: `/api/v1/versions/${f.verBDraft}`, ...HIDDEN('CP_VERSION_NOT_FOUND') },
      {
        as: 'reviewer',
        path: `/api/v1/versions/${f.verB}`,
        status: 200,
        check: (b) => assert.equal(b.upstreams.production, INTERNAL, "the operator's staff see every one"),
      },
    ],
  },
  {
    route: 'PATCH /api/v1/versions/:id',
    cases: (f) => [
      {
        as: 'agencyA',
        path: `/api/v1/versions/${f.verB}`,
        body: { upstreams: { sandbox: 'http://127.0.0.1:9/b' } },
        status: 403,
      },
      { as: 'agencyA', path: `/api/v1/versions/${f.verA}`, body: { status: 'deprecated' }, status: 403 },
      { as: 'reviewer', path: `/api/v1/versions/${f.verA}`, body: { protocol: 'SOAP' }, status: 403 },
      {
        as: 'agencyA',
        path: `/api/v1/versions/${f.verA}`,
        body: { upstreams: { sandbox: 'http://127.0.0.1:9/a-v1' } },
        status: 200,
        check: (b) => {
          assert.equal(b['upstreams']['sandbox'], 'http://127.0.0.1:9/a-v1');
          assert.equal(b['status'], 'draft');
        },
      },
    ],
  },
  // ── Subscriptions: agency sees those where it is the consumer or the provider; the operator decides ───────
  {
    route: 'GET /api/v1/subscriptions',
    cases: (f) => [
      {
        as: 'agencyA',
        path: '/api/v1/subscriptions',
        status: 200,
        check: (b) => assert.deepEqual(ids(b), sorted(f.subAB, f.subBA)),
      },
      {
        as: 'agencyA',
        path: `/api/v1/subscriptions?systemId=${f.sysB}`,
        status: 200,
        check: (b) => assert.deepEqual(ids(b), [f.subBA]),
      },
      {
        as: 'auditor',
        path: '/api/v1/subscriptions',
        status: 200,
        check: (b) => assert.deepEqual(ids(b), sorted(f.subAB, f.subBA, f.subBB)),
      },
    ],
  },
  {
    route: 'POST /api/v1/subscriptions',
    cases: (f) => [
      {
        as: 'agencyA',
        path: '/api/v1/subscriptions',
        body: { systemId: f.sysA, versionId: f.verB, environment: 'sandbox' },
        status: 403,
      },
      {
        as: 'reviewer',
        path: '/api/v1/subscriptions',
        body: { systemId: f.sysA, versionId: f.verB, environment: 'sandbox' },
        status: 403,
      },
    ],
  },
  {
    route: 'GET /api/v1/subscriptions/:id',
    cases: (f) => [
      { as: 'agencyA', path: `/api/v1/subscriptions/${f.subBB}`, ...HIDDEN('CP_SUBSCRIPTION_NOT_FOUND') },
      { as: 'agencyA', path: `/api/v1/subscriptions/${f.subAB}`, status: 200 },
      { as: 'agencyA', path: `/api/v1/subscriptions/${f.subBA}`, status: 200 },
    ],
  },
  {
    route: 'PATCH /api/v1/subscriptions/:id',
    cases: (f) => [
      { as: 'agencyA', path: `/api/v1/subscriptions/${f.subBB}`, body: { status: 'suspended' }, status: 403 },
      { as: 'agencyA', path: `/api/v1/subscriptions/${f.subAB}`, body: { quotaPerDay: 10 }, status: 403 },
      { as: 'reviewer', path: `/api/v1/subscriptions/${f.subAB}`, body: { quotaPerDay: 10 }, status: 403 },
    ],
  },
  // ── Credentials: agency sees and revokes its own systems' (R-21); never a secret (R-25) ───────────────────
  {
    route: 'GET /api/v1/credentials',
    cases: (f) => [
      {
        as: 'agencyA',
        path: '/api/v1/credentials',
        status: 200,
        check: (b) => {
          assert.deepEqual(ids(b), sorted(f.credA, f.credA2));
          assert.ok(
            !JSON.stringify(b).includes('consumerSecret'),
            "!JSON.stringify(b).includes('consumerSecret')",
          );
        },
      },
      {
        as: 'agencyA',
        path: `/api/v1/credentials?systemId=${f.sysB}`,
        status: 200,
        check: (b) => assert.deepEqual(ids(b), []),
      },
      {
        as: 'auditor',
        path: '/api/v1/credentials',
        status: 200,
        check: (b) => assert.ok(ids(b).includes(f.credB), 'ids(b).includes(f.credB)'),
      },
    ],
  },
  {
    route: 'POST /api/v1/systems/:id/credentials',
    cases: (f) => [
      {
        as: 'agencyA',
        path: `/api/v1/systems/${f.sysB}/credentials`,
        body: { environment: 'sandbox' },
        status: 403,
      },
      {
        as: 'agencyA',
        path: `/api/v1/systems/${f.sysA}/credentials`,
        body: { environment: 'sandbox' },
        status: 403,
      },
      {
        as: 'reviewer',
        path: `/api/v1/systems/${f.sysA}/credentials`,
        body: { environment: 'sandbox' },
        status: 403,
      },
    ],
  },
  {
    route: 'GET /api/v1/credentials/:id',
    cases: (f) => [
      { as: 'agencyA', path: `/api/v1/credentials/${f.credB}`, ...HIDDEN('CP_CREDENTIAL_NOT_FOUND') },
      {
        as: 'agencyA',
        path: `/api/v1/credentials/${f.credA}`,
        status: 200,
        check: (b) => assert.equal(b['consumerSecret'], undefined),
      },
    ],
  },
  {
    route: 'POST /api/v1/credentials/:id/revoke',
    cases: (f) => [
      {
        as: 'agencyA',
        path: `/api/v1/credentials/${f.credB}/revoke`,
        body: {},
        ...HIDDEN('CP_CREDENTIAL_NOT_FOUND'),
      },
      { as: 'reviewer', path: `/api/v1/credentials/${f.credA2}/revoke`, body: {}, status: 403 },
      {
        as: 'agencyA',
        path: `/api/v1/credentials/${f.credA2}/revoke`,
        body: { reason: 'Ngừng sử dụng dịch vụ' },
        status: 200,
        check: (b) => assert.equal(b['status'], 'revoked'),
      },
    ],
  },
  // ── Connection requests: an agency applies for itself; reviewers decide ─────────────────────────────
  {
    route: 'POST /api/v1/connection-requests',
    cases: (f) => [
      {
        as: 'agencyA',
        path: '/api/v1/connection-requests',
        body: {
          organizationId: f.orgB,
          systemName: 'Giả danh B',
          isConsumer: true,
          purpose: 'x',
          scopeOfUse: 'x',
          contact: { name: 'A', title: 'x', phone: '1', email: 'a@example.gov.vn' },
        },
        status: 403,
      },
    ],
  },
  {
    route: 'GET /api/v1/connection-requests',
    cases: (f) => [
      {
        as: 'agencyA',
        path: '/api/v1/connection-requests',
        status: 200,
        check: (b) => assert.ok(!ids(b).includes(f.reqB), '!ids(b).includes(f.reqB)'),
      },
    ],
  },
  {
    route: 'GET /api/v1/connection-requests/:id',
    cases: (f) => [
      { as: 'agencyA', path: `/api/v1/connection-requests/${f.reqB}`, ...HIDDEN('CP_REQUEST_NOT_FOUND') },
    ],
  },
  {
    route: 'GET /api/v1/connection-requests/:id/letter.docx',
    cases: (f) => [
      {
        as: 'agencyA',
        path: `/api/v1/connection-requests/${f.reqB}/letter.docx`,
        ...HIDDEN('CP_REQUEST_NOT_FOUND'),
      },
    ],
  },
  {
    route: 'POST /api/v1/connection-requests/:id/approve',
    cases: (f) => [
      { as: 'agencyA', path: `/api/v1/connection-requests/${f.reqB}/approve`, body: {}, status: 403 },
    ],
  },
  {
    route: 'POST /api/v1/connection-requests/:id/reject',
    cases: (f) => [
      {
        as: 'agencyA',
        path: `/api/v1/connection-requests/${f.reqB}/reject`,
        body: { reason: 'x' },
        status: 403,
      },
    ],
  },
  // ── Subscription requests: the consumer agency registers and collects; reviewers decide ───────────
  {
    route: 'POST /api/v1/subscription-requests',
    cases: (f) => {
      const form = { application: 'Ứng dụng', purpose: 'Tra cứu', frequencyPerDay: 10 };
      return [
        {
          as: 'agencyA',
          path: '/api/v1/subscription-requests',
          body: { ...form, systemId: f.sysB, versionId: f.verA },
          ...HIDDEN('CP_SYSTEM_NOT_FOUND'),
        },
        {
          as: 'reviewer',
          path: '/api/v1/subscription-requests',
          body: { ...form, systemId: f.sysA, versionId: f.verB },
          status: 403,
        },
        {
          as: 'agencyA',
          path: '/api/v1/subscription-requests',
          body: { ...form, systemId: f.sysA, versionId: f.verA },
          status: 409,
          code: 'CP_VERSION_NOT_PUBLISHED',
        },
        {
          // Another agency's draft is not in the catalogue: unknown, not "not published".
          as: 'agencyA',
          path: '/api/v1/subscription-requests',
          body: { ...form, systemId: f.sysA, versionId: f.verBDraft },
          ...HIDDEN('CP_VERSION_NOT_FOUND'),
        },
      ];
    },
  },
  {
    route: 'GET /api/v1/subscription-requests',
    cases: (f) => [
      {
        as: 'agencyA',
        path: '/api/v1/subscription-requests',
        status: 200,
        check: (b) => {
          assert.deepEqual(ids(b), []);
          assert.equal(b['overdueCount'], 0);
        },
      },
      { as: 'agencyA', path: `/api/v1/subscription-requests?organizationId=${f.orgB}`, status: 403 },
      {
        as: 'auditor',
        path: '/api/v1/subscription-requests?overdue=false',
        status: 200,
        check: (b) => assert.deepEqual(ids(b), [f.subReqB]),
      },
    ],
  },
  {
    route: 'GET /api/v1/subscription-requests/:id',
    cases: (f) => [
      {
        as: 'agencyA',
        path: `/api/v1/subscription-requests/${f.subReqB}`,
        ...HIDDEN('CP_REQUEST_NOT_FOUND'),
      },
      {
        as: 'auditor',
        path: `/api/v1/subscription-requests/${f.subReqB}`,
        status: 200,
        check: (b) => assert.equal(b['status'], 'submitted'),
      },
    ],
  },
  {
    route: 'GET /api/v1/subscription-requests/:id/guide',
    cases: (f) => [
      {
        as: 'agencyA',
        path: `/api/v1/subscription-requests/${f.subReqB}/guide`,
        ...HIDDEN('CP_REQUEST_NOT_FOUND'),
      },
      {
        as: 'reviewer',
        path: `/api/v1/subscription-requests/${f.subReqB}/guide`,
        status: 409,
        code: 'CP_REQUEST_STATE',
      },
    ],
  },
  {
    route: 'POST /api/v1/subscription-requests/:id/approve-sandbox',
    cases: (f) => [
      {
        as: 'agencyA',
        path: `/api/v1/subscription-requests/${f.subReqB}/approve-sandbox`,
        body: {},
        status: 403,
      },
      {
        as: 'reviewer',
        path: `/api/v1/subscription-requests/${f.subReqB}/approve-sandbox`,
        body: {},
        status: 409,
        code: 'CP_VERSION_NOT_PUBLISHED',
      },
    ],
  },
  {
    route: 'POST /api/v1/subscription-requests/:id/approve-production',
    cases: (f) => [
      {
        as: 'agencyA',
        path: `/api/v1/subscription-requests/${f.subReqB}/approve-production`,
        body: {},
        status: 403,
      },
      {
        as: 'reviewer',
        path: `/api/v1/subscription-requests/${f.subReqB}/approve-production`,
        body: {},
        status: 409,
        code: 'CP_REQUEST_STATE',
      },
    ],
  },
  {
    route: 'POST /api/v1/subscription-requests/:id/needs-completion',
    cases: (f) => [
      {
        as: 'agencyA',
        path: `/api/v1/subscription-requests/${f.subReqB}/needs-completion`,
        body: { reasons: ['x'] },
        status: 403,
      },
      {
        as: 'reviewer',
        path: `/api/v1/subscription-requests/${f.subReqB}/needs-completion`,
        body: { reasons: [] },
        status: 400,
        code: 'API_VALIDATION_FAILED',
      },
    ],
  },
  {
    route: 'POST /api/v1/subscription-requests/:id/reject',
    cases: (f) => [
      {
        as: 'agencyA',
        path: `/api/v1/subscription-requests/${f.subReqB}/reject`,
        body: { reasons: ['x'] },
        status: 403,
      },
      {
        as: 'reviewer',
        path: `/api/v1/subscription-requests/${f.subReqB}/reject`,
        body: { reasons: [] },
        status: 400,
        code: 'API_VALIDATION_FAILED',
      },
    ],
  },
  {
    route: 'POST /api/v1/subscription-requests/:id/request-production',
    cases: (f) => [
      {
        as: 'agencyA',
        path: `/api/v1/subscription-requests/${f.subReqB}/request-production`,
        body: {},
        ...HIDDEN('CP_REQUEST_NOT_FOUND'),
      },
      {
        as: 'admin',
        path: `/api/v1/subscription-requests/${f.subReqB}/request-production`,
        body: {},
        status: 409,
        code: 'CP_REQUEST_STATE',
      },
    ],
  },
  {
    route: 'POST /api/v1/subscription-requests/:id/resubmit',
    cases: (f) => [
      {
        as: 'agencyA',
        path: `/api/v1/subscription-requests/${f.subReqB}/resubmit`,
        body: {},
        ...HIDDEN('CP_REQUEST_NOT_FOUND'),
      },
      {
        as: 'admin',
        path: `/api/v1/subscription-requests/${f.subReqB}/resubmit`,
        body: {},
        status: 409,
        code: 'CP_REQUEST_STATE',
      },
    ],
  },
  {
    route: 'POST /api/v1/subscription-requests/:id/credentials/:environment/collect',
    cases: (f) => [
      {
        as: 'agencyA',
        path: `/api/v1/subscription-requests/${f.subReqB}/credentials/sandbox/collect`,
        body: {},
        ...HIDDEN('CP_REQUEST_NOT_FOUND'),
      },
      {
        as: 'reviewer',
        path: `/api/v1/subscription-requests/${f.subReqB}/credentials/sandbox/collect`,
        body: {},
        status: 403,
      },
      {
        as: 'admin',
        path: `/api/v1/subscription-requests/${f.subReqB}/credentials/production/collect`,
        body: {},
        status: 409,
        code: 'CP_REQUEST_STATE',
      },
    ],
  },
  // ── Lifecycle: workflow steps, each with its own roles ───────────────────────
  {
    route: 'POST /api/v1/versions/:id/submit',
    cases: (f) => [
      {
        as: 'agencyA',
        path: `/api/v1/versions/${f.verB}/submit`,
        body: { technicalDocument: '{}', documentType: 'openapi' },
        status: 403,
      },
      {
        as: 'agencyA',
        path: `/api/v1/versions/${f.verA}/submit`,
        body: { technicalDocument: '{}', documentType: 'openapi' },
        status: 400,
        code: 'CP_DESCRIPTION_INCOMPLETE',
      },
    ],
  },
  {
    route: 'POST /api/v1/versions/:id/start-sandbox-test',
    cases: (f) => [
      { as: 'agencyA', path: `/api/v1/versions/${f.verA}/start-sandbox-test`, body: {}, status: 403 },
    ],
  },
  {
    route: 'POST /api/v1/versions/:id/reject',
    cases: (f) => [
      { as: 'agencyA', path: `/api/v1/versions/${f.verB}/reject`, body: { reason: 'x' }, status: 403 },
    ],
  },
  {
    route: 'POST /api/v1/versions/:id/publish',
    cases: (f) => [
      { as: 'agencyA', path: `/api/v1/versions/${f.verA}/publish`, body: {}, status: 403 },
      {
        as: 'reviewer',
        path: `/api/v1/versions/${f.verA}/publish`,
        body: {},
        status: 409,
        code: 'CP_SANDBOX_TEST_REQUIRED',
      },
    ],
  },
  {
    route: 'GET /api/v1/versions/:id/consumers',
    cases: (f) => [
      { as: 'agencyA', path: `/api/v1/versions/${f.verB}/consumers`, status: 403 },
      { as: 'agencyA', path: `/api/v1/versions/${f.verA}/consumers`, status: 200 },
    ],
  },
  // The sandbox "try it" (issue 11): a providing agency its own versions, the operator's reviewers any. This
  // harness runs no gateway, so an allowed try answers 503 — after the role and ownership checks passed.
  {
    route: 'POST /api/v1/versions/:id/try',
    cases: (f) => {
      const body = { method: 'GET', path: '/x' };
      return [
        { as: 'agencyA', path: `/api/v1/versions/${f.verB}/try`, body, status: 403 },
        {
          as: 'agencyA',
          path: `/api/v1/versions/${f.verA}/try`,
          body,
          status: 503,
          code: 'CP_SANDBOX_TRY_FAILED',
        },
        {
          as: 'reviewer',
          path: `/api/v1/versions/${f.verB}/try`,
          body,
          status: 503,
          code: 'CP_SANDBOX_TRY_FAILED',
        },
      ];
    },
  },
  {
    route: 'POST /api/v1/credentials/:id/rotate',
    cases: (f) => [
      {
        as: 'agencyA',
        path: `/api/v1/credentials/${f.credB}/rotate`,
        body: {},
        ...HIDDEN('CP_CREDENTIAL_NOT_FOUND'),
      },
      { as: 'reviewer', path: `/api/v1/credentials/${f.credA}/rotate`, body: {}, status: 403 },
    ],
  },
  {
    route: 'POST /api/v1/services/:id/decommission',
    cases: (f) => [
      {
        as: 'agencyA',
        path: `/api/v1/services/${f.svcB}/decommission`,
        body: { at: '2099-01-01T00:00:00Z', reason: 'x' },
        status: 403,
      },
      {
        as: 'agencyA',
        path: `/api/v1/services/${f.svcA}/decommission`,
        body: { at: '2025-03-02T00:00:00Z', reason: 'x' },
        status: 400,
        code: 'CP_DECOMMISSION_TOO_EARLY',
      },
    ],
  },
  {
    route: 'POST /api/v1/services/:id/cancel-decommission',
    // As scheduling it: the provider's own agency (B's service is refused) or the operator, never a reviewer.
    cases: (f) => [
      { as: 'agencyA', path: `/api/v1/services/${f.svcB}/cancel-decommission`, body: {}, status: 403 },
      { as: 'reviewer', path: `/api/v1/services/${f.svcA}/cancel-decommission`, body: {}, status: 403 },
      {
        as: 'agencyA',
        path: `/api/v1/services/${f.svcA}/cancel-decommission`,
        body: {},
        status: 409,
        code: 'CP_DECOMMISSION_NOT_SCHEDULED',
      },
    ],
  },
  {
    route: 'POST /api/v1/subscriptions/:id/cancel',
    // A is the provider of subBA, not its consumer: only the consumer stops its own use.
    // A third organization (subBB: B consumes B) is answered as for an unknown id.
    cases: (f) => [
      { as: 'agencyA', path: `/api/v1/subscriptions/${f.subBA}/cancel`, body: {}, status: 403 },
      {
        as: 'agencyA',
        path: `/api/v1/subscriptions/${f.subBB}/cancel`,
        body: {},
        ...HIDDEN('CP_SUBSCRIPTION_NOT_FOUND'),
      },
    ],
  },
  {
    route: 'POST /api/v1/maintenance',
    cases: () => [
      {
        as: 'agencyA',
        path: '/api/v1/maintenance',
        body: {
          serviceId: null,
          startsAt: '2099-01-01T00:00:00Z',
          endsAt: '2099-01-01T02:00:00Z',
          title: 'x',
          body: 'x',
        },
        status: 403,
      },
    ],
  },
  {
    route: 'POST /api/v1/maintenance/:id/cancel',
    // As announcing it: the operator only.
    cases: () => [
      {
        as: 'agencyA',
        path: '/api/v1/maintenance/ntc_0000000000000000000000000/cancel',
        body: {},
        status: 403,
      },
      {
        as: 'reviewer',
        path: '/api/v1/maintenance/ntc_0000000000000000000000000/cancel',
        body: {},
        status: 403,
      },
      {
        as: 'admin',
        path: '/api/v1/maintenance/ntc_0000000000000000000000000/cancel',
        body: {},
        status: 404,
        code: 'CP_MAINTENANCE_NOT_FOUND',
      },
    ],
  },
  {
    route: 'GET /api/v1/notices',
    cases: () => [{ as: 'agencyA', path: '/api/v1/notices', status: 200 }],
  },
  // ── Version changes (issue 10): the provider agency proposes and withdraws; reviewers decide ─────────────
  {
    route: 'POST /api/v1/version-changes',
    cases: (f) => [
      {
        as: 'agencyA',
        path: '/api/v1/version-changes',
        body: { versionId: f.verB, upstreams: { production: 'https://b.example.gov.vn' }, reason: 'x' },
        status: 403,
      },
      {
        as: 'reviewer',
        path: '/api/v1/version-changes',
        body: { versionId: f.verA, upstreams: { production: 'https://a.example.gov.vn' }, reason: 'x' },
        status: 403,
      },
      {
        as: 'agencyA',
        path: '/api/v1/version-changes',
        body: { versionId: f.verA, upstreams: { production: 'https://a.example.gov.vn' }, reason: 'x' },
        status: 409,
        code: 'CP_VERSION_STATE',
      },
    ],
  },
  {
    route: 'GET /api/v1/version-changes',
    cases: (f) => [
      {
        as: 'agencyA',
        path: '/api/v1/version-changes',
        status: 200,
        check: (b) => assert.deepEqual(ids(b), []),
      },
      {
        as: 'agencyA',
        path: `/api/v1/version-changes?organizationId=${f.orgB}`,
        status: 200,
        check: (b) => assert.deepEqual(ids(b), []),
      },
      {
        as: 'auditor',
        path: '/api/v1/version-changes',
        status: 200,
        check: (b) => assert.deepEqual(ids(b), [f.changeB]),
      },
    ],
  },
  {
    route: 'GET /api/v1/version-changes/:id',
    cases: (f) => [
      { as: 'agencyA', path: `/api/v1/version-changes/${f.changeB}`, ...HIDDEN('CP_REQUEST_NOT_FOUND') },
      {
        as: 'auditor',
        path: `/api/v1/version-changes/${f.changeB}`,
        status: 200,
        check: (b) => assert.equal(b['organizationId'], f.orgB),
      },
    ],
  },
  {
    route: 'POST /api/v1/version-changes/:id/approve',
    cases: (f) => [
      { as: 'agencyA', path: `/api/v1/version-changes/${f.changeB}/approve`, body: {}, status: 403 },
      { as: 'auditor', path: `/api/v1/version-changes/${f.changeB}/approve`, body: {}, status: 403 },
    ],
  },
  {
    route: 'POST /api/v1/version-changes/:id/apply',
    cases: (f) => [
      { as: 'agencyA', path: `/api/v1/version-changes/${f.changeB}/apply`, body: {}, status: 403 },
      {
        as: 'reviewer',
        path: `/api/v1/version-changes/${f.changeB}/apply`,
        body: {},
        status: 409,
        code: 'CP_REQUEST_STATE',
      },
    ],
  },
  {
    route: 'POST /api/v1/version-changes/:id/reject',
    cases: (f) => [
      {
        as: 'agencyA',
        path: `/api/v1/version-changes/${f.changeB}/reject`,
        body: { reasons: ['x'] },
        status: 403,
      },
      {
        as: 'reviewer',
        path: `/api/v1/version-changes/${f.changeB}/reject`,
        body: { reasons: [] },
        status: 400,
        code: 'API_VALIDATION_FAILED',
      },
    ],
  },
  {
    route: 'POST /api/v1/version-changes/:id/withdraw',
    cases: (f) => [
      {
        as: 'agencyA',
        path: `/api/v1/version-changes/${f.changeB}/withdraw`,
        body: {},
        ...HIDDEN('CP_REQUEST_NOT_FOUND'),
      },
      { as: 'reviewer', path: `/api/v1/version-changes/${f.changeB}/withdraw`, body: {}, status: 403 },
    ],
  },
  // ── Webhooks: an organization registers its own receivers ───────────────────────────────────────────────
  {
    route: 'POST /api/v1/webhooks',
    cases: (f) => [
      {
        as: 'agencyA',
        path: '/api/v1/webhooks',
        body: { organizationId: f.orgB, url: 'https://b.example.gov.vn/hook' },
        status: 403,
      },
      {
        as: 'agencyA',
        path: '/api/v1/webhooks',
        body: { url: 'https://a.example.gov.vn/hook', events: ['notice.deprecation'] },
        status: 201,
        check: (b) => {
          assert.equal(b['organizationId'], f.orgA);
          assert.equal(typeof b['secret'], 'string');
        },
      },
    ],
  },
  {
    route: 'GET /api/v1/webhooks',
    cases: (f) => [
      {
        as: 'agencyA',
        path: `/api/v1/webhooks?organizationId=${f.orgB}`,
        status: 200,
        check: (b) => assert.deepEqual(b['items'], []),
      },
    ],
  },
  {
    route: 'DELETE /api/v1/webhooks/:id',
    cases: (f) => [
      { as: 'agencyA', path: `/api/v1/webhooks/${f.hookB}`, ...HIDDEN('API_NOT_FOUND') },
      { as: 'auditor', path: `/api/v1/webhooks/${f.hookB}`, status: 403 },
    ],
  },
  {
    route: 'POST /api/v1/webhooks/:id/rotate-secret',
    cases: (f) => [
      {
        as: 'agencyA',
        path: `/api/v1/webhooks/${f.hookB}/rotate-secret`,
        body: {},
        ...HIDDEN('API_NOT_FOUND'),
      },
      { as: 'reviewer', path: `/api/v1/webhooks/${f.hookB}/rotate-secret`, body: {}, status: 403 },
      { as: 'auditor', path: `/api/v1/webhooks/${f.hookB}/rotate-secret`, body: {}, status: 403 },
    ],
  },
  {
    // The catalogue names events and the signature scheme, nothing of any organization: every role reads it.
    route: 'GET /api/v1/webhooks/event-types',
    cases: () => [
      {
        as: 'agencyA',
        path: '/api/v1/webhooks/event-types',
        status: 200,
        check: (b) => assert.ok(b['items'].length > 0, "b['items'].length > 0"),
      },
      { as: 'auditor', path: '/api/v1/webhooks/event-types', status: 200 },
    ],
  },
  // ── Transactions: agency sees the records where it is the consumer or the provider ─────────────────
  {
    route: 'GET /api/v1/transactions',
    cases: (f) => [
      {
        as: 'agencyA',
        path: '/api/v1/transactions',
        status: 200,
        check: (b) => {
          assert.equal(b['items'].length, 2);
          for (const t of b['items'] as Json[]) {
            assert.ok(
              [t['consumer']['organizationCode'], t['provider']['organizationCode']].includes(A_CODE),
              "[t['consumer']['organizationCode'], t['provider']['organizationCode']].includes(A_CODE)",
            );
          }
        },
      },
      {
        as: 'agencyA',
        path: `/api/v1/transactions?consumerSystemId=${f.sysB}`,
        status: 200,
        check: (b) => {
          assert.equal(b['items'].length, 1);
          assert.equal(b['items'][0]['provider']['organizationCode'], A_CODE);
        },
      },
      {
        as: 'auditor',
        path: '/api/v1/transactions',
        status: 200,
        check: (b) => assert.equal(b['items'].length, 4),
      },
    ],
  },
  // The dashboard (issue 11): an agency sees its own organization's figures only.
  {
    route: 'GET /api/v1/dashboard',
    cases: () => [
      {
        as: 'agencyA',
        path: '/api/v1/dashboard',
        status: 200,
        check: (b) => {
          assert.equal(b['scope']['organizationCode'], A_CODE);
          assert.equal(b['traffic']['calls'], 2);
        },
      },
      {
        as: 'auditor',
        path: '/api/v1/dashboard',
        status: 200,
        check: (b) => assert.equal(b['traffic']['calls'], 4),
      },
    ],
  },
  // One record in full (issue 11): an agency only where its organization is a party; others are not found.
  {
    route: 'GET /api/v1/transactions/:id',
    cases: (f) => [
      { as: 'agencyA', path: `/api/v1/transactions/${f.txnAB}`, status: 200 },
      {
        as: 'agencyA',
        path: `/api/v1/transactions/${f.txnBB}`,
        status: 404,
        code: 'TM_TRANSACTION_NOT_FOUND',
      },
      { as: 'auditor', path: `/api/v1/transactions/${f.txnBB}`, status: 200 },
    ],
  },
  // ── Operator alerts: operator staff and auditors, never agency ─────────────────────────────────────────────
  {
    route: 'GET /api/v1/alerts',
    cases: () => [
      { as: 'agencyA', path: '/api/v1/alerts', status: 403 },
      {
        as: 'auditor',
        path: '/api/v1/alerts?state=open',
        status: 200,
        check: (b) => assert.ok(Array.isArray(b['items']), "Array.isArray(b['items'])"),
      },
      { as: 'reviewer', path: '/api/v1/alerts', status: 200 },
    ],
  },
  // ── Statistics: everyone reads; an agency user only calls where its organization is on either side ───
  {
    route: 'GET /api/v1/reports/statistics',
    cases: () => {
      const path = '/api/v1/reports/statistics?from=2025-03-01T00:00:00Z&to=2025-03-02T00:00:00Z';
      return [
        {
          as: 'agencyA',
          path: `${path}&groupBy=consumerOrganization`,
          status: 200,
          check: (b) => {
            assert.equal(b['totals']['calls'], 2);
            assert.equal(b['filters']['scopeOrganizationCode'], A_CODE);
          },
        },
        {
          as: 'agencyA',
          path: `${path}&organizationCode=${B_CODE}&role=consumer&format=csv`,
          status: 200,
        },
        {
          as: 'auditor',
          path: `${path}&groupBy=providerOrganization`,
          status: 200,
          check: (b) => assert.equal(b['totals']['calls'], 4),
        },
      ];
    },
  },
  // ── Reconciliation: an agency only for its own organization; auditors change nothing, so not at all ──
  {
    route: 'POST /api/v1/reconciliations',
    cases: (f) => {
      const period = { from: '2025-01-01T00:00:00Z', to: '2026-01-01T00:00:00Z', csv: 'ma_giao_dich\n' };
      return [
        {
          as: 'agencyA',
          path: '/api/v1/reconciliations',
          body: { ...period, systemId: f.sysA },
          status: 200,
          check: (b) => assert.equal(b['counts']['missingOnParty'], 2),
        },
        {
          as: 'agencyA',
          path: '/api/v1/reconciliations',
          body: { ...period, systemId: f.sysB },
          ...HIDDEN('CP_SYSTEM_NOT_FOUND'),
        },
        {
          as: 'agencyA',
          path: '/api/v1/reconciliations',
          body: { ...period, organizationCode: B_CODE },
          status: 403,
        },
        {
          as: 'reviewer',
          path: '/api/v1/reconciliations',
          body: { ...period, organizationCode: B_CODE },
          status: 200,
          check: (b) => assert.equal(b['counts']['platform'], 4),
        },
      ];
    },
  },
  {
    route: 'GET /api/v1/alerts/:id/events',
    cases: () => [
      { as: 'agencyA', path: '/api/v1/alerts/alr_khongco/events', status: 403 },
      { as: 'auditor', path: '/api/v1/alerts/alr_khongco/events', status: 200 },
    ],
  },
  {
    route: 'POST /api/v1/alerts/:id/acknowledge',
    cases: () => [
      { as: 'agencyA', path: '/api/v1/alerts/alr_khongco/acknowledge', body: { note: 'x' }, status: 403 },
      { as: 'auditor', path: '/api/v1/alerts/alr_khongco/acknowledge', body: { note: 'x' }, status: 403 },
      {
        as: 'reviewer',
        path: '/api/v1/alerts/alr_khongco/acknowledge',
        body: { note: 'đang xử lý' },
        status: 404,
        code: 'TM_ALERT_NOT_FOUND',
      },
    ],
  },
  {
    route: 'POST /api/v1/alerts/:id/resolve',
    cases: () => [
      { as: 'agencyA', path: '/api/v1/alerts/alr_khongco/resolve', body: { note: 'x' }, status: 403 },
      { as: 'auditor', path: '/api/v1/alerts/alr_khongco/resolve', body: { note: 'x' }, status: 403 },
      {
        as: 'reviewer',
        path: '/api/v1/alerts/alr_khongco/resolve',
        body: { note: 'đã xử lý' },
        status: 404,
        code: 'TM_ALERT_NOT_FOUND',
      },
    ],
  },
  // ── Audit trail: operator staff and auditors, never agency ────────────────────────────────────────────────
  {
    route: 'GET /api/v1/audit-events',
    cases: () => [
      { as: 'agencyA', path: '/api/v1/audit-events', status: 403 },
      { as: 'auditor', path: '/api/v1/audit-events', status: 200 },
      { as: 'reviewer', path: '/api/v1/audit-events', status: 200 },
    ],
  },
  {
    route: 'GET /api/v1/audit-events/verify',
    cases: () => [
      { as: 'agencyA', path: '/api/v1/audit-events/verify', status: 403 },
      {
        as: 'auditor',
        path: '/api/v1/audit-events/verify',
        status: 200,
        check: (b) => assert.equal(b['ok'], true),
      },
    ],
  },
  // ── Sign-in history (docs/security.md §2.14): administrators and auditors read all; everyone their own ──────
  {
    route: 'GET /api/v1/sign-ins',
    cases: () => [
      { as: 'agencyA', path: '/api/v1/sign-ins', status: 403 },
      { as: 'reviewer', path: '/api/v1/sign-ins', status: 403 },
      {
        as: 'auditor',
        path: '/api/v1/sign-ins?username=agencyA',
        status: 200,
        check: (b) => {
          assert.ok(b['items'].length >= 2, 'agencyA signed in twice');
          for (const s of b['items'] as Json[]) {
            assert.equal(s['username'], 'agencyA');
            assert.deepEqual(Object.keys(s).sort(), [
              'address',
              'at',
              'attempts',
              'folded',
              'id',
              'lastAt',
              'method',
              'outcome',
              'reason',
              'userAgent',
              'userId',
              'username',
            ]);
          }
        },
      },
      { as: 'admin', path: '/api/v1/sign-ins?outcome=success', status: 200 },
    ],
  },
  {
    route: 'GET /api/v1/me/sign-ins',
    cases: () => [
      {
        as: 'agencyA',
        path: '/api/v1/me/sign-ins?limit=100',
        status: 200,
        check: (b) => {
          assert.ok(b['items'].length >= 2, 'agencyA’s own sign-ins');
          const names = new Set((b['items'] as Json[]).map((s) => s['username']));
          assert.deepEqual([...names], ['agencyA'], 'only its own');
        },
      },
      {
        as: 'auditor',
        path: '/api/v1/me/sign-ins',
        status: 200,
        check: (b) =>
          assert.ok(
            (b['items'] as Json[]).every((s) => s['username'] === 'auditor'),
            'its own',
          ),
      },
    ],
  },
  // ── Users: administrators manage accounts; auditors may list them ─────────────────────────────────────────
  {
    route: 'GET /api/v1/users',
    cases: () => [
      { as: 'agencyA', path: '/api/v1/users', status: 403 },
      { as: 'reviewer', path: '/api/v1/users', status: 403 },
      {
        as: 'auditor',
        path: '/api/v1/users',
        status: 200,
        check: (b) => {
          assert.ok(b['items'].length >= 4, "b['items'].length >= 4");
          for (const u of b['items'] as Json[]) {
            // The account and its sign-in state (lock, temporary password), never the password itself.
            assert.deepEqual(Object.keys(u).sort(), [
              'displayName',
              'failedSignIns',
              'id',
              'lockedUntil',
              'mustChangePassword',
              'organizationId',
              'role',
              'username',
            ]);
          }
          assert.ok(!JSON.stringify(b).includes('scrypt'), 'no password hash');
        },
      },
    ],
  },
  {
    route: 'POST /api/v1/users',
    cases: (f) => {
      const user = (over: Json) => ({
        username: 'agency-b',
        displayName: 'Cán bộ Công an tỉnh',
        password: PASSWORD,
        role: 'agency',
        organizationId: f.orgB,
        ...over,
      });
      return [
        { as: 'agencyA', path: '/api/v1/users', body: user({}), status: 403 },
        { as: 'agencyA', path: '/api/v1/users', body: user({ organizationId: f.orgA }), status: 403 },
        { as: 'reviewer', path: '/api/v1/users', body: user({}), status: 403 },
        {
          as: 'admin',
          path: '/api/v1/users',
          body: user({ organizationId: null }),
          status: 400,
          code: 'API_VALIDATION_FAILED',
        },
        {
          as: 'admin',
          path: '/api/v1/users',
          body: user({ role: 'auditor' }),
          status: 400,
          code: 'API_VALIDATION_FAILED',
        },
        {
          as: 'admin',
          path: '/api/v1/users',
          body: user({ password: 'short' }),
          status: 400,
          code: 'API_VALIDATION_FAILED',
        },
        {
          as: 'admin',
          path: '/api/v1/users',
          body: user({ role: 'superuser' }),
          status: 400,
          code: 'API_VALIDATION_FAILED',
        },
        {
          as: 'admin',
          path: '/api/v1/users',
          body: user({ organizationId: 'org_nope' }),
          status: 404,
          code: 'CP_ORGANIZATION_NOT_FOUND',
        },
        {
          as: 'admin',
          path: '/api/v1/users',
          body: user({}),
          status: 201,
          check: (b) => {
            assert.deepEqual(Object.keys(b).sort(), [
              'displayName',
              'id',
              'organizationId',
              'role',
              'username',
            ]);
            assert.equal(b['role'], 'agency');
            assert.equal(b['organizationId'], f.orgB);
          },
        },
        { as: 'admin', path: '/api/v1/users', body: user({}), status: 409, code: 'CP_USER_EXISTS' },
      ];
    },
  },
  {
    // Lifting a sign-in lockout is the administrators' (issue 10 item 5): not an agency's, even for itself.
    route: 'POST /api/v1/users/:username/unlock',
    cases: () => [
      { as: 'agencyA', path: '/api/v1/users/agencyA/unlock', body: {}, status: 403 },
      { as: 'reviewer', path: '/api/v1/users/agencyA/unlock', body: {}, status: 403 },
      { as: 'auditor', path: '/api/v1/users/agencyA/unlock', body: {}, status: 403 },
      {
        as: 'admin',
        path: '/api/v1/users/agencyA/unlock',
        body: {},
        status: 200,
        check: (b) => assert.deepEqual(b, { username: 'agencyA', address: null, cleared: 0 }),
      },
    ],
  },
  {
    // Disabling a user is the administrators' (issue 11 item 5; the effect: test/console-session.test.ts).
    route: 'POST /api/v1/users/:username/disable',
    cases: () => [
      { as: 'agencyA', path: '/api/v1/users/agencyA/disable', status: 403 },
      { as: 'reviewer', path: '/api/v1/users/agencyA/disable', status: 403 },
      { as: 'admin', path: '/api/v1/users/nobody/disable', status: 404, code: 'API_NOT_FOUND' },
    ],
  },
  {
    // Resetting someone's password is the administrators' (the effect: test/password.test.ts).
    route: 'POST /api/v1/users/:username/password',
    cases: () => [
      { as: 'agencyA', path: '/api/v1/users/agencyA/password', body: {}, status: 403 },
      { as: 'reviewer', path: '/api/v1/users/agencyA/password', body: {}, status: 403 },
      { as: 'auditor', path: '/api/v1/users/agencyA/password', body: {}, status: 403 },
      { as: 'admin', path: '/api/v1/users/nobody/password', body: {}, status: 404, code: 'API_NOT_FOUND' },
    ],
  },
  // ── Shared category lists (issue 12 item 7): operator administrators manage, reviewers and auditors read ──
  {
    route: 'GET /api/v1/categories',
    cases: () => [
      { as: 'agencyA', path: '/api/v1/categories', status: 403 },
      { as: 'reviewer', path: '/api/v1/categories', status: 200 },
      { as: 'auditor', path: '/api/v1/categories', status: 200 },
    ],
  },
  {
    route: 'POST /api/v1/categories',
    cases: () => {
      const body = {
        code: 'THU',
        nameVi: 'Thử',
        nameEn: 'Test',
        fields: [{ name: 'Ma', type: 'string', description: '' }],
      };
      return [
        { as: 'agencyA', path: '/api/v1/categories', body, status: 403 },
        { as: 'reviewer', path: '/api/v1/categories', body, status: 403 },
        { as: 'auditor', path: '/api/v1/categories', body, status: 403 },
      ];
    },
  },
  {
    route: 'POST /api/v1/category-sync',
    cases: () => {
      // Operator admins only: pulling a peer's lists writes new versions of every shared list (issue 12 item 7).
      const body = { peerId: 'peer_khongco' };
      return [
        { as: 'agencyA', path: '/api/v1/category-sync', body, status: 403 },
        { as: 'reviewer', path: '/api/v1/category-sync', body, status: 403 },
        { as: 'auditor', path: '/api/v1/category-sync', body, status: 403 },
      ];
    },
  },
  {
    route: 'GET /api/v1/categories/:code',
    cases: () => [
      { as: 'agencyA', path: '/api/v1/categories/KHONGCO', status: 403 },
      { as: 'auditor', path: '/api/v1/categories/KHONGCO', status: 404, code: 'CP_CATEGORY_NOT_FOUND' },
    ],
  },
  {
    route: 'PATCH /api/v1/categories/:code',
    cases: () => [
      { as: 'agencyA', path: '/api/v1/categories/KHONGCO', body: { nameVi: 'x' }, status: 403 },
      { as: 'reviewer', path: '/api/v1/categories/KHONGCO', body: { nameVi: 'x' }, status: 403 },
      {
        as: 'admin',
        path: '/api/v1/categories/KHONGCO',
        body: { nameVi: 'x' },
        status: 404,
        code: 'CP_CATEGORY_NOT_FOUND',
      },
    ],
  },
  {
    route: 'POST /api/v1/categories/:code/versions',
    cases: () => [
      {
        as: 'agencyA',
        path: '/api/v1/categories/KHONGCO/versions',
        body: { format: 'csv', content: 'Ma\n1\n' },
        status: 403,
      },
      {
        as: 'auditor',
        path: '/api/v1/categories/KHONGCO/versions',
        body: { format: 'csv', content: 'Ma\n1\n' },
        status: 403,
      },
      {
        as: 'admin',
        path: '/api/v1/categories/KHONGCO/versions',
        body: { format: 'csv', content: 'Ma\n1\n' },
        status: 404,
        code: 'CP_CATEGORY_NOT_FOUND',
      },
    ],
  },
  {
    route: 'GET /api/v1/categories/:code/versions',
    cases: () => [
      { as: 'agencyA', path: '/api/v1/categories/KHONGCO/versions', status: 403 },
      {
        as: 'reviewer',
        path: '/api/v1/categories/KHONGCO/versions',
        status: 404,
        code: 'CP_CATEGORY_NOT_FOUND',
      },
    ],
  },
  {
    route: 'GET /api/v1/categories/:code/items',
    cases: () => [
      { as: 'agencyA', path: '/api/v1/categories/KHONGCO/items', status: 403 },
      { as: 'auditor', path: '/api/v1/categories/KHONGCO/items', status: 404, code: 'CP_CATEGORY_NOT_FOUND' },
    ],
  },
  {
    route: 'GET /api/v1/categories/:code/mappings',
    cases: () => [
      { as: 'agencyA', path: '/api/v1/categories/KHONGCO/mappings', status: 403 },
      {
        as: 'auditor',
        path: '/api/v1/categories/KHONGCO/mappings',
        status: 404,
        code: 'CP_CATEGORY_NOT_FOUND',
      },
    ],
  },
  {
    route: 'POST /api/v1/categories/:code/mappings',
    cases: () => [
      {
        as: 'agencyA',
        path: '/api/v1/categories/KHONGCO/mappings',
        body: { mappings: [{ localCode: 'a', nationalCode: 'b' }] },
        status: 403,
      },
      {
        as: 'reviewer',
        path: '/api/v1/categories/KHONGCO/mappings',
        body: { mappings: [{ localCode: 'a', nationalCode: 'b' }] },
        status: 403,
      },
      {
        as: 'admin',
        path: '/api/v1/categories/KHONGCO/mappings',
        body: { mappings: [{ localCode: 'a', nationalCode: 'b' }] },
        status: 404,
        code: 'CP_CATEGORY_NOT_FOUND',
      },
    ],
  },
  {
    route: 'GET /api/v1/categories/:code/mappings/:localCode',
    cases: () => [
      { as: 'agencyA', path: '/api/v1/categories/KHONGCO/mappings/a', status: 403 },
      {
        as: 'auditor',
        path: '/api/v1/categories/KHONGCO/mappings/a',
        status: 404,
        code: 'CP_CATEGORY_NOT_FOUND',
      },
    ],
  },
  {
    route: 'DELETE /api/v1/categories/:code/mappings/:localCode',
    cases: () => [
      { as: 'agencyA', path: '/api/v1/categories/KHONGCO/mappings/a', status: 403 },
      { as: 'reviewer', path: '/api/v1/categories/KHONGCO/mappings/a', status: 403 },
      {
        as: 'admin',
        path: '/api/v1/categories/KHONGCO/mappings/a',
        status: 404,
        code: 'CP_CATEGORY_NOT_FOUND',
      },
    ],
  },
  {
    route: 'GET /api/v1/category-service',
    cases: () => [
      { as: 'agencyA', path: '/api/v1/category-service', status: 403 },
      // The harness starts no platform, so the built-in service (made at start-up) is not there: a read makes nothing.
      { as: 'auditor', path: '/api/v1/category-service', status: 404, code: 'CP_CATEGORY_NOT_FOUND' },
    ],
  },
  // Federation (issue 12): the operator admin changes peers; reviewers and auditors read; agencies never see them.
  {
    route: 'GET /api/v1/peers',
    cases: () => [
      { as: 'agencyA', path: '/api/v1/peers', status: 403 },
      { as: 'reviewer', path: '/api/v1/peers', status: 200 },
      { as: 'auditor', path: '/api/v1/peers', status: 200 },
    ],
  },
  {
    route: 'POST /api/v1/peers',
    cases: () => [
      { as: 'agencyA', path: '/api/v1/peers', body: {}, status: 403 },
      { as: 'reviewer', path: '/api/v1/peers', body: {}, status: 403 },
      { as: 'auditor', path: '/api/v1/peers', body: {}, status: 403 },
    ],
  },
  {
    route: 'GET /api/v1/peers/:id',
    cases: () => [
      { as: 'agencyA', path: `/api/v1/peers/${NO_PEER}`, status: 403 },
      { as: 'auditor', path: `/api/v1/peers/${NO_PEER}`, status: 404, code: 'CP_PEER_NOT_FOUND' },
    ],
  },
  {
    route: 'PATCH /api/v1/peers/:id',
    cases: () => [
      { as: 'agencyA', path: `/api/v1/peers/${NO_PEER}`, body: {}, status: 403 },
      { as: 'reviewer', path: `/api/v1/peers/${NO_PEER}`, body: {}, status: 403 },
    ],
  },
  {
    route: 'GET /api/v1/peers/:id/imports',
    cases: () => [
      { as: 'agencyA', path: `/api/v1/peers/${NO_PEER}/imports`, status: 403 },
      { as: 'auditor', path: `/api/v1/peers/${NO_PEER}/imports`, status: 404, code: 'CP_PEER_NOT_FOUND' },
    ],
  },
  {
    route: 'POST /api/v1/peers/:id/imports',
    cases: () => [
      { as: 'agencyA', path: `/api/v1/peers/${NO_PEER}/imports`, body: {}, status: 403 },
      { as: 'reviewer', path: `/api/v1/peers/${NO_PEER}/imports`, body: {}, status: 403 },
    ],
  },
  {
    route: 'GET /api/v1/peers/:id/catalogue',
    cases: () => [
      { as: 'agencyA', path: `/api/v1/peers/${NO_PEER}/catalogue`, status: 403 },
      { as: 'auditor', path: `/api/v1/peers/${NO_PEER}/catalogue`, status: 403 },
    ],
  },
  {
    route: 'GET /api/v1/peers/:id/grants',
    cases: () => [
      { as: 'agencyA', path: `/api/v1/peers/${NO_PEER}/grants`, status: 403 },
      { as: 'auditor', path: `/api/v1/peers/${NO_PEER}/grants`, status: 404, code: 'CP_PEER_NOT_FOUND' },
    ],
  },
  {
    route: 'POST /api/v1/peers/:id/grants',
    cases: () => [
      { as: 'agencyA', path: `/api/v1/peers/${NO_PEER}/grants`, body: {}, status: 403 },
      { as: 'reviewer', path: `/api/v1/peers/${NO_PEER}/grants`, body: {}, status: 403 },
    ],
  },
  {
    route: 'GET /api/v1/federation/ledger',
    cases: () => [
      { as: 'agencyA', path: `/api/v1/federation/ledger?${LEDGER_PERIOD}`, status: 403 },
      { as: 'auditor', path: `/api/v1/federation/ledger?${LEDGER_PERIOD}`, status: 200 },
    ],
  },
  {
    route: 'GET /api/v1/federation/ledger/export',
    cases: () => [
      { as: 'agencyA', path: `/api/v1/federation/ledger/export?${LEDGER_PERIOD}`, status: 403 },
      { as: 'auditor', path: `/api/v1/federation/ledger/export?${LEDGER_PERIOD}`, status: 200 },
    ],
  },
  {
    route: 'POST /api/v1/federation/reconciliations',
    cases: () => {
      const body = { from: '2026-01-01T00:00:00Z', to: '2026-01-02T00:00:00Z', entries: [] };
      return [
        { as: 'agencyA', path: '/api/v1/federation/reconciliations', body, status: 403 },
        { as: 'reviewer', path: '/api/v1/federation/reconciliations', body, status: 200 },
      ];
    },
  },
];

/** Public routes under /api/v1, open to anyone: they need no row. */
const PUBLIC = new Set([
  'POST /api/v1/auth/login',
  // Signing in to the console, and with SSO (issue 11 item 5).
  'POST /api/v1/auth/session',
  // Whether this browser is signed in: 200 with user null when not (a bearer token is no console session).
  'GET /api/v1/auth/session',
  'GET /api/v1/auth/options',
  'GET /api/v1/auth/oidc/start',
  'GET /api/v1/auth/oidc/callback',
  'GET /api/v1/openapi.json',
  'GET /api/v1/jwks.json',
  // The portal's catalogue, contact points and notices are public by design.
  'GET /api/v1/public/notices',
  'GET /api/v1/public/services',
  'GET /api/v1/public/contacts',
  // The portal's service pages, live versions' documents, the Atom feed and the branding (issue 11).
  'GET /api/v1/public/services/:id',
  'GET /api/v1/public/versions/:id/document',
  'GET /api/v1/public/versions/:id/operations',
  'GET /api/v1/public/notices.atom',
  // One public notice, where the feed's entries link (issue 11: the list pages, so the portal looks it up by id).
  'GET /api/v1/public/notices/:id',
  'GET /api/v1/public/branding',
  'GET /api/v1/public/branding/logo',
]);

function record(i: number, consumer: [string, string], provider: [string, string]): TransactionRecord {
  const at = Date.parse('2025-03-01T00:00:00Z') + i * 60_000;
  return callRecord(at, {
    consumerSystemId: consumer[0],
    consumerOrgCode: consumer[1],
    providerSystemId: provider[0],
    providerOrgCode: provider[1],
    version: '1.0',
    responseInAt: at + 2,
    responseOutAt: at + 3,
  });
}

/** Two agencies, each with a provider-and-consumer system and a service, subscriptions both ways, credentials. */
async function seed(h: AdminHarness): Promise<Fixture> {
  const r = h.registry;
  const orgA = await r.createOrganization({ code: A_CODE, name: 'Sở Tư pháp' }, 'test');
  const orgB = await r.createOrganization(
    { code: B_CODE, name: 'Công an tỉnh', contact: { name: 'Trần Thị Bình', email: 'pc06@angiang.gov.vn' } },
    'test',
  );
  const system = (organizationId: string, name: string) =>
    r.createSystem({ organizationId, name, isProvider: true, isConsumer: true }, 'test');
  const sysA = await system(orgA.id, 'Hộ tịch');
  const sysB = await system(orgB.id, 'CSDL Dân cư');
  const svcA = await r.createService(
    { context: 'hotich', name: 'Hộ tịch', providerSystemId: sysA.id },
    'test',
  );
  const svcB = await r.createService({ context: 'dancu', name: 'Dân cư', providerSystemId: sysB.id }, 'test');
  const svcBDraft = await r.createService(
    { context: 'dancu-moi', name: 'Dân cư (chưa công bố)', providerSystemId: sysB.id },
    'test',
  );
  // A's version is a draft; B's is published, so in the catalogue A reads (and may not change); B's other service
  // has only a draft, which A may not even learn exists (docs/security.md §2.10).
  // Each version forwards to its agency's internal address, which only that agency and the operator may read.
  const version = (serviceId: string) =>
    r.createVersion(
      serviceId,
      { version: '1.0', upstreams: { sandbox: null, production: 'http://127.0.0.1:9/noi-bo' } },
      'test',
    );
  const verA = await version(svcA.id);
  const verB = await version(svcB.id);
  const verBDraft = await version(svcBDraft.id);
  // Published as a row: the workflow's sandbox test is not what these rows are about.
  await h.store.db
    .updateTable('service_versions')
    .set({ status: 'published' })
    .where('id', '=', verB.id)
    .execute();
  const subscribe = (systemId: string, versionId: string) =>
    r.createSubscription({ systemId, versionId, environment: 'production' }, 'test');
  const subAB = await subscribe(sysA.id, verB.id);
  const subBA = await subscribe(sysB.id, verA.id);
  const subBB = await subscribe(sysB.id, verB.id);
  const credA = await r.issueCredential(sysA.id, 'sandbox', 'test');
  const credA2 = await r.issueCredential(sysA.id, 'production', 'test');
  const credB = await r.issueCredential(sysB.id, 'sandbox', 'test');
  const reqB = await new ConnectionRequests(h.store, r).submit(
    {
      organizationId: orgB.id,
      systemName: 'Hệ thống mới của B',
      isProvider: false,
      isConsumer: true,
      purpose: 'Khai thác dữ liệu',
      scopeOfUse: 'Toàn cơ quan',
      contact: { name: 'Người B', title: 'Chuyên viên', phone: '0296 000 000', email: 'b@example.gov.vn' },
    },
    'test',
  );
  // Written as a row: the workflow accepts requests for published versions only, and these are drafts.
  const subReqB = newId('req', h.clock.nowMs());
  await h.store.db
    .insertInto('subscription_requests')
    .values({
      id: subReqB,
      system_id: sysB.id,
      version_id: verA.id,
      application: 'Ứng dụng của B',
      purpose: 'Khai thác dữ liệu hộ tịch',
      frequency_per_day: 100,
      frequency_per_minute: null,
      time_of_use: null,
      other_notes: null,
      status: 'submitted',
      requested_by: 'test',
      submitted_at: new Date(h.clock.nowMs()),
      stage_started_at: new Date(h.clock.nowMs()),
      updated_at: new Date(h.clock.nowMs()),
    })
    .execute();
  // Written as a row too: a change is proposed for a published version only.
  const changeB = newId('req', h.clock.nowMs());
  await h.store.db
    .insertInto('version_change_requests')
    .values({
      id: changeB,
      version_id: verB.id,
      proposed_upstreams: JSON.stringify({ production: 'https://b2.example.gov.vn' }),
      proposed_resources: JSON.stringify(null),
      reason: 'Máy chủ mới',
      status: 'submitted',
      previous: JSON.stringify(null),
      sandbox_evidence_txn_id: null,
      requested_by: 'test',
      submitted_at: new Date(h.clock.nowMs()),
      stage_started_at: new Date(h.clock.nowMs()),
      decided_by: null,
      decided_at: null,
      updated_at: new Date(h.clock.nowMs()),
    })
    .execute();
  const txns = [
    record(0, [sysA.id, A_CODE], [sysB.id, B_CODE]),
    record(1, [sysB.id, B_CODE], [sysA.id, A_CODE]),
    record(2, [sysB.id, B_CODE], [sysB.id, B_CODE]),
    record(3, ['sys_other', OTHER_CODE], [sysB.id, B_CODE]),
  ];
  await insertTransactions(h.store, txns);
  return {
    orgA: orgA.id,
    orgB: orgB.id,
    sysA: sysA.id,
    sysB: sysB.id,
    svcA: svcA.id,
    svcB: svcB.id,
    svcBDraft: svcBDraft.id,
    verA: verA.id,
    verB: verB.id,
    verBDraft: verBDraft.id,
    subAB: subAB.id,
    subBA: subBA.id,
    subBB: subBB.id,
    credA: credA.id,
    credA2: credA2.id,
    credB: credB.id,
    reqB: reqB.id,
    subReqB,
    changeB,
    hookB: (
      await createWebhookEndpoint(
        h.store,
        h.clock,
        TEST_KEK,
        { organizationId: orgB.id, url: 'https://b.example.gov.vn/hook' },
        'test',
      )
    ).id,
    txnAB: txns[0]!.id,
    txnBB: txns[2]!.id,
  };
}

for (const kind of storeKinds) {
  describe(`admin API roles and organization ownership, one row per route (${kind})`, () => {
    let h: AdminHarness;
    let f: Fixture;
    const tokens = {} as Record<Who, string>;

    before(async () => {
      // The agencies' upstreams are the discard port, where nothing answers: allowed exactly (issue 10).
      h = await openAdminHarness(kind, { overrides: { egress: { allow: ['127.0.0.1:9'] } } });
      f = await seed(h);
      const users: Array<[Exclude<Who, 'admin' | 'agencyASpare'>, Role, string | null]> = [
        ['reviewer', 'operator_reviewer', null],
        ['auditor', 'auditor', null],
        ['agencyA', 'agency', f.orgA],
      ];
      for (const [username, role, organizationId] of users) {
        await h.accounts.createUser(
          { username, displayName: username, password: PASSWORD, role, organizationId },
          'test',
        );
        tokens[username] = (await h.accounts.login(username, PASSWORD)).token;
      }
      tokens.admin = h.token;
      tokens.agencyASpare = (await h.accounts.login('agencyA', PASSWORD)).token;
    });
    after(() => h?.dispose());

    test('every protected route under /api/v1 has a row in ROUTES (add one for a new route)', () => {
      const registered = registeredRoutes(h.app)
        .map((r) => `${r.method} ${r.url}`)
        .filter((key) => key.split(' ')[1]!.startsWith('/api/v1/') && !PUBLIC.has(key));
      const rows = new Set(ROUTES.map((r) => r.route));
      const missing = registered.filter((key) => !rows.has(key));
      assert.deepEqual(
        missing,
        [],
        `routes without a row in ROUTES of test/api.roles.test.ts: ${missing.join(', ')}. Whoever adds a ` +
          "route adds its row: which roles may call it, and a case where agency A acts on agency B's object " +
          "→ 403 API_FORBIDDEN (or a list that shows none of B's objects).",
      );
      const stale = [...rows].filter((key) => !registered.includes(key));
      assert.deepEqual(stale, [], `rows for routes that are not registered: ${stale.join(', ')}`);
      for (const row of ROUTES) {
        const cases = row.cases(f);
        assert.ok(
          cases.some((c) => c.as.startsWith('agency')),
          `${row.route}: the row must say what agency A may do`,
        );
        assert.ok(
          cases.every(
            (c) => c.path.split('?')[0]!.split('/').length === row.route.split(' ')[1]!.split('/').length,
          ),
          `${row.route}: every case calls this route`,
        );
      }
    });

    test("another organization's non-public objects: the answer is the unknown id's, byte for byte but the id", async () => {
      // a 403 for B's id beside a 404 for a made-up one would tell agency A which ids exist in B.
      const probes: Array<[method: string, path: (id: string) => string, id: string, body?: unknown]> = [
        ['GET', (id) => `/api/v1/systems/${id}`, f.sysB],
        ['PATCH', (id) => `/api/v1/systems/${id}`, f.sysB, { name: 'Đổi tên' }],
        ['GET', (id) => `/api/v1/systems/${id}/connection`, f.sysB],
        ['GET', (id) => `/api/v1/credentials/${id}`, f.credB],
        ['POST', (id) => `/api/v1/credentials/${id}/rotate`, f.credB, {}],
        ['GET', (id) => `/api/v1/subscriptions/${id}`, f.subBB],
        ['POST', (id) => `/api/v1/subscriptions/${id}/cancel`, f.subBB, {}],
        ['GET', (id) => `/api/v1/connection-requests/${id}`, f.reqB],
        ['GET', (id) => `/api/v1/subscription-requests/${id}`, f.subReqB],
        ['GET', (id) => `/api/v1/version-changes/${id}`, f.changeB],
        ['DELETE', (id) => `/api/v1/webhooks/${id}`, f.hookB],
        // Services and versions of the catalogue are public; another organization's not yet in it are not.
        ['GET', (id) => `/api/v1/services/${id}`, f.svcBDraft],
        ['GET', (id) => `/api/v1/services/${id}/versions`, f.svcBDraft],
        ['PATCH', (id) => `/api/v1/services/${id}`, f.svcBDraft, { name: 'Đổi tên' }],
        ['GET', (id) => `/api/v1/versions/${id}`, f.verBDraft],
        [
          'POST',
          (id) => `/api/v1/versions/${id}/submit`,
          f.verBDraft,
          { technicalDocument: '{}', documentType: 'openapi' },
        ],
        ['GET', (id) => `/api/v1/versions/${id}/consumers`, f.verBDraft],
      ];
      for (const [method, path, id, body] of probes) {
        // The same shape of id as B's, so that nothing but existence differs.
        const unknown = `${id.slice(0, -5)}zzzzz`;
        const answer = async (named: string) => {
          const res = await h.call(method, path(named), body, { token: tokens.agencyA });
          // Each answer names its own request (a fresh random id, to quote to the operator): not the object's.
          const answered = withoutRequestId(res.body.replaceAll(named, '<id>'));
          return { status: res.statusCode, body: answered };
        };
        const existing = await answer(id);
        assert.equal(existing.status, 404, `${method} ${path(id)} → ${existing.body}`);
        assert.deepEqual(
          existing,
          await answer(unknown),
          `${method} ${path('<id>')}: B's id vs an unknown one`,
        );
      }
      // A composite's targets too: B's draft is "no such service version", as a made-up one is; a catalogued one
      // (B's published version) is a target A may use.
      const composite = (version: string, target: string) =>
        h.call(
          'POST',
          `/api/v1/services/${f.svcA}/versions`,
          {
            version,
            resources: [{ method: 'GET', path: '/tra-cuu/{id}' }],
            composite: { backends: [{ target, path: '/tra-cuu/{id}' }] },
          },
          { token: tokens.agencyA },
        );
      const [draftTarget, noTarget] = [
        await composite('8.0', '/dancu-moi/1.0'),
        await composite('8.0', '/khong-co/1.0'),
      ];
      assert.equal(draftTarget.statusCode, 400, draftTarget.body);
      assert.deepEqual(
        draftTarget.json().errors.map((e: Json) => e.message.replace('/dancu-moi/1.0', '<target>')),
        noTarget.json().errors.map((e: Json) => e.message.replace('/khong-co/1.0', '<target>')),
        "B's draft as a composite target: the answer of a target that does not exist",
      );
      const catalogued = await composite('8.1', '/dancu/1.0');
      assert.equal(catalogued.statusCode, 201, catalogued.body);
      // The ids in a body are checked the same way: B's provider system is no more known than a made-up one.
      const service = (providerSystemId: string) =>
        h.call(
          'POST',
          '/api/v1/services',
          { context: 'do-tham', name: 'X', providerSystemId },
          { token: tokens.agencyA },
        );
      const [forB, forNone] = [await service(f.sysB), await service('sys_zzzzzzzzzzzzzzzzzzzzzzzzz')];
      assert.equal(forB.statusCode, 404, forB.body);
      assert.equal(forB.json().code, forNone.json().code, 'the same code for B’s system and an unknown one');
    });

    for (const row of ROUTES) {
      const [method, url] = row.route.split(' ') as [string, string];
      test(row.route, async () => {
        const cases = row.cases(f);
        // Auditors read everything and change nothing: every write route refuses them, whatever the object — but
        // their own session and password are theirs.
        if (
          method !== 'GET' &&
          !['/api/v1/auth/logout', '/api/v1/auth/session', '/api/v1/auth/password'].includes(url)
        ) {
          cases.push({ as: 'auditor', path: url.replaceAll(':id', 'x_any'), body: {}, status: 403 });
        }
        for (const c of cases) {
          const where = `${row.route} as ${c.as}: ${c.path} ${c.body ? JSON.stringify(c.body) : ''}`;
          const before = await h.counts();
          const res = await h.call(method, c.path, c.body, { token: tokens[c.as] });
          assert.equal(res.statusCode, c.status, `${where} → ${res.body}`);
          if (c.status >= 400) {
            assert.equal(res.json().code, c.code ?? 'API_FORBIDDEN', where);
            // Nothing written: no row, no audit event, no config revision bump.
            assert.deepEqual(await h.counts(), before, `${where}: nothing written`);
          } else if (method === 'GET') {
            assert.deepEqual(await h.counts(), before, `${where}: a read writes nothing`);
          }
          if (c.check) c.check(res.body ? res.json() : {});
        }
      });
    }

    // After the rows: it adds a subscription of A's, which their lists would count.
    test('a version of another organization that one of its systems is subscribed to is seen, catalogued or not', async () => {
      // A composite's sandbox grants, or the operator, may subscribe A's system to B's version under test: the
      // subscription A reads names it, so A may read it too (docs/security.md §2.10).
      const svc = await h.registry.createService(
        { context: 'dancu-thu', name: 'Dân cư (đang thử)', providerSystemId: f.sysB },
        'test',
      );
      const ver = await h.registry.createVersion(svc.id, { version: '1.0' }, 'test');
      const as = (path: string) => h.call('GET', path, undefined, { token: tokens.agencyA });
      assert.equal(
        (await as(`/api/v1/versions/${ver.id}`)).statusCode,
        404,
        'not seen before the subscription',
      );
      await h.registry.createSubscription(
        { systemId: f.sysA, versionId: ver.id, environment: 'sandbox' },
        'test',
      );
      assert.equal(
        (await as(`/api/v1/versions/${ver.id}`)).statusCode,
        200,
        'the version it is subscribed to',
      );
      assert.equal((await as(`/api/v1/services/${svc.id}`)).statusCode, 200, 'and its service');
      assert.ok(ids((await as('/api/v1/versions?limit=100')).json()).includes(ver.id), 'listed');
      assert.ok(ids((await as('/api/v1/services?limit=100')).json()).includes(svc.id), 'listed');
      assert.equal(
        (await as(`/api/v1/versions/${f.verBDraft}`)).statusCode,
        404,
        'B’s other draft is still not',
      );
    });
  });
}

describe('lgsp user create / list', () => {
  let h: AdminHarness;
  let url: string;
  let dir: string;
  let orgId: string;

  const lgsp = (stdin: string | null, ...args: string[]) =>
    runCli(args, adminEnv(url, h.token, dir), stdin !== null ? { stdin } : {});

  before(async () => {
    h = await openAdminHarness('pglite', { startMs: Date.now() });
    orgId = (await h.registry.createOrganization({ code: A_CODE, name: 'Sở Tư pháp' }, 'test')).id;
    await h.app.listen({ port: 0, host: '127.0.0.1' });
    url = `http://127.0.0.1:${(h.app.server.address() as { port: number }).port}`;
    dir = mkdtempSync(join(tmpdir(), 'lgsp-user-'));
  });
  after(async () => {
    await h?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  test('creates an agency user with the password from stdin; it can sign in; list shows it', async () => {
    const created = await lgsp(
      `${PASSWORD}\n`,
      'user',
      'create',
      '--username',
      'stp-canbo',
      '--display-name',
      'Cán bộ Sở Tư pháp',
      '--role',
      'agency',
      '--org',
      orgId,
      '--password-stdin',
      '--json',
    );
    assert.equal(created.code, 0, created.err);
    const user = JSON.parse(created.out);
    assert.equal(user.role, 'agency');
    assert.equal(user.organizationId, orgId);
    assert.ok(!created.out.includes(PASSWORD), '!created.out.includes(PASSWORD)');
    assert.equal(
      await h.accounts.mustChangePassword(user.id),
      true,
      'a password someone else chose is changed first',
    );
    const session = await h.accounts.login('stp-canbo', PASSWORD);
    assert.equal(session.user.id, user.id);

    const own = await lgsp(
      `${PASSWORD}\n`,
      'user',
      'create',
      '--username',
      'stp-tudong',
      '--display-name',
      'Tài khoản tự động',
      '--role',
      'auditor',
      '--password-stdin',
      '--no-password-change',
      '--json',
    );
    assert.equal(own.code, 0, own.err);
    assert.equal(await h.accounts.mustChangePassword(JSON.parse(own.out).id), false);

    const list = await lgsp(null, 'user', 'list');
    assert.equal(list.code, 0, list.err);
    assert.match(list.out, /stp-canbo/);
    assert.match(list.out, /admin/);
    // The temporary password shows on the account whose password someone else chose, not on its creator's own.
    const rowOf = (username: string) =>
      list.out.split('\n').find((line) => line.includes(` ${username} `)) ?? '';
    assert.match(rowOf('stp-canbo'), /chưa đổi \/ not changed yet/);
    assert.doesNotMatch(rowOf('stp-tudong'), /chưa đổi/);
  });

  test('a wrong role is a usage error (exit 2); agency without --org is refused by the platform (exit 1)', async () => {
    const badRole = await lgsp(
      `${PASSWORD}\n`,
      'user',
      'create',
      '--username',
      'x',
      '--display-name',
      'X',
      '--role',
      'root',
      '--password-stdin',
    );
    assert.equal(badRole.code, 2);
    assert.match(badRole.err, /operator_admin/);
    const noOrg = await lgsp(
      `${PASSWORD}\n`,
      'user',
      'create',
      '--username',
      'x',
      '--display-name',
      'X',
      '--role',
      'agency',
      '--password-stdin',
    );
    assert.equal(noOrg.code, 1);
    assert.match(noOrg.err, /API_VALIDATION_FAILED/);
    const noStdin = await lgsp(
      null,
      'user',
      'create',
      '--username',
      'x',
      '--display-name',
      'X',
      '--role',
      'auditor',
    );
    assert.equal(noStdin.code, 2);
    assert.match(noStdin.err, /--password-stdin/);
  });
});
