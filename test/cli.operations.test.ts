import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DOCX_MEDIA_TYPE } from '../src/api/contract/index.ts';
import { OPERATIONS, type OperationId } from '../src/api/contract/operations.ts';
import { GLOBAL_OPTIONS } from '../src/cli/args.ts';
import { ApiClient, ApiError, operationPath } from '../src/cli/client.ts';
import { COMMAND_GROUPS, SINGLE_COMMANDS } from '../src/cli/main.ts';
import { type AdminHarness, openAdminHarness } from './helpers/admin-api.ts';

// biome-ignore lint/suspicious/noExplicitAny: JSON bodies read in assertions
type Json = Record<string, any>;

const CLI_DIR = new URL('../src/cli/', import.meta.url).pathname;

function sourcesUnder(dir: string): Array<{ file: string; text: string }> {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => ({ file: f, text: readFileSync(join(dir, f), 'utf8') }));
}

/**
 * Every operation the CLI names, read from its source: the first argument of each `.call(`. One that is not a
 * literal would escape this reading, so it is reported instead.
 */
function operationsNamedByCli(): { named: Map<string, string[]>; unread: string[] } {
  const named = new Map<string, string[]>();
  const unread: string[] = [];
  const pattern = /(\.call)\s*\(\s*([^,)\s]+)/g;
  for (const { file, text } of sourcesUnder(CLI_DIR)) {
    for (const match of text.matchAll(pattern)) {
      const [, callee, first] = match as unknown as [string, string, string];
      const literal = /^'([^']*)'$/.exec(first)?.[1];
      if (literal !== undefined) named.set(literal, [...(named.get(literal) ?? []), file]);
      else unread.push(`${file}: ${callee}(${first}`);
    }
  }
  return { named, unread };
}

describe('every CLI call names an operation of the admin API', () => {
  let h: AdminHarness;
  /** operationId → "METHOD /path" as the running platform documents it. */
  const documented = new Map<string, string>();

  before(async () => {
    // The document does not depend on the store, so the in-process admin API on PGlite is enough.
    h = await openAdminHarness('pglite');
    const res = await h.call('GET', '/api/v1/openapi.json', undefined, { token: null });
    assert.equal(res.statusCode, 200);
    const doc = res.json() as Json;
    for (const [path, operations] of Object.entries(doc.paths as Record<string, Json>)) {
      for (const [method, op] of Object.entries(operations)) {
        if (op?.operationId) documented.set(op.operationId, `${method.toUpperCase()} ${path}`);
      }
    }
  });
  after(() => h.dispose());

  test('each operationId in src/cli is in /api/v1/openapi.json, with the method and path of the table', () => {
    const { named, unread } = operationsNamedByCli();
    assert.deepEqual(unread, [], 'calls whose operation the scan cannot read');
    // The commands make about sixty calls to about sixty operations; a scan finding few has stopped reading them.
    assert.ok(named.size >= 50, `only ${named.size} operations found in src/cli`);
    for (const [operationId, files] of named) {
      const operation = Object.hasOwn(OPERATIONS, operationId)
        ? OPERATIONS[operationId as OperationId]
        : undefined;
      assert.ok(operation, `${operationId} (${files.join(', ')}) is not in the operations table`);
      const openApiPath = operation.path.replace(/:(\w+)/g, '{$1}');
      assert.equal(
        documented.get(operationId),
        `${operation.method} ${openApiPath}`,
        `${operationId} (${files.join(', ')}) in /api/v1/openapi.json`,
      );
    }
  });

  test('no command writes an API path', () => {
    for (const { file, text } of sourcesUnder(join(CLI_DIR, 'commands'))) {
      assert.doesNotMatch(text, /['"`]\/api\/v1\//, `src/cli/commands/${file}`);
    }
  });

  test('the types refuse an unknown operationId, a missing path parameter, a body the operation does not take', () => {
    const api = new ApiClient('http://127.0.0.1:9', null);
    // Never run: only type-checked (`npx tsc --noEmit`), where an unknown operationId is an error.
    const unknownOperation = () =>
      // @ts-expect-error 'listEverything' is not an operationId.
      api.call('listEverything');
    const missingParameter = () =>
      // @ts-expect-error getOrganization needs its path parameter `id`.
      api.call('getOrganization');
    const wrongBody = () =>
      // @ts-expect-error createOrganization's body has no `title`.
      api.call('createOrganization', { body: { code: '000.00.31.H01', name: 'Sở', title: 'x' } });
    assert.equal(typeof unknownOperation, 'function');
    assert.equal(typeof missingParameter, 'function');
    assert.equal(typeof wrongBody, 'function');
  });
});

describe('the typed client', () => {
  let server: Server;
  let baseUrl: string;
  const seen: Array<{ method: string; url: string; authorization?: string; body: string }> = [];

  before(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => {
        body += chunk;
      });
      req.on('end', () => {
        seen.push({ method: req.method!, url: req.url!, authorization: req.headers.authorization, body });
        if (req.url!.includes('/missing')) {
          res.writeHead(404, { 'content-type': 'application/problem+json' });
          res.end(JSON.stringify({ code: 'CP_NOT_FOUND', title: 'Không tìm thấy / Not found', status: 404 }));
          return;
        }
        if (req.url!.endsWith('/letter.docx')) {
          res.writeHead(200, { 'content-type': DOCX_MEDIA_TYPE });
          res.end('PK-docx');
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
        res.end(JSON.stringify({ ok: true }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  test('fills path parameters, each as one URL-encoded segment', () => {
    assert.equal(operationPath('getOrganization', { id: '../x' }), '/api/v1/organizations/..%2Fx');
    assert.equal(
      operationPath('collectSubscriptionRequestCredential', { id: 'sreq_1', environment: 'sandbox' }),
      '/api/v1/subscription-requests/sreq_1/credentials/sandbox/collect',
    );
    assert.throws(() => operationPath('getOrganization', {}), /missing path parameter id/);
  });

  test("sends the operation's method and path, the query without empty values, the body and the token", async () => {
    const api = new ApiClient(baseUrl, 'tok');
    seen.length = 0;
    assert.deepEqual(
      await api.call('updateOrganization', { params: { id: 'org_1' }, body: { name: 'Sở' } }),
      {
        ok: true,
      },
    );
    await api.call('listTransactions', {
      query: {
        consumerSystemId: 'sys_1',
        providerSystemId: '',
        serviceId: undefined,
        cursor: null,
        limit: 2,
      },
    });
    await api.call('login', { body: { username: 'admin', password: 'x' }, auth: false });
    assert.deepEqual(seen, [
      {
        method: 'PATCH',
        url: '/api/v1/organizations/org_1',
        authorization: 'Bearer tok',
        body: '{"name":"Sở"}',
      },
      {
        method: 'GET',
        url: '/api/v1/transactions?consumerSystemId=sys_1&limit=2',
        authorization: 'Bearer tok',
        body: '',
      },
      {
        method: 'POST',
        url: '/api/v1/auth/login',
        authorization: undefined,
        body: '{"username":"admin","password":"x"}',
      },
    ]);
  });

  test('an answer that is a file comes back as its bytes', async () => {
    const letter = await new ApiClient(baseUrl, 'tok').call('getConnectionRequestLetter', {
      params: { id: 'creq_1' },
    });
    assert.ok(letter instanceof Uint8Array, 'letter instanceof Uint8Array');
    assert.equal(Buffer.from(letter).toString(), 'PK-docx');
  });

  test('a problem+json answer becomes an ApiError with its code, for JSON and for files alike', async () => {
    const api = new ApiClient(baseUrl, null);
    for (const attempt of [
      () => api.call('getOrganization', { params: { id: 'missing' } }),
      () => api.call('getConnectionRequestLetter', { params: { id: 'missing' } }),
    ]) {
      await assert.rejects(attempt, (err: unknown) => {
        assert.ok(err instanceof ApiError, 'err instanceof ApiError');
        assert.equal(err.status, 404);
        assert.equal(err.problem?.code, 'CP_NOT_FOUND');
        return true;
      });
    }
  });
});

describe('no command option is a global option', () => {
  test('every group and single command leaves --url, --token, --json and --help to mean what they mean everywhere', async () => {
    // `lgsp webhook create --url https://…` took the webhook's address as the admin API's and sent the request
    // there (ENOTFOUND): an option a command declares with a global one's name is read as both.
    const globals = new Set(Object.keys(GLOBAL_OPTIONS));
    const shadowing: string[] = [];
    let seen = 0;
    const commands: Array<[string, { options?: Record<string, unknown> }]> = [
      ...COMMAND_GROUPS.flatMap((group) =>
        Object.entries(group.subcommands).map(
          ([name, sub]) => [`${group.name} ${name}`, sub] as [string, { options?: Record<string, unknown> }],
        ),
      ),
      ...Object.entries(SINGLE_COMMANDS),
    ];
    for (const [label, sub] of commands) {
      seen += 1;
      for (const option of Object.keys(sub.options ?? {})) {
        if (globals.has(option)) shadowing.push(`lgsp ${label} --${option}`);
      }
    }
    assert.ok(seen > 100, `read ${seen} commands`);
    assert.deepEqual(shadowing, []);
  });
});
