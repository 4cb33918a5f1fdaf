import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import JSZip from 'jszip';
import { letterProvince } from '../src/control/request-letter.ts';
import { type AdminHarness, openAdminHarness, TEST_PASSWORD } from './helpers/admin-api.ts';
import { adminEnv, runCli } from './helpers/cli.ts';
import { storeKinds } from './helpers/stores.ts';

// biome-ignore lint/suspicious/noExplicitAny: JSON bodies read in assertions
type Json = Record<string, any>;

const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';

/** A request as the Appendix's form asks for it, in Vietnamese with its diacritics. */
const FORM = {
  systemName: 'Hệ thống quản lý văn bản và điều hành',
  systemDescription: 'Phần mềm quản lý văn bản đi, đến của Sở',
  isConsumer: true,
  purpose: 'Khai thác dữ liệu hộ tịch để giải quyết thủ tục hành chính trực tuyến',
  scopeOfUse: 'Các phòng chuyên môn và bộ phận một cửa của Sở Tư pháp',
  contact: {
    name: 'Nguyễn Thị Thu Hằng',
    title: 'Phó Trưởng phòng Hành chính tư pháp',
    unit: 'Phòng Hành chính tư pháp',
    phone: '0296 3852 123',
    email: 'hang.ntt@angiang.gov.vn',
  },
  otherProposals: 'Đề nghị cấp tài khoản & hướng dẫn kỹ thuật <trước ngày 15>',
  letterNumber: '123/STP-HCTP',
};

/** The text of a .docx body: every <w:t> joined (Word may split a sentence into several runs), entities decoded. */
async function docxText(buffer: Buffer): Promise<string> {
  const zip = await JSZip.loadAsync(buffer);
  const xml = await zip.file('word/document.xml')?.async('string');
  assert.ok(xml, 'word/document.xml is in the package');
  return [...xml.matchAll(/<w:t(?:\s[^>]*)?>([^<]*)<\/w:t>/g)]
    .map((m) => m[1]!)
    .join('')
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&quot;', '"')
    .replaceAll('&apos;', "'")
    .replaceAll('&amp;', '&');
}

for (const kind of storeKinds) {
  describe(`connection requests, R-08 (${kind})`, () => {
    let h: AdminHarness;
    let orgA: Json;
    let orgB: Json;
    /** Tokens: an agency user of A, one of B, a reviewer of the operator, an auditor. */
    const token: Record<'agencyA' | 'agencyB' | 'reviewer' | 'auditor', string> = {
      agencyA: '',
      agencyB: '',
      reviewer: '',
      auditor: '',
    };

    async function expectStatus(res: { statusCode: number; body: string }, status: number): Promise<Json> {
      assert.equal(res.statusCode, status, res.body);
      return res.body ? JSON.parse(res.body) : {};
    }

    /** Registry tables, audit log and revision, plus this feature's own tables. */
    async function counts(): Promise<Record<string, number>> {
      const out = await h.counts();
      for (const table of ['connection_requests', 'notifications'] as const) {
        const row = await h.store.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow();
        out[table] = Number(row.n);
      }
      return out;
    }

    async function expectRefused(
      res: { statusCode: number; body: string },
      status: number,
      code: string,
      before: Record<string, number>,
    ): Promise<Json> {
      const problem = await expectStatus(res, status);
      assert.equal(problem.code, code, res.body);
      assert.deepEqual(await counts(), before, 'nothing was written');
      return problem;
    }

    async function submit(as: string, body: Json = {}): Promise<Json> {
      return expectStatus(
        await h.call('POST', '/api/v1/connection-requests', { ...FORM, ...body }, { token: as }),
        201,
      );
    }

    before(async () => {
      // The letter names the province of the platform's branding (here An Giang, whose regulation it cites).
      h = await openAdminHarness(kind, { overrides: { branding: { provinceName: 'Tỉnh An Giang' } } });
      const parent = await expectStatus(
        await h.call('POST', '/api/v1/organizations', {
          code: '000.00.00.H01',
          name: 'Ủy ban nhân dân tỉnh An Giang',
          contact: { name: 'Văn phòng UBND', email: 'vpubnd@angiang.gov.vn' },
        }),
        201,
      );
      orgA = await expectStatus(
        await h.call('POST', '/api/v1/organizations', {
          code: '000.00.31.H01',
          name: 'Sở Tư pháp',
          parentId: parent.id,
          contact: { name: 'Lê Văn Cường', email: 'cuong.lv@angiang.gov.vn' },
        }),
        201,
      );
      orgB = await expectStatus(
        await h.call('POST', '/api/v1/organizations', {
          code: '000.00.32.H01',
          name: 'Sở Y tế',
          contact: { name: 'Phạm Thị Dung', email: 'syt@angiang.gov.vn' },
        }),
        201,
      );
      const users = [
        ['agencyA', 'agency', orgA.id],
        ['agencyB', 'agency', orgB.id],
        ['reviewer', 'operator_reviewer', null],
        ['auditor', 'auditor', null],
      ] as const;
      for (const [username, role, organizationId] of users) {
        await h.accounts.createUser(
          { username, displayName: username, password: TEST_PASSWORD, role, organizationId },
          'test',
        );
        token[username] = (await h.accounts.login(username, TEST_PASSWORD)).token;
      }
    });
    after(() => h.dispose());

    test('an agency applies for its own organization; a reviewer approves; the system exists, active', async () => {
      const created = await submit(token.agencyA);
      assert.match(created.id, /^req_/);
      assert.equal(created.status, 'submitted');
      assert.equal(created.organizationId, orgA.id, 'defaults to the agency user’s organization');
      assert.equal(created.organizationName, 'Sở Tư pháp');
      assert.equal(created.purpose, FORM.purpose);
      assert.equal(created.scopeOfUse, FORM.scopeOfUse);
      assert.deepEqual(created.contact, FORM.contact);
      assert.equal(created.otherProposals, FORM.otherProposals);
      assert.equal(created.systemId, null);

      // The agency sees it, alone in its list, and so does the operator.
      const own = await expectStatus(
        await h.call('GET', '/api/v1/connection-requests', undefined, { token: token.agencyA }),
        200,
      );
      assert.deepEqual(
        own.items.map((r: Json) => r.id),
        [created.id],
      );
      assert.deepEqual(
        await expectStatus(
          await h.call('GET', `/api/v1/connection-requests/${created.id}`, undefined, {
            token: token.agencyA,
          }),
          200,
        ),
        created,
      );
      const pending = await expectStatus(
        await h.call('GET', '/api/v1/connection-requests?status=submitted', undefined, {
          token: token.reviewer,
        }),
        200,
      );
      assert.ok(
        pending.items.some((r: Json) => r.id === created.id),
        'pending.items.some((r: Json) => r.id === created.id)',
      );

      // Deciding is the operator's: an agency user (even of the same organization) may not approve.
      const before = await counts();
      await expectRefused(
        await h.call(
          'POST',
          `/api/v1/connection-requests/${created.id}/approve`,
          {},
          { token: token.agencyA },
        ),
        403,
        'API_FORBIDDEN',
        before,
      );

      const reviewer = await h.accounts.authenticate(token.reviewer);
      const approved = await expectStatus(
        await h.call(
          'POST',
          `/api/v1/connection-requests/${created.id}/approve`,
          { note: 'Đồng ý kết nối' },
          { token: token.reviewer },
        ),
        200,
      );
      assert.equal(approved.request.status, 'approved');
      assert.equal(approved.request.decisionReason, 'Đồng ý kết nối');
      assert.equal(approved.request.decidedBy, reviewer?.id);
      // Named as a person reads it: the console showed the bare usr_… id.
      assert.equal(approved.request.decidedByUsername, reviewer?.username);
      assert.equal(
        (await expectStatus(await h.call('GET', `/api/v1/connection-requests/${created.id}`), 200))
          .decidedByUsername,
        reviewer?.username,
      );
      assert.equal(approved.request.systemId, approved.system.id);
      assert.match(approved.system.id, /^sys_/);

      // The system is in the registry, active, with the request's fields (R-08: approval grants the connection).
      const system = await h.registry.getSystem(approved.system.id);
      assert.equal(system.status, 'active');
      assert.equal(system.organizationId, orgA.id);
      assert.equal(system.name, FORM.systemName);
      assert.equal(system.description, FORM.systemDescription);
      assert.equal(system.isConsumer, true);
      assert.equal(system.isProvider, false);
      assert.deepEqual(approved.system, system);

      // One transaction: the decision's audit event, and the system's own history, by the reviewer.
      const [decision] = await h.registry.listAuditEvents({ objectId: created.id, limit: 1 });
      assert.equal(decision?.action, 'connection_request.approve');
      assert.equal(decision?.actor, reviewer?.id);
      assert.equal(decision?.details['systemId'], system.id);
      const [systemEvent] = await h.registry.listAuditEvents({ objectId: system.id, limit: 1 });
      assert.equal(systemEvent?.action, 'system.create');
      assert.equal(delta(before, await counts()).systems, 1);

      // The applicant is told, through the outbox, at the form's contact and the organization's contact point.
      const told = await h.store.db
        .selectFrom('notifications')
        .select(['recipient', 'event_type'])
        .where('event_type', '=', 'connection_request.approved')
        .orderBy('recipient')
        .execute();
      assert.deepEqual(
        told.map((n) => n.recipient),
        ['cuong.lv@angiang.gov.vn', 'hang.ntt@angiang.gov.vn'],
      );

      // Approving again, or rejecting an approved request, is refused and changes nothing.
      const settled = await counts();
      await expectRefused(
        await h.call('POST', `/api/v1/connection-requests/${created.id}/approve`, undefined, {
          token: token.reviewer,
        }),
        409,
        'CP_REQUEST_STATE',
        settled,
      );
      await expectRefused(
        await h.call('POST', `/api/v1/connection-requests/${created.id}/reject`, { reason: 'Muộn' }),
        409,
        'CP_REQUEST_STATE',
        settled,
      );
    });

    test('a rejection needs a reason, keeps it, and cannot be approved afterwards', async () => {
      const created = await submit(token.agencyA, { systemName: 'Cổng thông tin điện tử', isProvider: true });
      const before = await counts();
      const missing = await expectRefused(
        await h.call(
          'POST',
          `/api/v1/connection-requests/${created.id}/reject`,
          {},
          { token: token.reviewer },
        ),
        400,
        'API_VALIDATION_FAILED',
        before,
      );
      assert.deepEqual(
        missing.errors.map((e: Json) => e.path),
        ['/reason'],
      );
      await expectRefused(
        await h.call('POST', `/api/v1/connection-requests/${created.id}/reject`, { reason: '' }),
        400,
        'API_VALIDATION_FAILED',
        before,
      );
      await expectRefused(
        await h.call('POST', `/api/v1/connection-requests/${created.id}/reject`, { reason: '   ' }),
        400,
        'API_VALIDATION_FAILED',
        before,
      );

      const reason = 'Hệ thống chưa đáp ứng yêu cầu an toàn thông tin cấp độ 2';
      const rejected = await expectStatus(
        await h.call(
          'POST',
          `/api/v1/connection-requests/${created.id}/reject`,
          { reason },
          {
            token: token.reviewer,
          },
        ),
        200,
      );
      assert.equal(rejected.status, 'rejected');
      assert.equal(rejected.decisionReason, reason);
      assert.equal(rejected.systemId, null);
      const stored = await expectStatus(
        await h.call('GET', `/api/v1/connection-requests/${created.id}`, undefined, { token: token.agencyA }),
        200,
      );
      assert.equal(stored.status, 'rejected');
      assert.equal(stored.decisionReason, reason);
      const [event] = await h.registry.listAuditEvents({ objectId: created.id, limit: 1 });
      assert.equal(event?.action, 'connection_request.reject');
      assert.equal(event?.details['reason'], reason);
      const change = delta(before, await counts());
      assert.equal(change.systems, 0, 'a rejection creates no system');
      assert.equal(change.audit_events, 1);

      const settled = await counts();
      await expectRefused(
        await h.call('POST', `/api/v1/connection-requests/${created.id}/approve`, {}),
        409,
        'CP_REQUEST_STATE',
        settled,
      );
      await expectRefused(
        await h.call('POST', `/api/v1/connection-requests/${created.id}/reject`, { reason: 'Lần nữa' }),
        409,
        'CP_REQUEST_STATE',
        settled,
      );
      const rejectedList = await expectStatus(
        await h.call('GET', '/api/v1/connection-requests?status=rejected'),
        200,
      );
      assert.deepEqual(
        rejectedList.items.map((r: Json) => r.id),
        [created.id],
      );
    });

    test('an agency user cannot apply for, or read, another organization’s requests (403, or 404 as an unknown id)', async () => {
      const theirs = await submit(token.agencyB, { systemName: 'Hệ thống quản lý y tế' });
      assert.equal(theirs.organizationId, orgB.id);
      const before = await counts();
      await expectRefused(
        await h.call(
          'POST',
          '/api/v1/connection-requests',
          { ...FORM, organizationId: orgB.id },
          { token: token.agencyA },
        ),
        403,
        'API_FORBIDDEN',
        before,
      );
      // Organizations are public, so filtering by B's is a refusal; B's request itself is answered as an unknown
      // id (docs/security.md §2.10).
      await expectRefused(
        await h.call('GET', `/api/v1/connection-requests?organizationId=${orgB.id}`, undefined, {
          token: token.agencyA,
        }),
        403,
        'API_FORBIDDEN',
        before,
      );
      for (const path of [`/${theirs.id}`, `/${theirs.id}/letter.docx`]) {
        await expectRefused(
          await h.call('GET', `/api/v1/connection-requests${path}`, undefined, { token: token.agencyA }),
          404,
          'CP_REQUEST_NOT_FOUND',
          before,
        );
      }
      const own = await expectStatus(
        await h.call('GET', '/api/v1/connection-requests', undefined, { token: token.agencyA }),
        200,
      );
      assert.ok(own.items.length >= 1, 'own.items.length >= 1');
      assert.ok(
        own.items.every((r: Json) => r.organizationId === orgA.id),
        'own.items.every((r: Json) => r.organizationId === orgA.id)',
      );

      // The auditor reads everything and decides nothing; the operator may apply on an agency's behalf.
      const all = await expectStatus(
        await h.call('GET', '/api/v1/connection-requests', undefined, { token: token.auditor }),
        200,
      );
      assert.ok(
        all.items.some((r: Json) => r.id === theirs.id),
        'all.items.some((r: Json) => r.id === theirs.id)',
      );
      await expectRefused(
        await h.call(
          'POST',
          `/api/v1/connection-requests/${theirs.id}/approve`,
          {},
          { token: token.auditor },
        ),
        403,
        'API_FORBIDDEN',
        before,
      );
      const onBehalf = await submit(h.token, { organizationId: orgB.id, systemName: 'Hệ thống khám bệnh' });
      assert.equal(onBehalf.organizationId, orgB.id);
      const noOrg = await h.call('POST', '/api/v1/connection-requests', FORM);
      assert.equal(noOrg.statusCode, 400, 'an operator must name the organization');
    });

    test('bad input is refused and writes nothing', async () => {
      const before = await counts();
      const unknown = await expectRefused(
        await h.call(
          'POST',
          '/api/v1/connection-requests',
          { ...FORM, priority: 'cao' },
          { token: token.agencyA },
        ),
        400,
        'API_VALIDATION_FAILED',
        before,
      );
      assert.deepEqual(
        unknown.errors.map((e: Json) => e.path),
        ['/priority'],
      );
      await expectRefused(
        await h.call(
          'POST',
          '/api/v1/connection-requests',
          { ...FORM, contact: { ...FORM.contact, fax: '0296' } },
          { token: token.agencyA },
        ),
        400,
        'API_VALIDATION_FAILED',
        before,
      );
      const { phone: _phone, ...noPhone } = FORM.contact;
      await expectRefused(
        await h.call(
          'POST',
          '/api/v1/connection-requests',
          { ...FORM, contact: noPhone },
          { token: token.agencyA },
        ),
        400,
        'API_VALIDATION_FAILED',
        before,
      );
      await expectRefused(
        await h.call(
          'POST',
          '/api/v1/connection-requests',
          { ...FORM, isConsumer: false },
          { token: token.agencyA },
        ),
        400,
        'CP_SYSTEM_ROLE_REQUIRED',
        before,
      );
      await expectRefused(
        await h.call(
          'POST',
          '/api/v1/connection-requests',
          { ...FORM, purpose: '  ' },
          { token: token.agencyA },
        ),
        400,
        'API_VALIDATION_FAILED',
        before,
      );
      await expectRefused(
        await h.call('POST', '/api/v1/connection-requests', { ...FORM, organizationId: 'org_nope' }),
        404,
        'CP_ORGANIZATION_NOT_FOUND',
        before,
      );
      await expectRefused(
        await h.call('GET', '/api/v1/connection-requests?status=pending'),
        400,
        'API_VALIDATION_FAILED',
        before,
      );
      for (const [method, path, body] of [
        ['GET', '/req_nope', undefined],
        ['GET', '/req_nope/letter.docx', undefined],
        ['POST', '/req_nope/approve', {}],
        ['POST', '/req_nope/reject', { reason: 'Không rõ' }],
      ] as const) {
        await expectRefused(
          await h.call(method, `/api/v1/connection-requests${path}`, body),
          404,
          'CP_REQUEST_NOT_FOUND',
          before,
        );
      }
    });

    test('two reviewers deciding at once: exactly one decision wins', async () => {
      const created = await submit(token.agencyA, { systemName: 'Hệ thống một cửa điện tử' });
      const before = await counts();
      const answers = await Promise.all([
        h.call('POST', `/api/v1/connection-requests/${created.id}/approve`, {}, { token: token.reviewer }),
        h.call('POST', `/api/v1/connection-requests/${created.id}/approve`, {}),
        h.call('POST', `/api/v1/connection-requests/${created.id}/reject`, { reason: 'Trùng' }),
      ]);
      const statuses = answers.map((r) => r.statusCode).sort();
      assert.equal(statuses.filter((s) => s === 200).length, 1, JSON.stringify(statuses));
      assert.equal(statuses.filter((s) => s === 409).length, 2, JSON.stringify(statuses));
      for (const r of answers.filter((a) => a.statusCode === 409)) {
        assert.equal(r.json().code, 'CP_REQUEST_STATE');
      }
      const change = delta(before, await counts());
      const final = await h.registry.listAuditEvents({ objectId: created.id, limit: 1 });
      assert.equal(change.systems, final[0]?.action === 'connection_request.approve' ? 1 : 0);
    });

    test('the OpenAPI document describes the routes, the letter as a .docx file', async () => {
      const doc = (await h.call('GET', '/api/v1/openapi.json', undefined, { token: null })).json();
      const paths = Object.keys(doc.paths).filter((p) => p.startsWith('/api/v1/connection-requests'));
      assert.deepEqual(paths.sort(), [
        '/api/v1/connection-requests',
        '/api/v1/connection-requests/{id}',
        '/api/v1/connection-requests/{id}/approve',
        '/api/v1/connection-requests/{id}/letter.docx',
        '/api/v1/connection-requests/{id}/reject',
      ]);
      for (const path of paths) {
        for (const op of Object.values(doc.paths[path]) as Json[]) {
          assert.deepEqual(op.tags, ['Đề nghị kết nối / Connection requests']);
          assert.match(op.summary, / \/ /);
          assert.deepEqual(op.responses['401'].content['application/problem+json'].schema, {
            $ref: '#/components/schemas/Problem',
          });
        }
      }
      const create = doc.paths['/api/v1/connection-requests'].post;
      assert.equal(create.requestBody.content['application/json'].schema.additionalProperties, false);
      const letter = doc.paths['/api/v1/connection-requests/{id}/letter.docx'].get.responses['200'];
      assert.deepEqual(Object.keys(letter.content), [DOCX]);
      assert.equal(
        doc.paths['/api/v1/connection-requests/{id}/approve'].post.responses['409'] !== undefined,
        true,
      );
    });

    test('the official letter (.docx) opens and holds the request in Vietnamese', async () => {
      const created = await submit(token.agencyA);
      const res = await h.call('GET', `/api/v1/connection-requests/${created.id}/letter.docx`, undefined, {
        token: token.agencyA,
      });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.headers['content-type'], DOCX);
      assert.equal(
        res.headers['content-disposition'],
        `attachment; filename="de-nghi-ket-noi-${created.id}.docx"`,
      );
      const text = await docxText(res.rawPayload);
      for (const expected of [
        'CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM',
        'Độc lập - Tự do - Hạnh phúc',
        'ỦY BAN NHÂN DÂN TỈNH AN GIANG',
        'SỞ TƯ PHÁP',
        `Số: ${FORM.letterNumber}`,
        'V/v đăng ký kết nối, khai thác dịch vụ chia sẻ dữ liệu',
        'An Giang, ngày 01 tháng 3 năm 2025',
        'Kính gửi: Sở Thông tin và Truyền thông tỉnh An Giang',
        'Nghị định số 47/2020/NĐ-CP ngày 09/4/2020',
        'Quyết định số 56/2024/QĐ-UBND',
        'Sở Tư pháp trân trọng gửi',
        FORM.systemName,
        `1. Mục đích sử dụng: ${FORM.purpose}`,
        `2. Phạm vi sử dụng tại cơ quan chủ quản: ${FORM.scopeOfUse}`,
        '3. Đầu mối phối hợp:',
        FORM.contact.name,
        FORM.contact.title,
        FORM.contact.unit,
        FORM.contact.phone,
        FORM.contact.email,
        `4. Các đề xuất, kiến nghị khác: ${FORM.otherProposals}`,
        'Trân trọng./.',
        'Nơi nhận:',
        '- Như trên;',
        'THỦ TRƯỞNG CƠ QUAN',
      ]) {
        assert.ok(text.includes(expected), `the letter says "${expected}"`);
      }
      // Text is stored as real UTF-8 letters, not decomposed or escaped.
      assert.ok(text.includes('Hằng'.normalize('NFC')), "text.includes('Hằng'.normalize('NFC'))");

      // The operator and the auditor may download it too; the package is a real Word document (A4 page).
      for (const as of [h.token, token.auditor, token.reviewer]) {
        const copy = await h.call('GET', `/api/v1/connection-requests/${created.id}/letter.docx`, undefined, {
          token: as,
        });
        assert.equal(copy.statusCode, 200);
      }
      const zip = await JSZip.loadAsync(res.rawPayload);
      const xml = (await zip.file('word/document.xml')?.async('string')) ?? '';
      assert.match(xml, /<w:pgSz w:w="11906" w:h="16838"/);
      const styles = (await zip.file('word/styles.xml')?.async('string')) ?? '';
      assert.match(styles, /Times New Roman/);
    });
  });
}

test('the letter names a centrally-run city as "thành phố", from the branding\'s Vietnamese name', () => {
  assert.deepEqual(letterProvince('Thành phố Cần Thơ / Can Tho City'), {
    provinceName: 'Cần Thơ',
    provinceKind: 'thành phố',
  });
  assert.deepEqual(letterProvince('Tỉnh Đồng Tháp'), { provinceName: 'Đồng Tháp', provinceKind: 'tỉnh' });
  assert.deepEqual(letterProvince('Đồng Tháp'), { provinceName: 'Đồng Tháp' });
});

/** Differences between two count snapshots. */
function delta(before: Record<string, number>, now: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(now).map(([k, v]) => [k, v - (before[k] ?? 0)]));
}

describe('lgsp connection: submit, list, approve, letter', () => {
  let h: AdminHarness;
  let url: string;
  let dir: string;
  let org: Json;

  const lgsp = (...args: string[]) => runCli(args, adminEnv(url, h.token, dir));
  async function json(...args: string[]): Promise<Json> {
    const run = await lgsp(...args, '--json');
    assert.equal(run.code, 0, run.err);
    return JSON.parse(run.out);
  }

  before(async () => {
    h = await openAdminHarness('pglite', { startMs: Date.now() });
    org = await h.registry.createOrganization({ code: '000.00.31.H01', name: 'Sở Tư pháp' }, 'test');
    await h.app.listen({ port: 0, host: '127.0.0.1' });
    url = `http://127.0.0.1:${(h.app.server.address() as { port: number }).port}`;
    dir = mkdtempSync(join(tmpdir(), 'lgsp-cli-conn-'));
  });
  after(async () => {
    await h.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the whole flow from the command line', async () => {
    const form = [
      '--org',
      org.id,
      '--system-name',
      FORM.systemName,
      '--consumer',
      '--purpose',
      FORM.purpose,
      '--scope',
      FORM.scopeOfUse,
      '--contact-name',
      FORM.contact.name,
      '--contact-title',
      FORM.contact.title,
      '--contact-phone',
      FORM.contact.phone,
      '--contact-email',
      FORM.contact.email,
      '--other-proposals',
      FORM.otherProposals,
    ];
    const created = await json('connection', 'submit', ...form);
    assert.equal(created.status, 'submitted');
    assert.equal(created.contact.unit, null);

    const human = await lgsp('connection', 'show', created.id);
    assert.equal(human.code, 0, human.err);
    assert.match(human.out, /1\. Mục đích \/ Purpose\s+Khai thác dữ liệu hộ tịch/);

    const listed = await lgsp('connection', 'list', '--status', 'submitted');
    assert.equal(listed.code, 0, listed.err);
    assert.match(listed.out, new RegExp(created.id));
    assert.match(listed.out, /chờ xử lý/);

    const file = join(dir, 'cong-van.docx');
    const saved = await json('connection', 'letter', created.id, '--out', file);
    assert.equal(saved.file, file);
    assert.ok(existsSync(file), 'existsSync(file)');
    const text = await docxText(readFileSync(file));
    assert.ok(text.includes(FORM.purpose), 'text.includes(FORM.purpose)');
    assert.ok(
      text.includes(`thư điện tử: ${FORM.contact.email}`),
      'text.includes(`thư điện tử: FORM.contact.email}`)',
    );
    // Without a unit the contact point works at the applying organization.
    assert.ok(text.includes('Đơn vị công tác: Sở Tư pháp'), "text.includes('Đơn vị công tác: Sở Tư pháp')");
    // The province is the branding's (the default "Tỉnh Mẫu / Sample Province"), never An Giang's by default:
    // its regulation's number is left blank to fill in.
    for (const expected of [
      'Kính gửi: Sở Thông tin và Truyền thông tỉnh Mẫu',
      'Nền tảng tích hợp, chia sẻ dữ liệu tỉnh Mẫu',
      'Quyết định số ........ ngày ........ của UBND tỉnh Mẫu',
    ]) {
      assert.ok(text.includes(expected), `the letter says "${expected}"`);
    }
    assert.ok(!text.includes('An Giang'), text);

    const approved = await json('connection', 'approve', created.id, '--note', 'Đồng ý');
    assert.equal(approved.request.status, 'approved');
    assert.equal((await h.registry.getSystem(approved.system.id)).name, FORM.systemName);

    const again = await lgsp('connection', 'approve', created.id);
    assert.equal(again.code, 1);
    assert.match(again.err, /CP_REQUEST_STATE \(HTTP 409\)/);

    const missingReason = await lgsp('connection', 'reject', created.id);
    assert.equal(missingReason.code, 2);
    assert.match(missingReason.err, /--reason/);

    const noRole = await lgsp('connection', 'submit', ...form.filter((a) => a !== '--consumer'));
    assert.equal(noRole.code, 2);

    const unknown = await lgsp('connection', 'letter', 'req_nope', '--out', join(dir, 'x.docx'));
    assert.equal(unknown.code, 1);
    assert.match(unknown.err, /CP_REQUEST_NOT_FOUND/);
    assert.ok(!existsSync(join(dir, 'x.docx')), "!existsSync(join(dir, 'x.docx'))");

    const help = await lgsp('connection', '--help');
    assert.equal(help.code, 0);
    assert.match(help.out, /lgsp connection letter <id>/);
  });
});
