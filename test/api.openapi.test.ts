import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import {
  OPERATION_SCHEMAS,
  OPERATIONS,
  type OperationRequest,
  type OperationResponse,
} from '../src/api/contract/index.ts';
import { compileEverySchema, registeredRoutes } from '../src/api/server.ts';
import { ERRORS } from '../src/core/errors.ts';
import { type AdminHarness, openAdminHarness } from './helpers/admin-api.ts';

// biome-ignore lint/suspicious/noExplicitAny: JSON bodies read in assertions
type Json = Record<string, any>;
const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

// The document does not depend on the store, so PGlite alone is enough here.
describe('admin API OpenAPI document and error registry agree with the code', () => {
  let h: AdminHarness;
  let doc: Json;
  before(async () => {
    h = await openAdminHarness('pglite');
    const res = await h.call('GET', '/api/v1/openapi.json', undefined, { token: null });
    assert.equal(res.statusCode, 200);
    doc = res.json();
  });
  after(() => h.dispose());

  test('is OpenAPI 3.1 with the bearer security scheme', () => {
    assert.equal(doc.openapi, '3.1.0');
    assert.equal(doc.info.title, 'OpenLGSP Admin API');
    assert.deepEqual(doc.components.securitySchemes.bearerAuth, {
      type: 'http',
      scheme: 'bearer',
      description: doc.components.securitySchemes.bearerAuth.description,
    });
    // The console's cookie session is the other way in (issue 11 item 5).
    assert.equal(doc.components.securitySchemes.consoleSession.in, 'cookie');
    assert.deepEqual(doc.security, [{ bearerAuth: [] }, { consoleSession: [] }]);
  });

  test('lists exactly the registered routes, each with tags, a bilingual summary and responses', () => {
    const routes = registeredRoutes(h.app);
    assert.ok(routes.length >= 30, `only ${routes.length} routes`);
    const documented = new Set<string>();
    for (const [path, operations] of Object.entries(doc.paths as Record<string, Json>)) {
      for (const [method, op] of Object.entries(operations)) {
        if (!METHODS.includes(method)) continue;
        documented.add(`${method.toUpperCase()} ${path}`);
        const where = `${method} ${path}`;
        assert.ok(op.tags?.length === 1, `${where}: tags`);
        assert.match(op.summary ?? '', / \/ /, `${where}: summary "Tiếng Việt / English"`);
        // A browser redirect (the OIDC sign-in's two steps) is the success of its operation.
        const success = Object.keys(op.responses).filter((s) => s.startsWith('2') || s === '302');
        assert.ok(success.length > 0, `${where}: success response`);
        for (const status of success) {
          assert.notEqual(op.responses[status].description, 'Default Response', `${where} ${status}`);
        }
        if (['post', 'patch'].includes(method) && !path.endsWith('/logout') && !path.endsWith('/revoke')) {
          const schema = op.requestBody?.content?.['application/json']?.schema;
          assert.ok(schema, `${where}: request body schema`);
          assert.equal(schema.additionalProperties, false, `${where}: strict body`);
        }
      }
    }
    // Hidden on purpose (`schema.hide`): GET /metrics, Prometheus' format rather than part of the API.
    const registered = new Set(
      routes.filter((r) => !r.hidden).map((r) => `${r.method} ${r.url.replace(/:(\w+)/g, '{$1}')}`),
    );
    assert.deepEqual([...registered].sort(), [...documented].sort());
  });

  test("every route's request and response schemas compile (they compile on first use, not at start)", () => {
    // A schema Ajv's strict mode or fast-json-stringify refuses would otherwise show only on its route's first call.
    const compiled = compileEverySchema(h.app);
    assert.ok(compiled >= 100, `only ${compiled} schemas`);
    // Compiled once: a second pass finds them built.
    assert.equal(compileEverySchema(h.app), compiled);
  });

  test('every operation has a unique operationId from the operations table, and the table has no extra entry', () => {
    const seen = new Map<string, string>();
    for (const [path, operations] of Object.entries(doc.paths as Record<string, Json>)) {
      for (const [method, op] of Object.entries(operations)) {
        if (!METHODS.includes(method)) continue;
        const where = `${method.toUpperCase()} ${path}`;
        assert.equal(typeof op.operationId, 'string', `${where}: operationId`);
        assert.equal(
          seen.get(op.operationId),
          undefined,
          `${where}: operationId ${op.operationId} used twice`,
        );
        seen.set(op.operationId, where);
      }
    }
    const table = Object.entries(OPERATIONS).map(
      ([id, { method, path }]) => [id, `${method} ${path.replace(/:(\w+)/g, '{$1}')}`] as const,
    );
    assert.deepEqual(
      [...seen].sort(([a], [b]) => a.localeCompare(b)),
      table.sort(([a], [b]) => a.localeCompare(b)),
    );
    for (const id of Object.keys(OPERATIONS)) assert.match(id, /^[a-z][a-zA-Z]+$/, `${id} is camelCase`);
  });

  test('the contract names the schemas of every operation, and clients derive their types from them', () => {
    assert.deepEqual(Object.keys(OPERATION_SCHEMAS).sort(), Object.keys(OPERATIONS).sort());
    // Checked by the type-checker: a request has exactly the parts its operation takes, an answer its shape.
    const get: OperationRequest<'getOrganization'> = { params: { id: 'org_1' } };
    // @ts-expect-error getOrganization takes no body
    const withBody: OperationRequest<'getOrganization'> = { params: { id: 'org_1' }, body: {} };
    const create: OperationRequest<'createSystem'> = { body: { organizationId: 'org_1', name: 'Một cửa' } };
    const page: OperationResponse<'listTransactions'> = { items: [], nextCursor: null };
    const letter: OperationResponse<'getConnectionRequestLetter'> = new Uint8Array();
    assert.ok(get && withBody && create && page && letter, 'get && withBody && create && page && letter');
  });

  test('names the admin API server: the configured address', () => {
    const { host, port } = h.config.admin;
    assert.deepEqual(
      doc.servers.map((s: Json) => s.url),
      [`http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`],
    );
  });

  test('protected operations declare 401 with the Problem schema; public ones opt out of security', () => {
    const publicPaths = [
      '/healthz',
      '/readyz',
      '/api/v1/openapi.json',
      '/api/v1/jwks.json',
      '/api/v1/auth/login',
      // Signing in to the console, and with SSO (issue 11 item 5).
      '/api/v1/auth/options',
      '/api/v1/auth/oidc/start',
      '/api/v1/auth/oidc/callback',
      // The portal reads these without login.
      '/api/v1/public/notices',
      '/api/v1/public/services',
      '/api/v1/public/contacts',
      '/api/v1/public/services/{id}',
      '/api/v1/public/versions/{id}/document',
      '/api/v1/public/versions/{id}/operations',
      '/api/v1/public/notices.atom',
      '/api/v1/public/notices/{id}',
      '/api/v1/public/branding',
      '/api/v1/public/branding/logo',
    ];
    for (const [path, operations] of Object.entries(doc.paths as Record<string, Json>)) {
      for (const [method, op] of Object.entries(operations)) {
        if (!METHODS.includes(method)) continue;
        // POST /api/v1/auth/session signs in and GET says whether this browser is signed in (200, user null when
        // not); DELETE needs the session cookie.
        if (
          publicPaths.includes(path) ||
          ['post /api/v1/auth/session', 'get /api/v1/auth/session'].includes(`${method} ${path}`)
        ) {
          assert.deepEqual(op.security, [], `${method} ${path} is public`);
          continue;
        }
        assert.equal(op.security, undefined, `${method} ${path} uses the default bearer security`);
        const unauthorized = op.responses['401']?.content?.['application/problem+json']?.schema;
        assert.deepEqual(unauthorized, { $ref: '#/components/schemas/Problem' }, `${method} ${path}`);
      }
    }
  });

  test('every response declares the X-LGSP-Transaction-Id header every answer carries', () => {
    const ref = { $ref: '#/components/headers/TransactionId' };
    assert.equal(doc.components.headers.TransactionId.schema.type, 'string');
    let responses = 0;
    for (const [path, operations] of Object.entries(doc.paths as Record<string, Json>)) {
      for (const [method, op] of Object.entries(operations)) {
        if (!METHODS.includes(method)) continue;
        for (const [status, response] of Object.entries(op.responses as Record<string, Json>)) {
          assert.deepEqual(response.headers?.['X-LGSP-Transaction-Id'], ref, `${method} ${path} ${status}`);
          responses++;
        }
      }
    }
    assert.ok(responses > 100, `only ${responses} responses`);
  });

  test('the Problem schema lists every registered error code', () => {
    const problem = doc.components.schemas.Problem;
    assert.deepEqual([...problem.properties.code.enum].sort(), Object.keys(ERRORS).sort());
  });

  test('docs/errors.md has one row per error code, with its HTTP status and both titles', () => {
    const markdown = readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8');
    const rows = new Map<string, string[]>();
    for (const line of markdown.split('\n')) {
      const m = /^\| `([A-Z0-9_]+)` \| (.*) \|$/.exec(line);
      if (m)
        rows.set(
          m[1]!,
          m[2]!.split(/ (?<!\\)\| /).map((c) => c.replaceAll('\\|', '|')),
        );
    }
    const hint = 'regenerate with: node --import tsx src/api/errors-doc.ts';
    for (const [code, spec] of Object.entries(ERRORS)) {
      assert.deepEqual(rows.get(code), [String(spec.status), spec.titleVi, spec.title], `${code} (${hint})`);
    }
    const stale = [...rows.keys()].filter((code) => !(code in ERRORS));
    assert.deepEqual(stale, [], `codes in docs/errors.md that are not in the registry (${hint})`);
  });
});
