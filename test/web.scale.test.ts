import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page, Response } from 'playwright-core';
import type { TransactionRecord } from '../src/telemetry/record.ts';
import { launchBrowser, openPage, screenshot, signIn } from './helpers/browser.ts';
import { insertRecords, insertServices } from './helpers/bulk.ts';
import { callRecord } from './helpers/records.ts';
import { startWebPlatform, WEB_ADMIN_PASSWORD } from './helpers/web-platform.ts';

/*
 * Issue 11, "Must show": lists of 10,000 transactions and 1,000 services page on the server and the console stays
 * responsive. The rows are written in bulk through the store (not 10,000 API calls); then Chromium opens the
 * operator's transactions and services screens and the portal's catalogue, and the browser's own network log shows
 * that each list request asks for one page (a `limit` of at most 100) and gets at most that many rows back, that
 * the next page and a search are new requests to the server, and that a click on a deep page is answered about as
 * fast as one on the second page (timing compared only as a ratio, never against a fixed bound).
 */

const SERVICES = 1000;
/** The platform's own built-in service (`dmdc`, shared categories) is listed too, and sorts before ours. */
const BUILT_IN = 1;
const LAST_PAGE = Math.ceil((SERVICES + BUILT_IN) / 20);
/** The context shown in the first row of page `n` of the services screen (20 a page). */
const firstOnPage = (n: number) => `/qm${pad((n - 1) * 20 - BUILT_IN)}`;
const TRANSACTIONS = 10_000;
const MAX_PAGE = 100;
const pad = (i: number) => String(i).padStart(4, '0');

/** A list request the browser made and what it got back. */
interface ListCall {
  path: string;
  query: URLSearchParams;
  items: number;
}

describe('the console at scale: 10,000 transactions and 1,000 services page on the server', () => {
  let web: Awaited<ReturnType<typeof startWebPlatform>>;
  let browser: Browser;
  let page: Page;
  const calls: ListCall[] = [];
  /** The record carrying a message id, for the search on the server; the newest record. */
  let needle: TransactionRecord;
  let newest: TransactionRecord;
  /** A record's row on the transactions screen: its link to the detail (the link's text is a time). */
  const rowOf = (record: TransactionRecord) => page.locator(`a[href="/transactions/${record.id}"]`);

  before(async () => {
    web = await startWebPlatform();
    const db = web.platform.store.db;
    const now = new Date();
    await db
      .insertInto('organizations')
      .values({
        id: 'org_scale',
        code: '000.00.77.H01',
        name: 'Sở Quy mô',
        parent_id: null,
        contact_name: null,
        contact_title: null,
        contact_unit: null,
        contact_phone: null,
        contact_email: null,
        created_at: now,
        updated_at: now,
      })
      .execute();
    await db
      .insertInto('systems')
      .values({
        id: 'sys_scale',
        organization_id: 'org_scale',
        name: 'Hệ thống quy mô',
        description: null,
        is_provider: true,
        is_consumer: true,
        status: 'active',
        created_at: now,
        updated_at: now,
      })
      .execute();
    // 1,000 services, each with a published version so the portal lists them too; three hold the word "Zeta".
    const zeta = new Set([17, 444, 901]);
    await insertServices(
      web.platform.store,
      Array.from({ length: SERVICES }, (_, i) => ({
        id: `svc_s${pad(i)}`,
        context: `qm${pad(i)}`,
        name: zeta.has(i) ? `Tra cứu Zeta ${pad(i)}` : `Dịch vụ quy mô ${pad(i)}`,
        providerSystemId: 'sys_scale',
        versionId: `ver_s${pad(i)}`,
        status: 'published',
        createdAt: now,
      })),
      now,
    );
    // 10,000 records, 4 s apart, ending a minute ago: all inside the screen's default "last 24 hours".
    const last = Date.now() - 60_000;
    const records = Array.from({ length: TRANSACTIONS }, (_, i) =>
      callRecord(last - (TRANSACTIONS - 1 - i) * 4000, {
        consumerSystemId: 'sys_scale',
        consumerOrgCode: '000.00.77.H01',
        providerSystemId: 'sys_scale',
        providerOrgCode: '000.00.77.H01',
        serviceId: `svc_s${pad(i % SERVICES)}`,
        serviceContext: `qm${pad(i % SERVICES)}`,
        versionId: `ver_s${pad(i % SERVICES)}`,
        version: '1.0',
        messageId: i === 4321 ? 'msg_scale_4321' : null,
      }),
    );
    needle = records[4321]!;
    newest = records[TRANSACTIONS - 1]!;
    await insertRecords(web.platform.store, records);
    const counted = await db
      .selectFrom('transactions')
      .select((eb) => eb.fn.countAll<string | number>().as('n'))
      .executeTakeFirstOrThrow();
    assert.equal(Number(counted.n), TRANSACTIONS);

    browser = await launchBrowser();
    page = await openPage(browser, web.adminUrl);
    // The browser's network log: every list request of the three screens, with the number of rows it got.
    page.on('response', (response) => void logListCall(response));
    await signIn(page, 'admin', WEB_ADMIN_PASSWORD);
  });
  after(async () => {
    await browser?.close();
    await web?.stop();
  });

  async function logListCall(response: Response) {
    const url = new URL(response.url());
    if (!/^\/api\/v1\/(transactions|services|public\/services)$/.test(url.pathname)) return;
    if (response.request().method() !== 'GET' || !response.ok()) return;
    const body = (await response.json().catch(() => null)) as { items?: unknown[] } | null;
    calls.push({ path: url.pathname, query: url.searchParams, items: body?.items?.length ?? -1 });
  }

  /** The list requests to `path` since `from`, waited for until there are `atLeast`. */
  async function callsTo(path: string, from: number, atLeast = 1): Promise<ListCall[]> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const found = calls.slice(from).filter((c) => c.path === path);
      if (found.length >= atLeast || Date.now() > deadline) return found;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Each request asked for one page, and each answer held no more than it asked for. */
  function onePageEach(list: ListCall[], what: string) {
    assert.ok(list.length > 0, `${what}: at least one list request`);
    for (const call of list) {
      const limit = Number(call.query.get('limit'));
      assert.ok(limit >= 1 && limit <= MAX_PAGE, `${what}: limit=${call.query.get('limit')} is one page`);
      assert.ok(call.items >= 0 && call.items <= limit, `${what}: ${call.items} rows for limit ${limit}`);
    }
  }

  /** How long a click takes to be answered: from the click until `shown` is on the screen. */
  async function answered(click: () => Promise<void>, shown: () => Promise<void>): Promise<number> {
    const started = Date.now();
    await click();
    await shown();
    return Date.now() - started;
  }

  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

  test('transactions: the first page, the next page and a search each come from the server, one page each', async () => {
    const mark = calls.length;
    await page.getByRole('link', { name: 'Giao dịch', exact: true }).click();
    await page.getByRole('heading', { name: 'Giao dịch' }).waitFor();
    const newestShown = rowOf(newest);
    await newestShown.waitFor();
    const first = await callsTo('/api/v1/transactions', mark);
    onePageEach(first, 'transactions, first page');
    assert.equal(first[0]!.query.get('cursor'), null);
    await screenshot(page, 'scale-transactions');

    const beforeNext = calls.length;
    await page.getByRole('button', { name: 'Trang sau ›' }).click();
    await page.getByText('Trang 2', { exact: true }).waitFor();
    await newestShown.waitFor({ state: 'detached' });
    const next = await callsTo('/api/v1/transactions', beforeNext);
    onePageEach(next, 'transactions, next page');
    assert.ok(next[0]!.query.get('cursor'), 'the next page follows the cursor on the server');

    const beforeSearch = calls.length;
    await page.getByLabel('Mã thông điệp').fill('msg_scale_4321');
    await page.getByRole('button', { name: 'Tìm giao dịch' }).click();
    await rowOf(needle).waitFor();
    const searched = await callsTo('/api/v1/transactions', beforeSearch);
    onePageEach(searched, 'transactions, search');
    assert.equal(searched.at(-1)!.query.get('messageId'), 'msg_scale_4321', 'searched on the server');
    assert.equal(searched.at(-1)!.items, 1);
  });

  test('services: one page of 1,000 on the server; next page, a deep page and a search are server requests', async (t) => {
    const mark = calls.length;
    await page.getByRole('link', { name: 'Dịch vụ', exact: true }).click();
    await page.getByRole('heading', { name: 'Dịch vụ chia sẻ dữ liệu' }).waitFor();
    const main = page.getByRole('main');
    await main.getByRole('cell', { name: '/qm0000' }).waitFor();
    const first = await callsTo('/api/v1/services', mark);
    onePageEach(first, 'services, first page');
    assert.equal(first[0]!.query.get('offset'), '0');
    // The table knows there are 1,001 from `total` (ours and the platform's built-in `dmdc`, which sorts first), not
    // from holding them: 51 pages of 20.
    await main.locator(`.ant-pagination-item[title="${LAST_PAGE}"]`).waitFor();
    assert.equal(await main.getByRole('row').count(), 21, 'a header and one page of 20 rows');
    await screenshot(page, 'scale-services');

    // Responsive: the second, third and fourth pages, then three of the last — each click answered from the
    // server; a deep page costs about what an early one does.
    const early: number[] = [];
    for (const n of [2, 3, 4]) {
      early.push(
        await answered(
          () => main.locator('.ant-pagination-next').click(),
          () => main.getByRole('cell', { name: firstOnPage(n) }).waitFor(),
        ),
      );
    }
    const deep: number[] = [];
    for (const n of [LAST_PAGE, LAST_PAGE - 1, LAST_PAGE - 2]) {
      deep.push(
        await answered(
          () => main.locator(`.ant-pagination-item[title="${n}"]`).click(),
          () => main.getByRole('cell', { name: firstOnPage(n) }).waitFor(),
        ),
      );
    }
    const paged = (await callsTo('/api/v1/services', mark, 7)).slice(1);
    onePageEach(paged, 'services, page turns');
    assert.deepEqual(
      paged.map((c) => c.query.get('offset')),
      ['20', '40', '60', '1000', '980', '960'],
      'each page is asked of the server by its offset',
    );
    const ratio = median(deep) / Math.max(median(early), 1);
    t.diagnostic(`services page turns: early ${early.join(', ')} ms, deep ${deep.join(', ')} ms`);
    assert.ok(
      ratio < 8,
      `a deep page (${deep.join(', ')} ms) is answered about as fast as an early one (${early.join(', ')} ms)`,
    );

    const beforeSearch = calls.length;
    const search = page.getByRole('searchbox', { name: 'Tìm theo tên dịch vụ, context' });
    await search.fill('zeta');
    await search.press('Enter');
    await main.getByRole('cell', { name: '/qm0444' }).waitFor();
    const searched = await callsTo('/api/v1/services', beforeSearch);
    onePageEach(searched, 'services, search');
    assert.equal(searched.at(-1)!.query.get('q'), 'zeta', 'searched on the server');
    assert.equal(searched.at(-1)!.items, 3);
    assert.equal(await main.getByRole('row').count(), 4);
  });

  test('the portal catalogue: the first page, the next page and a search come from the server', async () => {
    const portal = await openPage(browser, web.adminUrl);
    portal.on('response', (response) => void logListCall(response));
    const mark = calls.length;
    await portal.goto('/portal');
    await portal.getByRole('link', { name: 'Dịch vụ quy mô 0000' }).waitFor();
    const first = await callsTo('/api/v1/public/services', mark);
    onePageEach(first, 'catalogue, first page');
    await screenshot(portal, 'scale-portal-catalogue');

    const beforeNext = calls.length;
    await portal.locator('.ant-pagination-next').click();
    // Sorted by name, the Zeta services come last: the second page starts at 0021.
    await portal.getByRole('link', { name: 'Dịch vụ quy mô 0030' }).waitFor();
    const next = await callsTo('/api/v1/public/services', beforeNext);
    onePageEach(next, 'catalogue, next page');
    assert.equal(next.at(-1)!.query.get('offset'), '20');

    const beforeSearch = calls.length;
    const search = portal.getByRole('searchbox', { name: 'Tìm dịch vụ' });
    await search.fill('Zeta');
    await search.press('Enter');
    await portal.getByRole('link', { name: 'Tra cứu Zeta 0901' }).waitFor();
    const searched = await callsTo('/api/v1/public/services', beforeSearch);
    onePageEach(searched, 'catalogue, search');
    assert.equal(searched.at(-1)!.query.get('q'), 'Zeta');
    assert.equal(searched.at(-1)!.items, 3);
    await portal.context().close();
  });
});
