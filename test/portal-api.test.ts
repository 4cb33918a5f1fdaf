import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { XMLParser } from 'fast-xml-parser';
import { parse as parseYaml } from 'yaml';
import { loadLogo } from '../src/api/branding.ts';
import { ConfigError, loadConfig } from '../src/core/config.ts';
import { type AdminHarness, openAdminHarness } from './helpers/admin-api.ts';
import { FULL_DESCRIPTION } from './helpers/onboard.ts';
import { storeKinds } from './helpers/stores.ts';
import { wsdl11 } from './helpers/wsdl.ts';

/**
 * The public portal's API (issue 11 items 1 and 4): what an agency reads without signing in — the catalogue with
 * search and paging, each service's description, provider contact point and versions, a live version's API
 * document and operations (never a draft's), the notices as an Atom feed, and the province's branding.
 */

const PUBLIC_URL = 'https://lgsp.angiang.gov.vn';

const OPENAPI_YAML = `openapi: 3.0.3
info: { title: Tra cứu hộ tịch, version: '1.0' }
paths:
  /khaisinh/{soDinhDanh}:
    get:
      operationId: traCuuKhaiSinh
      summary: Tra cứu giấy khai sinh
      parameters: [{ name: soDinhDanh, in: path, required: true, schema: { type: string } }]
      responses: { '200': { description: Thành công } }
    delete:
      parameters: [{ name: soDinhDanh, in: path, required: true, schema: { type: string } }]
      responses: { '204': { description: Đã xoá } }
`;

const WSDL_11 = wsdl11({ name: 'DatDai', operation: 'TraCuuThuaDat' });

const OPENAPI_DRAFT = JSON.stringify({
  openapi: '3.0.3',
  info: { title: 'Bản nháp chưa công bố', version: '2.0' },
  paths: { '/bi-mat': { get: { responses: { '200': { description: 'OK' } } } } },
});

/** A hostile title: markup and an ampersand that must stay text in every answer. */
const HOSTILE_TITLE = '<script>alert("x")</script> Bảo trì & nâng cấp';

interface Seeded {
  hotich: { serviceId: string; v1: string; v2: string };
  datdai: { serviceId: string; v1: string };
  draftOnly: { serviceId: string };
  noticeId: string;
}

/**
 * A province with three services: hộ tịch (1.0 published with an OpenAPI document in YAML, 2.0 submitted), đất
 * đai (1.0 deprecated with a sunset, a WSDL document) and one with a draft only. Versions are submitted through
 * the lifecycle (their documents validated and stored as in production); the review's outcome is then written
 * directly, since the sandbox evidence that normally leads there is not what this suite is about.
 */
async function seed(h: AdminHarness): Promise<Seeded> {
  const { registry, lifecycle, store } = h;
  h.registry.egress.allowTargets('127.0.0.1:9');
  const org = await registry.createOrganization(
    {
      code: '000.00.31.H01',
      name: 'Sở Tư pháp tỉnh An Giang',
      contact: {
        name: 'Lê Văn Cường',
        title: 'Chuyên viên',
        unit: 'Văn phòng',
        phone: '0296 3841 222',
        email: 'stp@angiang.gov.vn',
      },
    },
    'test',
  );
  const tnmt = await registry.createOrganization(
    { code: '000.00.25.H01', name: 'Sở Tài nguyên và Môi trường' },
    'test',
  );
  const provider = await registry.createSystem(
    { organizationId: org.id, name: 'CSDL Hộ tịch', isProvider: true, isConsumer: false },
    'test',
  );
  const land = await registry.createSystem(
    { organizationId: tnmt.id, name: 'CSDL Đất đai', isProvider: true, isConsumer: false },
    'test',
  );
  const service = async (context: string, name: string, providerSystemId: string) =>
    (await registry.createService({ context, name, providerSystemId, description: FULL_DESCRIPTION }, 'test'))
      .id;
  const version = async (
    serviceId: string,
    v: string,
    document?: { technicalDocument: string; documentType: 'openapi' | 'wsdl' },
  ) => {
    const created = await registry.createVersion(
      serviceId,
      {
        version: v,
        upstreams: { sandbox: 'http://127.0.0.1:9/sandbox', production: null },
        resources: [{ method: 'GET', path: '/x' }],
      },
      'test',
    );
    if (document) await lifecycle.submitVersion(created.id, document, 'test');
    return created.id;
  };
  const setStatus = (id: string, status: 'published' | 'deprecated', sunsetAt?: string) =>
    store.db
      .updateTable('service_versions')
      .set({
        status,
        published_at: '2025-02-01T00:00:00Z',
        ...(sunsetAt ? { deprecated_at: '2025-02-15T00:00:00Z', sunset_at: sunsetAt } : {}),
      })
      .where('id', '=', id)
      .execute();

  const hotich = await service('hotich', 'Tra cứu hộ tịch', provider.id);
  const hotichV1 = await version(hotich, '1.0', { technicalDocument: OPENAPI_YAML, documentType: 'openapi' });
  await setStatus(hotichV1, 'published');
  const hotichV2 = await version(hotich, '2.0', {
    technicalDocument: OPENAPI_DRAFT,
    documentType: 'openapi',
  });

  const datdai = await service('datdai', 'Tra cứu thông tin thửa đất', land.id);
  const datdaiV1 = await version(datdai, '1.0', { technicalDocument: WSDL_11, documentType: 'wsdl' });
  await setStatus(datdaiV1, 'deprecated', '2027-06-14T17:00:00Z');

  const draftOnly = await service('nhap', 'Dịch vụ 100%_nháp', provider.id);
  await version(draftOnly, '1.0');

  const noticeId = 'ntc_hostile';
  await store.db
    .insertInto('notices')
    .values({
      id: noticeId,
      kind: 'maintenance',
      title: HOSTILE_TITLE,
      body: 'Bảo trì hệ thống từ 22:00 đến 23:00 ngày 15/06/2027 <b>không</b> gọi được & xin thông cảm.',
      service_id: hotich,
      version_id: null,
      starts_at: '2027-06-15T15:00:00Z',
      ends_at: '2027-06-15T16:00:00Z',
      published_at: '2025-03-01T01:00:00Z',
      created_by: 'test',
    })
    .execute();
  return {
    hotich: { serviceId: hotich, v1: hotichV1, v2: hotichV2 },
    datdai: { serviceId: datdai, v1: datdaiV1 },
    draftOnly: { serviceId: draftOnly },
    noticeId,
  };
}

// biome-ignore lint/suspicious/noExplicitAny: JSON bodies read in assertions
type Json = Record<string, any>;

for (const kind of storeKinds) {
  describe(`public portal API (${kind})`, () => {
    let h: AdminHarness;
    let s: Seeded;
    const get = (url: string) => h.call('GET', url, undefined, { token: null });

    before(async () => {
      h = await openAdminHarness(kind, { overrides: { admin: { publicUrl: `${PUBLIC_URL}/` } } });
      s = await seed(h);
    });
    after(() => h.dispose());

    test('the catalogue lists published and deprecated versions, with state, sunset and where the document is — never a draft', async () => {
      const res = await get('/api/v1/public/services');
      assert.equal(res.statusCode, 200, res.body);
      const page = res.json() as Json;
      assert.equal(page.total, 2);
      assert.deepEqual(
        page.items.map((i: Json) => i.context),
        ['hotich', 'datdai'],
        'by name (Tra cứu hộ tịch, Tra cứu thông tin thửa đất), the draft-only service left out',
      );
      const hotich = page.items.find((i: Json) => i.context === 'hotich');
      assert.deepEqual(
        hotich.versions.map((v: Json) => [v.version, v.status, v.documentType, v.documentUrl]),
        [['1.0', 'published', 'openapi', `${PUBLIC_URL}/api/v1/public/versions/${s.hotich.v1}/document`]],
        'the submitted 2.0 is not public',
      );
      assert.equal(hotich.provider.contact.email, 'stp@angiang.gov.vn');
      assert.equal(hotich.description.capacity, FULL_DESCRIPTION.capacity);
      const datdai = page.items.find((i: Json) => i.context === 'datdai');
      assert.deepEqual(
        datdai.versions.map((v: Json) => [v.status, v.sunsetAt, v.documentType]),
        [['deprecated', '2027-06-14T17:00:00.000Z', 'wsdl']],
      );
      assert.doesNotMatch(res.body, /127\.0\.0\.1|upstream|bi-mat/, 'no upstream address, no draft document');
    });

    test('search ignores case and accents over name, context and provider; % and _ are literal; paging with total', async () => {
      const search = async (query: string) => (await get(`/api/v1/public/services?${query}`)).json() as Json;
      const land = await search('q=TH%E1%BB%ACA'); // "THỬA": the ASCII letters fold, the word is found
      assert.deepEqual([land.total, land.items[0]?.context], [1, 'datdai']);
      assert.equal(
        (await search('q=h%C3%B4tich')).total,
        1,
        '"hôtich": accents are ignored too (migration 0024)',
      );
      assert.equal((await search('q=HOTICH')).total, 1);
      assert.equal((await search('q=000.00.25')).total, 1, 'by the provider’s official code');
      assert.equal(
        (await search(`q=${encodeURIComponent('Tài nguyên')}`)).total,
        1,
        'by the provider’s name',
      );
      assert.equal((await search('q=%25')).total, 0, '% is not a wildcard');
      assert.equal((await search('q=_')).total, 0, '_ is not a wildcard');
      const second = await search('limit=1&offset=1');
      assert.deepEqual([second.total, second.items.length, second.items[0].context], [2, 1, 'datdai']);
      assert.deepEqual((await search('limit=1&offset=5')).items, []);
      for (const bad of ['limit=0', 'limit=501', 'offset=-1', 'limit=abc', 'sort=name']) {
        const res = await get(`/api/v1/public/services?${bad}`);
        assert.equal(res.statusCode, 400, bad);
        assert.equal((res.json() as Json).code, 'API_VALIDATION_FAILED', bad);
      }
    });

    test('one service: description, provider contact point (R-09), versions; a non-public one is 404', async () => {
      const res = await get(`/api/v1/public/services/${s.hotich.serviceId}`);
      assert.equal(res.statusCode, 200, res.body);
      const service = res.json() as Json;
      assert.equal(service.name, 'Tra cứu hộ tịch');
      assert.deepEqual(service.provider, {
        organizationCode: '000.00.31.H01',
        organizationName: 'Sở Tư pháp tỉnh An Giang',
        systemName: 'CSDL Hộ tịch',
        contact: {
          name: 'Lê Văn Cường',
          title: 'Chuyên viên',
          unit: 'Văn phòng',
          phone: '0296 3841 222',
          email: 'stp@angiang.gov.vn',
        },
      });
      for (const id of [s.draftOnly.serviceId, 'svc_does_not_exist']) {
        const missing = await get(`/api/v1/public/services/${id}`);
        assert.equal(missing.statusCode, 404, id);
        assert.equal((missing.json() as Json).code, 'CP_SERVICE_NOT_FOUND');
      }
    });

    test('a published version’s OpenAPI document is served as JSON (even when written in YAML), inert', async () => {
      const res = await get(`/api/v1/public/versions/${s.hotich.v1}/document`);
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.headers['content-type'], 'application/json; charset=utf-8');
      assert.match(String(res.headers['content-security-policy']), /sandbox/);
      // Its server is the version on the gateway, as the branding names it (docs/security.md §2.1).
      const { gatewayUrl } = (await get('/api/v1/public/branding')).json() as Json;
      assert.deepEqual(res.json(), {
        ...parseYaml(OPENAPI_YAML),
        servers: [{ url: `${gatewayUrl}/hotich/1.0` }],
      });
    });

    test('a deprecated version’s WSDL is served as XML, byte for byte but its port’s address: the gateway’s', async () => {
      const res = await get(`/api/v1/public/versions/${s.datdai.v1}/document`);
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.headers['content-type'], 'application/xml; charset=utf-8');
      const { gatewayUrl } = (await get('/api/v1/public/branding')).json() as Json;
      assert.equal(res.body, WSDL_11.replace('https://datdai.example/ws', `${gatewayUrl}/datdai/1.0`));
    });

    test('a draft’s or submitted version’s document is never served: 404, nothing of it in the answer', async () => {
      for (const path of ['document', 'operations']) {
        const res = await get(`/api/v1/public/versions/${s.hotich.v2}/${path}`);
        assert.equal(res.statusCode, 404, path);
        assert.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8');
        assert.equal((res.json() as Json).code, 'CP_VERSION_NOT_FOUND');
        assert.doesNotMatch(res.body, /bi-mat|Bản nháp/);
      }
      assert.equal((await get('/api/v1/public/versions/ver_nope/document')).statusCode, 404);
    });

    test('operations: OpenAPI method, path, summary; WSDL name, messages and SOAP action', async () => {
      const rest = (await get(`/api/v1/public/versions/${s.hotich.v1}/operations`)).json() as Json;
      assert.equal(rest.documentType, 'openapi');
      assert.deepEqual(
        rest.items.map((o: Json) => [o.method, o.path, o.name, o.summary]),
        [
          ['GET', '/khaisinh/{soDinhDanh}', 'traCuuKhaiSinh', 'Tra cứu giấy khai sinh'],
          ['DELETE', '/khaisinh/{soDinhDanh}', null, null],
        ],
      );
      const soap = (await get(`/api/v1/public/versions/${s.datdai.v1}/operations`)).json() as Json;
      assert.equal(soap.documentType, 'wsdl');
      assert.deepEqual(
        soap.items.map((o: Json) => [o.name, o.input, o.output, o.soapAction]),
        [['TraCuuThuaDat', 'tns:YeuCau', 'tns:TraLoi', 'urn:TraCuuThuaDat']],
      );
    });

    test('notices as an Atom feed (RFC 4287): escaped text, tag: ids, links to the portal page; the JSON list still works', async () => {
      const res = await get('/api/v1/public/notices.atom');
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.headers['content-type'], 'application/atom+xml; charset=utf-8');
      assert.doesNotMatch(res.body, /<script>/, 'markup in a title never reaches the feed as markup');
      const parsed = new XMLParser({
        ignoreAttributes: false,
        attributeNamePrefix: '@',
        isArray: (name) => name === 'entry',
      }).parse(res.body) as Json;
      const feed = parsed.feed;
      assert.equal(feed['@xmlns'], 'http://www.w3.org/2005/Atom');
      assert.match(feed.id, /^tag:lgsp\.angiang\.gov\.vn,2026:/);
      assert.ok(feed.updated && feed.author.name, 'feed.updated && feed.author.name');
      const entry = feed.entry.find((e: Json) => e.link['@href'].endsWith(`/portal/notices/${s.noticeId}`));
      assert.ok(entry, 'the notice is an entry');
      assert.equal(entry.title['#text'], HOSTILE_TITLE, 'the title comes back as the very text written');
      assert.equal(entry.id, `tag:lgsp.angiang.gov.vn,2026:notice/${s.noticeId}`);
      assert.equal(entry.link['@href'], `${PUBLIC_URL}/portal/notices/${s.noticeId}`);
      assert.equal(entry.updated, '2025-03-01T01:00:00.000Z');
      assert.equal(entry.category['@term'], 'maintenance');
      assert.match(entry.content['#text'], /<b>không<\/b> gọi được & xin thông cảm/);
      assert.equal(entry.content['@xml:lang'], 'vi');
      // The same feed twice: ids are stable.
      assert.equal((await get('/api/v1/public/notices.atom')).body, res.body);
      const json = await get('/api/v1/public/notices');
      assert.equal(json.statusCode, 200);
      assert.ok(
        (json.json() as Json).items.some((n: Json) => n.title === HOSTILE_TITLE),
        '(json.json() as Json).items.some((n: Json) => n.title === HOSTILE_TITLE)',
      );
    });

    test('branding: the province’s name, colour, logo and where console, portal and gateway are', async () => {
      const res = await get('/api/v1/public/branding');
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(res.json(), {
        provinceName: 'Tỉnh Mẫu / Sample Province',
        shortName: 'LGSP',
        portalTitle: 'Cổng thông tin nhà phát triển LGSP / LGSP developer portal',
        primaryColor: '#1d4f91',
        logoUrl: `${PUBLIC_URL}/api/v1/public/branding/logo`,
        consoleUrl: `${PUBLIC_URL}/`,
        portalUrl: `${PUBLIC_URL}/portal`,
        gatewayUrl: 'http://127.0.0.1:8280',
      });
      const logo = await get('/api/v1/public/branding/logo');
      assert.equal(logo.statusCode, 200);
      assert.equal(logo.headers['content-type'], 'image/svg+xml');
      assert.match(String(logo.headers['content-security-policy']), /sandbox/);
      assert.match(logo.body, /^<svg[^>]*>.*#1d4f91/);
    });
  });
}

describe('branding configuration', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lgsp-branding-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const PNG = Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    Buffer.alloc(64, 7),
  ]);

  test('a PNG logo file is served as it is; name, colour and gateway address come from the configuration', async () => {
    const file = join(dir, 'logo.png');
    writeFileSync(file, PNG);
    const h = await openAdminHarness('pglite', {
      overrides: {
        branding: {
          provinceName: 'Tỉnh An Giang',
          shortName: 'LGSP An Giang',
          logoFile: file,
          primaryColor: '#C8102E',
        },
        gateway: { publicUrl: 'https://api.angiang.gov.vn' },
      },
    });
    try {
      const logo = await h.call('GET', '/api/v1/public/branding/logo', undefined, { token: null });
      assert.equal(logo.headers['content-type'], 'image/png');
      assert.deepEqual(logo.rawPayload, PNG);
      const branding = (
        await h.call('GET', '/api/v1/public/branding', undefined, { token: null })
      ).json() as Json;
      assert.equal(branding.provinceName, 'Tỉnh An Giang');
      assert.equal(branding.primaryColor, '#C8102E');
      assert.equal(branding.gatewayUrl, 'https://api.angiang.gov.vn');
      assert.match(
        branding.consoleUrl,
        /^http:\/\/127\.0\.0\.1:9080\/$/,
        'without admin.publicUrl: the admin address',
      );
    } finally {
      await h.dispose();
    }
  });

  test('a logo that is not PNG/SVG, too large or missing stops the start, naming the setting', () => {
    // loadLogo is what building the admin API calls first (src/api/routes/public.ts): its error stops the start.
    const text = join(dir, 'logo.txt');
    writeFileSync(text, 'not an image');
    const huge = join(dir, 'huge.png');
    writeFileSync(huge, Buffer.concat([PNG, Buffer.alloc(300 * 1024)]));
    for (const [file, why] of [
      [text, /PNG hoặc SVG/],
      [huge, /tối đa 262144/],
      [join(dir, 'missing.svg'), /ENOENT/],
    ] as const) {
      const { branding } = loadConfig({ env: {}, overrides: { branding: { logoFile: file } } });
      assert.throws(
        () => loadLogo(branding),
        (err: Error) =>
          err.message.includes('branding.logoFile (LGSP_BRANDING_LOGO_FILE)') && why.test(err.message),
        file,
      );
    }
  });

  test('a colour that is not #rrggbb, a public address that is not http(s) are refused at start', () => {
    assert.throws(
      () => loadConfig({ env: {}, overrides: { branding: { primaryColor: 'red' } } }),
      (err) => err instanceof ConfigError && /branding\.primaryColor/.test(err.message),
    );
    assert.throws(
      () => loadConfig({ env: { LGSP_ADMIN_PUBLIC_URL: 'javascript:alert(1)' } }),
      (err) => err instanceof ConfigError && /admin\.publicUrl \(LGSP_ADMIN_PUBLIC_URL\)/.test(err.message),
    );
  });
});
