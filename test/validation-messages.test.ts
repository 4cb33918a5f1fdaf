import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Type } from '@sinclair/typebox';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { validationMessages } from '../src/api/validation-messages.ts';
import { type AdminHarness, openAdminHarness, seedProvince } from './helpers/admin-api.ts';
import { FULL_DESCRIPTION, OPENAPI_DOC } from './helpers/onboard.ts';
import { storeKinds } from './helpers/stores.ts';

// biome-ignore lint/suspicious/noExplicitAny: JSON bodies read in assertions
type Json = Record<string, any>;
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

/** "Tiếng Việt / English": a Vietnamese text (a letter with a diacritic, or a Vietnamese word) before the slash. */
const VIETNAMESE_FIRST =
  /^[^/]*[àáảãạăắằẳẵặâấầẩẫậèéẻẽẹêếềểễệìíỉĩịòóỏõọôốồổỗộơớờởỡợùúủũụưứừửữựỳýỷỹỵđ][^/]* \/ .+/i;

for (const kind of storeKinds) {
  describe(`validation problems are Vietnamese first, naming fields by their Vietnamese label (${kind})`, () => {
    let h: AdminHarness;
    let seed: Awaited<ReturnType<typeof seedProvince>>;
    before(async () => {
      h = await openAdminHarness(kind);
      seed = await seedProvince(h);
    });
    after(() => h.dispose());

    const refused = async (method: string, url: string, body: unknown, code = 'API_VALIDATION_FAILED') => {
      const res = await h.call(method, url, body);
      assert.equal(res.statusCode, 400, res.body);
      const problem = res.json() as Json;
      assert.equal(problem.code, code);
      for (const e of problem.errors as Json[]) assert.match(e.message, VIETNAMESE_FIRST, e.message);
      return problem;
    };

    test('a too-short field: its label and the length, Vietnamese first (not "must NOT have fewer than 10 characters")', async () => {
      const problem = await refused('POST', '/api/v1/users', {
        username: 'canbo',
        displayName: 'Cán bộ',
        password: 'ngan',
        role: 'operator_reviewer',
      });
      assert.deepEqual(problem.errors, [
        {
          in: 'body',
          path: '/password',
          message: '"Mật khẩu ≥ 10 ký tự": cần ít nhất 10 ký tự / must have at least 10 characters',
        },
      ]);
      assert.equal(
        problem.detail,
        'body/password: "Mật khẩu ≥ 10 ký tự": cần ít nhất 10 ký tự / must have at least 10 characters',
      );
      assert.doesNotMatch(problem.detail, /must NOT/);
    });

    test('a missing R-11 item is named in Vietnamese (Decree 47/2020 Art. 24), not by its English key', async () => {
      const { dataQuality: _left, ...partial } = FULL_DESCRIPTION;
      const patched = await h.call('PATCH', `/api/v1/services/${seed.service.id}`, { description: partial });
      assert.equal(patched.statusCode, 200, patched.body);
      const problem = await refused(
        'POST',
        `/api/v1/versions/${seed.version.id}/submit`,
        { technicalDocument: OPENAPI_DOC, documentType: 'openapi' },
        'CP_DESCRIPTION_INCOMPLETE',
      );
      assert.equal(
        problem.detail,
        'Mô tả kỹ thuật của dịch vụ còn thiếu (R-11, Nghị định 47/2020 Điều 24): ' +
          'Chất lượng dữ liệu (thu thập, phê duyệt, cập nhật, thời điểm). / The technical description lacks: Data quality.',
      );
      assert.deepEqual(problem.errors, [
        {
          in: 'service',
          path: '/description/dataQuality',
          message:
            '"Chất lượng dữ liệu (thu thập, phê duyệt, cập nhật, thời điểm)": bắt buộc trước khi gửi / required before submitting',
        },
      ]);
    });

    test('an unknown field, and a missing one named by its label', async () => {
      const problem = await refused('POST', '/api/v1/subscriptions', {
        versionId: seed.version.id,
        environment: 'sandbox',
        adminNote: 'x',
      });
      assert.deepEqual(problem.errors, [
        { in: 'body', path: '/systemId', message: '"Hệ thống khai thác": bắt buộc / required' },
        { in: 'body', path: '/adminNote', message: 'trường không được phép / unknown field' },
      ]);
    });

    test('a bad enum is said once, listing the values; a nullable field is not told it could be null', async () => {
      const role = await refused('POST', '/api/v1/users', {
        username: 'canbo',
        displayName: 'Cán bộ',
        password: 'mat-khau-du-dai',
        role: 'superuser',
      });
      assert.deepEqual(role.errors, [
        {
          in: 'body',
          path: '/role',
          message:
            'chỉ nhận một trong: operator_admin, operator_reviewer, auditor, agency / ' +
            'must be one of: operator_admin, operator_reviewer, auditor, agency',
        },
      ]);
      const quota = await refused('POST', '/api/v1/subscriptions', {
        systemId: seed.consumer.id,
        versionId: seed.version.id,
        environment: 'staging',
        quotaPerDay: 'nhiều',
      });
      assert.deepEqual(quota.errors, [
        {
          in: 'body',
          path: '/environment',
          message:
            '"Môi trường kết nối kỹ thuật (sandbox) hoặc chính thức (production)": chỉ nhận một trong: sandbox, production / must be one of: sandbox, production',
        },
        {
          in: 'body',
          path: '/quotaPerDay',
          message: '"Hạn mức số lần gọi mỗi ngày": phải là số nguyên / must be integer',
        },
      ]);
    });
  });
}

describe('every Ajv keyword the contract uses reads Vietnamese first', () => {
  const ajv = new Ajv({ allErrors: true, strict: true, verbose: true });
  addFormats(ajv);
  const schema = Type.Object(
    {
      name: Type.String({ minLength: 1, maxLength: 3, description: 'Tên / name' }),
      code: Type.String({ pattern: '^[0-9]+$' }),
      email: Type.String({ format: 'email' }),
      at: Type.String({ format: 'date-time' }),
      count: Type.Integer({ minimum: 1, maximum: 5 }),
      ratio: Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1 }),
      tags: Type.Array(Type.String(), { minItems: 1, maxItems: 2, uniqueItems: true }),
      kind: Type.Unsafe<string>({ type: 'string', enum: ['a', 'b'] }),
      flag: Type.Boolean(),
      extra: Type.Object({}, { minProperties: 1 }),
    },
    { additionalProperties: false },
  );
  const validate = ajv.compile(schema);

  test('each refused place has one "Tiếng Việt / English" message, without the value sent', () => {
    const secret = 'mật-khẩu-bí-mật';
    validate({
      name: secret,
      code: 'x',
      email: 'x',
      at: 'hôm qua',
      count: 9,
      ratio: 1,
      tags: ['t', 't', 't'],
      kind: 'c',
      flag: 'yes',
      extra: {},
      other: 1,
    });
    const messages = validationMessages(validate.errors ?? []);
    const byPath = Object.fromEntries(messages.map((m) => [m.path, m.message]));
    assert.equal(byPath['/name'], '"Tên": tối đa 3 ký tự / must have at most 3 characters');
    assert.equal(byPath['/code'], 'sai định dạng (mẫu ^[0-9]+$) / must match ^[0-9]+$');
    assert.equal(byPath['/email'], 'sai định dạng: cần địa chỉ thư điện tử / must be a valid email');
    assert.match(byPath['/at']!, /^sai định dạng: cần thời điểm ISO 8601/);
    assert.equal(byPath['/count'], 'không được quá 5 / must be at most 5');
    assert.equal(byPath['/ratio'], 'phải nhỏ hơn 1 / must be less than 1');
    assert.equal(byPath['/kind'], 'chỉ nhận một trong: a, b / must be one of: a, b');
    assert.equal(byPath['/flag'], 'phải là true hoặc false / must be boolean');
    assert.equal(byPath['/extra'], 'cần ít nhất 1 trường / must have at least 1 fields');
    assert.equal(byPath['/other'], 'trường không được phép / unknown field');
    const tags = messages.filter((m) => m.path === '/tags').map((m) => m.message);
    assert.deepEqual(tags.sort(), [
      'các phần tử không được trùng nhau (phần tử 1 và 2) / must not have duplicate items (items 1 and 2)',
      'tối đa 2 phần tử / must have at most 2 items',
    ]);
    for (const m of messages) {
      assert.match(m.message, VIETNAMESE_FIRST, m.message);
      assert.ok(!m.message.includes(secret), 'the value sent is never repeated');
    }
  });
});
