import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { after, before, describe, test } from 'node:test';
import { crc32, deflateRawSync } from 'node:zlib';
import ExcelJS from 'exceljs';
import { sql } from 'kysely';
import { PLATFORM_CATEGORY_PROVIDER } from '../src/api/contract/sandbox-try.ts';
import { assertZipBounded, readXlsxRows } from '../src/control/categories/files.ts';
import { readFileRowsOffThread } from '../src/control/categories/read-rows.ts';
import { seedDemoCategories } from '../src/control/categories/seed.ts';
import { categoryAnswer } from '../src/gateway/categories.ts';
import { compileCategories } from '../src/gateway/categories-table.ts';
import type { Platform } from '../src/platform.ts';
import { migrate } from '../src/store/migrate.ts';
import { adminEnv, runCli } from './helpers/cli.ts';
import { storeKinds } from './helpers/stores.ts';
import { startTestPlatform, TEST_PLATFORM_PASSWORD, type TestPlatform } from './helpers/test-platform.ts';

/**
 * Issue 12 item 7: shared category lists — imported from CSV and XLSX with hostile files refused row and column
 * named, versioned (a new version replaces the served items, the old ones stay), mapped from local to national
 * codes, and served by the gateway as the built-in `/dmdc/1.0` to a consumer with a token and a subscription,
 * refused without one, every call recorded. On the embedded store and on PostgreSQL when its URL is set.
 */

// biome-ignore lint/suspicious/noExplicitAny: JSON bodies read in assertions
type Json = Record<string, any>;

const FIELDS = [
  { name: 'Ma', type: 'string', description: 'Mã' },
  { name: 'Ten', type: 'string', description: 'Tên' },
  { name: 'SoDan', type: 'integer', description: 'Dân số' },
  { name: 'NgayLap', type: 'date', description: 'Ngày thành lập' },
] as const;

async function xlsxBase64(rows: Array<Array<string | number | Date>>): Promise<string> {
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet('DanhMuc');
  for (const row of rows) sheet.addRow(row);
  return Buffer.from(await workbook.xlsx.writeBuffer()).toString('base64');
}

/** A one-entry ZIP (deflated) of `inflated`, whose headers declare `declared` unpacked bytes. */
function zipOf(name: string, inflated: Buffer, declared: number): Buffer {
  return zipOfEntries([[name, inflated, declared]]);
}

/** A ZIP of the entries (each deflated), its headers declaring their sizes (true ones unless `declared`) and CRCs. */
function zipOfEntries(entries: Array<[name: string, data: Buffer, declared?: number]>): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let at = 0;
  for (const [name, inflated, declared = inflated.length] of entries) {
    const data = deflateRawSync(inflated, { level: 9 });
    const file = Buffer.from(name);
    const crc = crc32(inflated);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(declared, 22);
    local.writeUInt16LE(file.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(declared, 24);
    central.writeUInt16LE(file.length, 28);
    central.writeUInt32LE(at, 42);
    locals.push(local, file, data);
    centrals.push(central, file);
    at += 30 + file.length + data.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(at, 16);
  return Buffer.concat([...locals, directory, end]);
}

/** A minimal workbook whose one sheet is `sheetXml` (the parts exceljs needs to open it). */
function workbookWithSheet(sheetXml: Buffer): Buffer {
  const ns = 'http://schemas.openxmlformats.org';
  return zipOfEntries([
    [
      '[Content_Types].xml',
      Buffer.from(
        `<?xml version="1.0"?><Types xmlns="${ns}/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>`,
      ),
    ],
    [
      '_rels/.rels',
      Buffer.from(
        `<?xml version="1.0"?><Relationships xmlns="${ns}/package/2006/relationships"><Relationship Id="rId1" Type="${ns}/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
      ),
    ],
    [
      'xl/workbook.xml',
      Buffer.from(
        `<?xml version="1.0"?><workbook xmlns="${ns}/spreadsheetml/2006/main" xmlns:r="${ns}/officeDocument/2006/relationships"><sheets><sheet name="DanhMuc" sheetId="1" r:id="rId1"/></sheets></workbook>`,
      ),
    ],
    [
      'xl/_rels/workbook.xml.rels',
      Buffer.from(
        `<?xml version="1.0"?><Relationships xmlns="${ns}/package/2006/relationships"><Relationship Id="rId1" Type="${ns}/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`,
      ),
    ],
    ['xl/worksheets/sheet1.xml', sheetXml],
  ]);
}

describe('a category file is read on a thread of its own', () => {
  test('a workbook that unpacks to a huge sheet: refused within a memory bound, the event loop never held', {
    timeout: 120_000,
  }, async () => {
    const ns = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
    // 3.7 million rows: 96 MB of sheet, within the 100 MiB a workbook may unpack to (and 240 KB of file).
    const row = Buffer.from('<row><c><v>1</v></c></row>');
    const rows = Buffer.alloc(3_700_000 * row.length);
    for (let i = 0; i < 3_700_000; i++) row.copy(rows, i * row.length);
    const sheet = Buffer.concat([
      Buffer.from(`<?xml version="1.0"?><worksheet xmlns="${ns}"><sheetData>`),
      rows,
      Buffer.from('</sheetData></worksheet>'),
    ]);
    const file = workbookWithSheet(sheet).toString('base64');
    assert.ok(file.length < 5 * 1024 * 1024, `within the 5 MiB a file may have: ${file.length}`);
    // The same parts around a small sheet read as a workbook: what is refused below is the size, not the form.
    const small = workbookWithSheet(
      Buffer.from(
        `<?xml version="1.0"?><worksheet xmlns="${ns}"><sheetData><row r="1"><c r="A1"><v>1</v></c></row></sheetData></worksheet>`,
      ),
    ).toString('base64');
    assert.deepEqual(
      (await readFileRowsOffThread('xlsx', small)).map((r) => r.cells),
      [['1']],
    );
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    const rssBefore = process.memoryUsage().rss;
    try {
      await assert.rejects(readFileRowsOffThread('xlsx', file), { code: 'CP_CATEGORY_FILE_TOO_LARGE' });
    } finally {
      delay.disable();
    }
    // Read on this thread, exceljs held the loop for ≈ 10 s and took ≈ 2.4 GB for such a file.
    assert.ok(delay.max / 1e6 < 1_000, `the event loop was held ${Math.round(delay.max / 1e6)} ms at most`);
    assert.ok(
      process.memoryUsage().rss - rssBefore < 1024 * 1024 * 1024,
      'the reading thread is bounded by its heap limit',
    );
  });
});

describe('XLSX files are bounded by what they really unpack to (zip bombs)', () => {
  test('an entry declaring 100 bytes that inflates to 64 MiB is refused without inflating it all', async () => {
    // 64 KiB of deflate; before, the reader inflated all of it (a 5 MiB file: some 5 GiB) before it noticed.
    const bomb = zipOf('xl/worksheets/sheet1.xml', Buffer.alloc(64 * 1024 * 1024, 0x20), 100);
    assert.ok(bomb.length < 100_000, `a small file: ${bomb.length} bytes`);
    const rssBefore = process.memoryUsage().rss;
    await assert.rejects(assertZipBounded(bomb), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'CP_CATEGORY_FILE_INVALID');
      assert.match(err.message, /không phải tệp XLSX \/ not an XLSX workbook/);
      return true;
    });
    await assert.rejects(readXlsxRows(bomb), { code: 'CP_CATEGORY_FILE_INVALID' });
    assert.ok(process.memoryUsage().rss - rssBefore < 32 * 1024 * 1024, 'the entry was not inflated whole');
  });

  test('a directory with more entries than its end record declares is counted as the reader reads it', async () => {
    const one = zipOf('a.xml', Buffer.from('<a/>'), 4);
    const centralAt = one.readUInt32LE(one.length - 6);
    const central = one.subarray(centralAt, one.length - 22);
    const entries = Buffer.concat(Array.from({ length: 600 }, () => central));
    const end = Buffer.from(one.subarray(one.length - 22));
    end.writeUInt32LE(entries.length, 12);
    const zip = Buffer.concat([one.subarray(0, centralAt), entries, end]);
    await assert.rejects(assertZipBounded(zip), { code: 'CP_CATEGORY_FILE_TOO_LARGE' });
  });

  test('a workbook as exceljs writes it passes, and a lying size is refused', async () => {
    const workbook = Buffer.from(
      await xlsxBase64([
        ['Ma', 'Ten'],
        ['01', 'Hà Nội'],
      ]),
      'base64',
    );
    await assertZipBounded(workbook);
    assert.deepEqual(
      (await readXlsxRows(workbook)).map((r) => r.cells),
      [
        ['Ma', 'Ten'],
        ['01', 'Hà Nội'],
      ],
    );
    await assert.rejects(assertZipBounded(zipOf('a.xml', Buffer.from('<a>x</a>'), 4)), {
      code: 'CP_CATEGORY_FILE_INVALID',
    });
  });
});

describe('the /dmdc/1.0 answers as a pure decision (no sockets)', () => {
  const categories = compileCategories([
    {
      code: 'GIOITINH',
      nameVi: 'Giới tính',
      nameEn: 'Sex',
      description: '',
      source: 'ISO/IEC 5218',
      version: 3,
      effectiveAtMs: Date.UTC(2026, 0, 1),
      fields: [
        { name: 'Ma', type: 'string', description: '' },
        { name: 'Ten', type: 'string', description: '' },
      ],
      items: [
        { Ma: '1', Ten: 'Nam' },
        { Ma: '2', Ten: 'Nữ' },
      ],
    },
  ]);
  const cases: Array<[string, string, number | string]> = [
    ['/AllCategory', '', 1],
    ['/Category/GIOITINH', '?page=2&pageSize=1', 'Nữ'],
    ['/Category/GIOITINH', '?PageIndex=2&PageSize=1', 'Nữ'],
    ['/Category/GIOITINH', '?pageindex=1&pagesize=1', 'Nam'],
    ['/Category/GIOITINH', '?code=2', 'Nữ'],
    ['/Category/GIOITINH', '?page=0', 'GW_CATEGORY_QUERY_INVALID'],
    ['/Category/GIOITINH', '?pageSize=1001', 'GW_CATEGORY_QUERY_INVALID'],
    ['/Category/GIOITINH', '?pageSize=abc', 'GW_CATEGORY_QUERY_INVALID'],
    ['/Category/KHONGCO', '', 'GW_CATEGORY_NOT_FOUND'],
    ['/Metadata/%E0%A4%A', '', 'GW_CATEGORY_NOT_FOUND'],
  ];
  for (const [path, query, expected] of cases) {
    test(`${path}${query} → ${expected}`, () => {
      const answer = categoryAnswer(categories, path, query);
      if (typeof expected === 'string' && expected.startsWith('GW_')) {
        assert.equal(answer.ok, false);
        assert.equal((answer as { code: string }).code, expected);
        return;
      }
      assert.equal(answer.ok, true);
      const value = (answer as { value: Json }).value;
      if (typeof expected === 'number') assert.equal(value['TotalRecord'], expected);
      else assert.equal(value['Data'][0]['Ten'], expected);
    });
  }
});

for (const kind of storeKinds) {
  describe(`shared category lists (${kind})`, () => {
    let platform: Platform;
    let started: TestPlatform | null = null;
    let operatorToken = '';
    let accessToken = '';
    let consumerSystemId = '';

    const api = async (method: string, path: string, body?: unknown, token = operatorToken) => {
      const res = await fetch(`${platform.adminUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      return { status: res.status, json: (await res.json()) as Json };
    };
    const gateway = async (path: string, token = accessToken) => {
      const res = await fetch(`${platform.gatewayUrl}${path}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      return { status: res.status, headers: res.headers, json: (await res.json()) as Json };
    };

    before(async () => {
      started = await startTestPlatform(kind);
      platform = started.platform;
      const login = await fetch(`${platform.adminUrl}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'admin', password: TEST_PLATFORM_PASSWORD }),
      });
      operatorToken = ((await login.json()) as Json)['token'];
      const { registry } = platform;
      const org = await registry.createOrganization({ code: '000.00.12.H01', name: 'Sở Tư pháp' }, 't');
      const system = await registry.createSystem(
        { organizationId: org.id, name: 'Hộ tịch', isProvider: false, isConsumer: true },
        't',
      );
      consumerSystemId = system.id;
      const credential = await registry.issueCredential(system.id, 'production', 't');
      await platform.snapshots.refresh();
      const basic = Buffer.from(`${credential.consumerKey}:${credential.consumerSecret}`).toString('base64');
      const token = await fetch(`${platform.gatewayUrl}/token`, {
        method: 'POST',
        headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=client_credentials',
      });
      accessToken = ((await token.json()) as Json)['access_token'];
    });

    after(async () => {
      await started?.stop();
    });

    test('the built-in service is in the registry, published, once', async () => {
      const ref = await api('GET', '/api/v1/category-service');
      assert.equal(ref.status, 200);
      assert.equal(ref.json['context'], 'dmdc');
      const version = await api('GET', `/api/v1/versions/${ref.json['versionId']}`);
      assert.equal(version.json['status'], 'published');
      // Start-up again finds it: nothing new is made.
      assert.deepEqual(await platform.categories.ensureService(), ref.json);
    });

    test('its provider is stored with Vietnamese names, and the names an earlier version glued are migrated', async () => {
      const { db } = platform.store;
      const row = await db
        .selectFrom('builtin_services')
        .selectAll()
        .where('kind', '=', 'categories')
        .executeTakeFirstOrThrow();
      const names = async () => {
        const organization = await platform.registry.getOrganization(row.organization_id);
        const system = await platform.registry.getSystem(row.system_id);
        const service = await platform.registry.getService(row.service_id);
        return [organization.code, organization.name, system.name, system.description, service.name];
      };
      const stored = [
        PLATFORM_CATEGORY_PROVIDER.organizationCode,
        PLATFORM_CATEGORY_PROVIDER.organizationName.vi,
        PLATFORM_CATEGORY_PROVIDER.systemName.vi,
        'Do nền tảng tạo; cổng kết nối tự trả lời các lời gọi /dmdc/1.0 từ danh mục đã nhập.',
        'Danh mục dùng chung',
      ];
      assert.deepEqual(await names(), stored);
      // A store an earlier version made: both languages in one string, then this version's migration.
      await sql`UPDATE organizations SET name = 'Nền tảng LGSP — danh mục dùng chung / LGSP platform — shared category lists'
        WHERE id = ${row.organization_id}`.execute(db);
      await sql`UPDATE systems SET name = 'Danh mục dùng chung của nền tảng / Platform shared category lists',
        description = 'Do nền tảng tạo; cổng kết nối tự trả lời các lời gọi /dmdc/1.0 từ danh mục đã nhập. / Made by the platform; the gateway answers /dmdc/1.0 calls itself from the imported lists.'
        WHERE id = ${row.system_id}`.execute(db);
      await sql`UPDATE services SET name = 'Danh mục dùng chung / Shared category lists'
        WHERE id = ${row.service_id}`.execute(db);
      await sql`DELETE FROM schema_migrations WHERE version = '0042_category_provider_names'`.execute(db);
      await migrate(platform.store);
      assert.deepEqual(await names(), stored);
    });

    test('a list imported from CSV, then a new version from XLSX; history kept', async () => {
      const created = await api('POST', '/api/v1/categories', {
        code: 'DVHC',
        nameVi: 'Đơn vị hành chính (thử)',
        nameEn: 'Administrative units (test)',
        fields: FIELDS,
      });
      assert.equal(created.status, 201, JSON.stringify(created.json));
      assert.equal(created.json['currentVersion'], null);
      const csv =
        '\uFEFFMa,Ten,SoDan,NgayLap\r\n01,"Hà Nội, thủ đô",8000000,01/10/1010\r\n79,TP Hồ Chí Minh,9000000,1976-07-02\r\n';
      const v1 = await api('POST', '/api/v1/categories/DVHC/versions', {
        format: 'csv',
        content: csv,
        note: 'lần đầu',
      });
      assert.equal(v1.status, 201, JSON.stringify(v1.json));
      assert.equal(v1.json['version'], 1);
      assert.equal(v1.json['itemCount'], 2);
      const items = await api('GET', '/api/v1/categories/DVHC/items');
      assert.deepEqual(items.json['items'][0]['data'], {
        Ma: '01',
        Ten: 'Hà Nội, thủ đô',
        SoDan: 8000000,
        NgayLap: '1010-10-01',
      });
      const content = await xlsxBase64([
        ['Ten', 'Ma', 'SoDan', 'NgayLap'],
        ['Hà Nội', '01', 8500000, new Date(Date.UTC(1010, 9, 1))],
        ['Đà Nẵng', '48', 1200000, '01/01/1997'],
        ['Cần Thơ', '92', 1250000, '2004-01-01'],
      ]);
      const v2 = await api('POST', '/api/v1/categories/DVHC/versions', { format: 'xlsx', content });
      assert.equal(v2.status, 201, JSON.stringify(v2.json));
      assert.equal(v2.json['version'], 2);
      const history = await api('GET', '/api/v1/categories/DVHC/versions');
      assert.deepEqual(
        history.json['items'].map((v: Json) => [v.version, v.current, v.origin]),
        [
          [2, true, 'xlsx'],
          [1, false, 'csv'],
        ],
      );
      const old = await api('GET', '/api/v1/categories/DVHC/items?version=1&q=79');
      assert.equal(old.json['total'], 1);
      const page = await api('GET', '/api/v1/categories/DVHC/items?limit=2&offset=2');
      assert.deepEqual([page.json['total'], page.json['items'][0]['code']], [3, '92']);
      const audit = await platform.store.db
        .selectFrom('audit_events')
        .select('action')
        .where('object_id', '=', 'DVHC')
        .execute();
      assert.deepEqual(audit.map((a) => a.action).sort(), [
        'category_list.create',
        'category_list.import',
        'category_list.import',
      ]);
    });

    test('bad files are refused with the row and column named, and nothing is imported', async () => {
      const cases: Array<[string, unknown, number, RegExp]> = [
        [
          'unknown column',
          { format: 'csv', content: 'Ma,Ten,SoDan,NgayLap,Khac\n01,a,1,01/01/2000,x\n' },
          400,
          /cột\/column E/,
        ],
        ['missing column', { format: 'csv', content: 'Ma,Ten\n01,a\n' }, 400, /thiếu cột "SoDan"/],
        [
          'not an integer',
          { format: 'csv', content: 'Ma,Ten,SoDan,NgayLap\n01,a,12a,\n' },
          400,
          /dòng\/row 2, cột\/column C \(SoDan\)/,
        ],
        [
          'not a date',
          { format: 'csv', content: 'Ma,Ten,SoDan,NgayLap\n01,a,1,31/02/2000\n' },
          400,
          /row 2, cột\/column D \(NgayLap\)/,
        ],
        [
          'duplicate key',
          { format: 'csv', content: 'Ma,Ten,SoDan,NgayLap\n01,a,1,\n02,b,2,\n01,c,3,\n' },
          400,
          /dòng\/row 4.*trùng dòng 2/,
        ],
        ['empty key', { format: 'csv', content: 'Ma,Ten,SoDan,NgayLap\n,a,1,\n' }, 400, /thiếu mã/],
        ['broken quoting', { format: 'csv', content: 'Ma,Ten,SoDan,NgayLap\n01,"a,1,\n' }, 400, /CSV/],
        ['not base64', { format: 'xlsx', content: '!!!' }, 400, /base64/],
        [
          'not a workbook',
          { format: 'xlsx', content: Buffer.from('Ma,Ten\n').toString('base64') },
          400,
          /XLSX/,
        ],
        [
          'too large',
          { format: 'csv', content: `Ma,Ten,SoDan,NgayLap\n${'01,a,1,\n'.repeat(700_000)}` },
          413,
          /.*/,
        ],
      ];
      for (const [name, body, status, detail] of cases) {
        const res = await api('POST', '/api/v1/categories/DVHC/versions', body);
        assert.equal(res.status, status, `${name}: ${JSON.stringify(res.json).slice(0, 300)}`);
        assert.match(String(res.json['detail'] ?? res.json['title']), detail, name);
      }
      const list = await api('GET', '/api/v1/categories/DVHC');
      assert.equal(list.json['currentVersion'], 2);
      const unknown = await api('POST', '/api/v1/categories/KHONGCO/versions', {
        format: 'csv',
        content: 'a\n1\n',
      });
      assert.equal(unknown.status, 404);
      assert.equal(unknown.json['code'], 'CP_CATEGORY_NOT_FOUND');
    });

    test('an XLSX declaring a huge unpacked size is refused before it is opened', async () => {
      // A one-entry ZIP whose central directory declares 4 GiB - 2 unpacked bytes.
      const local = Buffer.alloc(30);
      local.writeUInt32LE(0x04034b50, 0);
      const central = Buffer.alloc(46);
      central.writeUInt32LE(0x02014b50, 0);
      central.writeUInt32LE(0xfffffffe, 24);
      const end = Buffer.alloc(22);
      end.writeUInt32LE(0x06054b50, 0);
      end.writeUInt16LE(1, 10);
      end.writeUInt32LE(46, 12);
      end.writeUInt32LE(30, 16);
      await assert.rejects(assertZipBounded(Buffer.concat([local, central, end])), {
        code: 'CP_CATEGORY_FILE_TOO_LARGE',
      });
    });

    test('a mapping from local codes to national codes: managed, imported, looked up', async () => {
      const put = await api('POST', '/api/v1/categories/DVHC/mappings', {
        mappings: [
          { localCode: 'HN', nationalCode: '01', note: 'mã cũ' },
          { localCode: 'DN', nationalCode: '48' },
        ],
      });
      assert.equal(put.status, 200, JSON.stringify(put.json));
      const found = await api('GET', '/api/v1/categories/DVHC/mappings/HN');
      assert.equal(found.json['nationalCode'], '01');
      assert.equal(found.json['nationalItem']['data']['Ten'], 'Hà Nội');
      const imported = await api('POST', '/api/v1/categories/DVHC/mappings', {
        format: 'csv',
        content: 'localCode,nationalCode\nCT,92\nHN,01\n',
        replace: true,
      });
      assert.deepEqual(imported.json, { upserted: 2, removed: 1 });
      const listed = await api('GET', '/api/v1/categories/DVHC/mappings?sort=-localCode');
      assert.deepEqual(
        listed.json['items'].map((m: Json) => m.localCode),
        ['HN', 'CT'],
      );
      assert.equal((await api('DELETE', '/api/v1/categories/DVHC/mappings/CT')).status, 200);
      assert.equal((await api('GET', '/api/v1/categories/DVHC/mappings/CT')).status, 404);
    });

    test('the gateway refuses a consumer without a subscription, and records it', async () => {
      const res = await gateway('/dmdc/1.0/AllCategory');
      assert.equal(res.status, 403);
      assert.equal(res.json['code'], 'GW_SUBSCRIPTION_REQUIRED');
    });

    test('with a subscription: AllCategory, Metadata, Category with paging, each recorded', async () => {
      await seedDemoCategories(platform.categories, platform.registry.changes, consumerSystemId, 't');
      await platform.snapshots.refresh();
      const all = await gateway('/dmdc/1.0/AllCategory');
      assert.equal(all.status, 200, JSON.stringify(all.json));
      assert.deepEqual(
        all.json['Data'].map((c: Json) => c.CategoryCode),
        ['DANTOC', 'DVHC', 'GIOITINH', 'QUOCGIA'],
      );
      const ethnic = all.json['Data'].find((c: Json) => c.CategoryCode === 'DANTOC');
      assert.equal(ethnic.TotalRecord, 54);
      const metadata = await gateway('/dmdc/1.0/Metadata/QUOCGIA');
      assert.equal(metadata.json['KeyField'], 'Ma');
      assert.equal(metadata.json['Fields'].length, 5);
      const page = await gateway('/dmdc/1.0/Category/DANTOC?page=2&pageSize=10');
      assert.equal(page.json['TotalRecord'], 54);
      assert.deepEqual(page.json['Data'][0], { Ma: '11', Ten: 'Ngái', TenKhac: null });
      const one = await gateway('/dmdc/1.0/Category/QUOCGIA?code=VN');
      assert.equal(one.json['Data'][0]['MaSo'], '704');
      assert.equal((await gateway('/dmdc/1.0/Category/KHONGCO')).json['code'], 'GW_CATEGORY_NOT_FOUND');
      assert.equal((await gateway('/dmdc/1.0/Category/DANTOC?pageSize=5000')).status, 400);
      assert.equal((await gateway('/dmdc/1.0/Khac')).status, 404);

      // A new version is served at once after its change (the snapshot reloads on the revision).
      await api('POST', '/api/v1/categories/GIOITINH/versions', {
        format: 'csv',
        content: 'Ma,Ten,TenTiengAnh\n1,Nam,Male\n2,Nữ,Female\n',
      });
      await platform.snapshots.refresh();
      const after = await gateway('/dmdc/1.0/Category/GIOITINH');
      assert.deepEqual([after.json['Version'], after.json['TotalRecord']], [2, 2]);

      await platform.recorder.flush();
      const records = await platform.store.db
        .selectFrom('transactions')
        .select([
          'resource_template',
          'consumer_status',
          'consumer_system_id',
          'service_context',
          'response_sha256',
        ])
        .where('service_context', '=', 'dmdc')
        .execute();
      const byTemplate = (t: string, s: number) =>
        records.filter((r) => r.resource_template === t && r.consumer_status === s).length;
      assert.ok(byTemplate('/AllCategory', 200) >= 1, "byTemplate('/AllCategory', 200) >= 1");
      assert.ok(byTemplate('/AllCategory', 403) >= 1, "byTemplate('/AllCategory', 403) >= 1");
      assert.ok(byTemplate('/Category/{code}', 200) >= 3, "byTemplate('/Category/{code}', 200) >= 3");
      assert.ok(
        records.every((r) => r.consumer_system_id === consumerSystemId),
        'records.every((r) => r.consumer_system_id === consumerSystemId)',
      );
      assert.ok(
        records
          .filter((r) => r.consumer_status === 200)
          .every((r) => /^[0-9a-f]{64}$/.test(r.response_sha256 ?? '')),
        'records .filter((r) => r.consumer_status === 200) .every((r) => /^[0-9a-f]{64}$/.test(r...',
      );
    });

    test('the CLI: create, import a file, look a code up', async () => {
      const env = adminEnv(platform.adminUrl, operatorToken, platform.config.dataDir);
      const created = await runCli(
        [
          'categories',
          'create',
          'TONGIAO',
          '--name-vi',
          'Tôn giáo',
          '--name-en',
          'Religions',
          '--field',
          'Ma:string:Mã',
          '--field',
          'Ten',
        ],
        env,
      );
      assert.equal(created.code, 0, created.err);
      const file = join(platform.config.dataDir, 'tongiao.csv');
      writeFileSync(file, 'Ma,Ten\n01,Phật giáo\n02,Công giáo\n');
      const imported = await runCli(['categories', 'import', 'TONGIAO', '--file', file], env);
      assert.equal(imported.code, 0, imported.err);
      assert.match(imported.out, /version 1, 2 mục/);
      const mapped = await runCli(['categories', 'map', 'TONGIAO', '--local', 'PG', '--national', '01'], env);
      assert.equal(mapped.code, 0, mapped.err);
      const lookup = await runCli(['categories', 'lookup', 'TONGIAO', 'PG'], env);
      assert.match(lookup.out, /PG → 01 {2}\(01, Phật giáo\)/);
      const bad = await runCli(
        ['categories', 'import', 'TONGIAO', '--file', join(platform.config.dataDir, 'khong-co.csv')],
        env,
      );
      assert.notEqual(bad.code, 0);
    });

    test('reviewers read, only operator administrators change', async () => {
      await platform.accounts.createUser(
        {
          username: 'xetduyet',
          displayName: 'Cán bộ xét duyệt',
          password: 'mat-khau-xet-duyet-01',
          role: 'operator_reviewer',
          organizationId: null,
        },
        't',
      );
      const session = await platform.accounts.login('xetduyet', 'mat-khau-xet-duyet-01');
      assert.equal((await api('GET', '/api/v1/categories', undefined, session.token)).status, 200);
      const refused = await api(
        'POST',
        '/api/v1/categories/DVHC/versions',
        { format: 'csv', content: 'Ma,Ten,SoDan,NgayLap\n01,a,1,\n' },
        session.token,
      );
      assert.equal(refused.status, 403);
    });
  });
}
