import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import {
  type ApiDocumentProblem,
  describeApiDocumentProblem,
  validateApiDocument,
} from '../src/control/api-document.ts';
import { type AdminHarness, openAdminHarness } from './helpers/admin-api.ts';
import { FULL_DESCRIPTION } from './helpers/onboard.ts';
import { wsdl11, wsdl20 } from './helpers/wsdl.ts';

const INFO = { title: 'Tra cứu hộ tịch', version: '1.0' };
const GET_BIRTH = {
  get: {
    parameters: [{ name: 'so', in: 'path', required: true, schema: { type: 'string' } }],
    responses: { '200': { $ref: '#/components/responses/KhaiSinh' } },
  },
};
const COMPONENTS = {
  responses: {
    KhaiSinh: {
      description: 'Giấy khai sinh',
      content: { 'application/json': { schema: { $ref: '#/components/schemas/KhaiSinh' } } },
    },
  },
  schemas: { KhaiSinh: { type: 'object', properties: { hoTen: { type: 'string' } } } },
};
const openapi = (version: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    openapi: version,
    info: INFO,
    paths: { '/khaisinh/{so}': GET_BIRTH },
    components: COMPONENTS,
    ...extra,
  });

const YAML_31 = `openapi: 3.1.0
info:
  title: Tra cứu hộ tịch
  version: "1.0"
paths:
  /khaisinh/{so}:
    get:
      parameters:
        - name: so
          in: path
          required: true
          schema: { type: string }
      responses:
        "200":
          $ref: "#/components/responses/KhaiSinh"
components:
  responses:
    KhaiSinh:
      description: Giấy khai sinh
`;

const WSDL_11 = wsdl11({ name: 'HoTich', operation: 'TraCuu' });
/** A valid WSDL with `depth` elements nested in its documentation (well-formed XML, hostile depth). */
const nestedWsdl = (depth: number) =>
  WSDL_11.replace('</wsdl:definitions>', `${'<x>'.repeat(depth)}${'</x>'.repeat(depth)}</wsdl:definitions>`);

const WSDL_20 = wsdl20('https://thue.example/api');

const paths = (problems: ApiDocumentProblem[]) => problems.map((p) => p.path);

describe('OpenAPI documents', () => {
  test('valid: 3.0 and 3.1, JSON and YAML, with internal $refs', async () => {
    assert.deepEqual(await validateApiDocument('openapi', openapi('3.0.3')), []);
    assert.deepEqual(await validateApiDocument('openapi', openapi('3.1.0')), []);
    assert.deepEqual(await validateApiDocument('openapi', YAML_31), []);
    assert.deepEqual(await validateApiDocument('openapi', YAML_31.replace('3.1.0', '3.0.3')), []);
  });

  test('a missing info, a wrong type and a missing path parameter are named by where they are', async () => {
    const noInfo = JSON.parse(openapi('3.0.3'));
    delete noInfo.info;
    const missing = await validateApiDocument('openapi', JSON.stringify(noInfo));
    assert.deepEqual(paths(missing), ['/info']);
    assert.match(missing[0]!.message, /^thiếu trường bắt buộc \/ must have required property 'info'$/);
    assert.equal(
      describeApiDocumentProblem('openapi', missing[0]!),
      "Tài liệu OpenAPI không hợp lệ tại /info: thiếu trường bắt buộc / must have required property 'info'",
    );

    const wrongType = JSON.parse(openapi('3.0.3'));
    wrongType.components.responses.KhaiSinh.description = 42;
    const typed = await validateApiDocument('openapi', JSON.stringify(wrongType));
    assert.ok(typed.length > 0, 'typed.length > 0');
    assert.match(typed[0]!.path, /\/description$/);
    assert.match(typed[0]!.message, /^sai kiểu dữ liệu \/ must be string/);

    const noParameter = await validateApiDocument(
      'openapi',
      JSON.stringify({
        openapi: '3.0.3',
        info: INFO,
        paths: { '/x/{id}': { get: { responses: { '200': { description: 'ok' } } } } },
      }),
    );
    assert.equal(noParameter.length, 1);
    assert.match(noParameter[0]!.message, /\{id\}/);
  });

  test('a $ref to nothing in the document is named at the $ref', async () => {
    const broken = openapi('3.1.0').replace(
      '#/components/responses/KhaiSinh',
      '#/components/responses/KhongCo',
    );
    const problems = await validateApiDocument('openapi', broken);
    assert.deepEqual(paths(problems), ['/paths/~1khaisinh~1{so}/get/responses/200/$ref']);
    assert.match(problems[0]!.message, /KhongCo/);
  });

  test('a $ref to an inherited name (constructor, __proto__, toString) names nothing in the document', async () => {
    for (const target of ['#/constructor/prototype', '#/__proto__', '#/components/toString']) {
      const problems = await validateApiDocument(
        'openapi',
        openapi('3.1.0').replace('#/components/responses/KhaiSinh', target),
      );
      assert.deepEqual(paths(problems), ['/paths/~1khaisinh~1{so}/get/responses/200/$ref'], target);
    }
  });

  test('external $refs are refused, never fetched: no URL, no file', async () => {
    let fetched = 0;
    const server = createServer((_req, res) => {
      fetched++;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ description: 'từ xa' }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/response.json`;
      for (const ref of [url, 'file:///etc/passwd', '../../etc/passwd#/x', 'schemas.yaml#/KhaiSinh']) {
        const text = openapi('3.0.3').replace('#/components/responses/KhaiSinh', ref);
        const problems = await validateApiDocument('openapi', text);
        assert.deepEqual(paths(problems), ['/paths/~1khaisinh~1{so}/get/responses/200/$ref'], ref);
        assert.match(
          problems[0]!.message,
          /tham chiếu ra ngoài tài liệu không được phép.* \/ an external \$ref is refused/,
        );
      }
      assert.equal(fetched, 0, 'nothing fetched');
    } finally {
      server.close();
    }
  });

  test('$refs that double at every level are refused before the schema walk, not expanded', async () => {
    const schemas: Record<string, unknown> = { L40: { type: 'string' } };
    for (let i = 0; i < 40; i++) {
      const next = { $ref: `#/components/schemas/L${i + 1}` };
      schemas[`L${i}`] = { type: 'object', properties: { a: next, b: next } };
    }
    const doc = { openapi: '3.0.3', info: INFO, paths: {}, components: { schemas } };
    const [problem] = await validateApiDocument('openapi', JSON.stringify(doc));
    assert.match(problem!.message, /the document expands to more than 1000000 values/);
  });

  test('not OpenAPI 3, or not even JSON/YAML', async () => {
    const swagger = await validateApiDocument(
      'openapi',
      JSON.stringify({ swagger: '2.0', info: INFO, paths: {} }),
    );
    assert.deepEqual(paths(swagger), ['/openapi']);
    assert.deepEqual(paths(await validateApiDocument('openapi', '<html>không phải</html>')), ['']);
    const yaml = await validateApiDocument('openapi', 'openapi: 3.0.3\ninfo: [\n');
    assert.match(
      yaml[0]!.message,
      /^YAML sai cú pháp \(dòng \/ line \d+, cột \/ column \d+\) \/ malformed YAML/,
    );
    const json = await validateApiDocument('openapi', '{"openapi": "3.0.3",');
    assert.match(json[0]!.message, /^JSON sai cú pháp \/ malformed JSON/);
  });
});

describe('WSDL documents', () => {
  test('valid: WSDL 1.1 and 2.0', async () => {
    assert.deepEqual(await validateApiDocument('wsdl', WSDL_11), []);
    assert.deepEqual(await validateApiDocument('wsdl', WSDL_20), []);
  });

  test('malformed XML names its line; a DOCTYPE is refused', async () => {
    const [bad] = await validateApiDocument('wsdl', WSDL_11.replace('</wsdl:portType>', ''));
    assert.match(bad!.message, /^XML sai cú pháp \(dòng \/ line \d+, cột \/ column \d+\) \/ malformed XML/);
    const [doctype] = await validateApiDocument(
      'wsdl',
      `<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>${WSDL_11}`,
    );
    assert.match(doctype!.message, /DOCTYPE/);
    // Well-formed, but nested past what the parser reads (100 levels): a problem of the document, not a crash.
    const [deep] = await validateApiDocument('wsdl', nestedWsdl(150));
    assert.match(deep!.message, /lồng quá sâu|nested too deep/);
  });

  test('no service, no operation, or a reference to nothing is named by where it is', async () => {
    const noService = await validateApiDocument(
      'wsdl',
      WSDL_11.replace(/<wsdl:service[\s\S]*<\/wsdl:service>/, ''),
    );
    assert.deepEqual(paths(noService), ['/definitions/service']);
    assert.match(noService[0]!.message, /^thiếu service \/ no service$/);
    const noOperation = await validateApiDocument(
      'wsdl',
      WSDL_11.replace(
        /<wsdl:portType name="HoTich">[\s\S]*?<\/wsdl:portType>/,
        '<wsdl:portType name="HoTich"/>',
      ),
    );
    assert.deepEqual(paths(noOperation), ["/definitions/portType[@name='HoTich']/operation"]);
    const dangling = await validateApiDocument(
      'wsdl',
      WSDL_11.replace('message="tns:TraLoi"', 'message="tns:KhongCo"')
        .replace('element="tns:KetQua"', 'element="tns:Khac"')
        .replace('binding="tns:HoTichSoap"', 'binding="tns:Sai"'),
    );
    assert.deepEqual(paths(dangling), [
      "/definitions/message[@name='TraLoi']/part[@name='body']",
      "/definitions/portType[@name='HoTich']/operation[@name='TraCuu']/output",
      "/definitions/service[@name='HoTichService']/port[@name='HoTichPort']",
    ]);
    const noInterface = await validateApiDocument(
      'wsdl',
      WSDL_20.replace(/<interface[\s\S]*?<\/interface>/, ''),
    );
    assert.ok(
      paths(noInterface).includes('/description/interface'),
      "paths(noInterface).includes('/description/interface')",
    );
    const wrongBinding = await validateApiDocument(
      'wsdl',
      WSDL_20.replace('binding="tns:ThueHttp"', 'binding="tns:Sai"'),
    );
    assert.deepEqual(paths(wrongBinding), [
      "/description/service[@name='ThueService']/endpoint[@name='ThueEndpoint']",
    ]);
  });

  test('the root must be WSDL in the WSDL namespace', async () => {
    const html = await validateApiDocument('wsdl', '<html><body>không phải</body></html>');
    assert.deepEqual(paths(html), ['/html']);
    const wrongNs = await validateApiDocument(
      'wsdl',
      WSDL_11.replace('"http://schemas.xmlsoap.org/wsdl/"', '"urn:x"'),
    );
    assert.deepEqual(paths(wrongNs), ['/definitions']);
  });
});

describe('submitting a version through the admin API', () => {
  let h: AdminHarness;
  let versionId: string;
  before(async () => {
    h = await openAdminHarness('pglite');
    const org = await h.registry.createOrganization({ code: '000.00.20.H01', name: 'Sở Tư pháp' }, 'test');
    const system = await h.registry.createSystem(
      { organizationId: org.id, name: 'Hệ thống hộ tịch', isProvider: true, isConsumer: false },
      'test',
    );
    const service = await h.registry.createService(
      {
        context: 'hotich',
        name: 'Tra cứu hộ tịch',
        providerSystemId: system.id,
        description: FULL_DESCRIPTION,
      },
      'test',
    );
    versionId = (await h.registry.createVersion(service.id, { version: '1.0' }, 'test')).id;
  });
  after(() => h?.dispose());

  test('a bad document is refused with a 400 naming the problem; a good one is submitted', async () => {
    const submit = (technicalDocument: string, documentType: 'openapi' | 'wsdl') =>
      h.call('POST', `/api/v1/versions/${versionId}/submit`, { technicalDocument, documentType });
    const broken = openapi('3.0.3').replace('#/components/responses/KhaiSinh', 'https://example.com/x.json');
    const refused = await submit(broken, 'openapi');
    assert.equal(refused.statusCode, 400, refused.body);
    const problem = refused.json();
    assert.equal(problem.code, 'CP_DESCRIPTION_INCOMPLETE');
    assert.match(
      problem.detail,
      /Tài liệu OpenAPI không hợp lệ tại \/paths\/~1khaisinh~1\{so\}\/get\/responses\/200\/\$ref: tham chiếu ra ngoài/,
    );
    assert.deepEqual(problem.errors, [
      {
        in: 'technicalDocument',
        path: '/paths/~1khaisinh~1{so}/get/responses/200/$ref',
        message: problem.errors[0].message,
      },
    ]);
    const noService = await submit(WSDL_11.replace(/<wsdl:service[\s\S]*<\/wsdl:service>/, ''), 'wsdl');
    assert.equal(noService.statusCode, 400);
    assert.match(
      noService.json().detail,
      /Tài liệu WSDL không hợp lệ tại \/definitions\/service: thiếu service/,
    );
    // Submitted, it used to be a 500 (the parser's own error, thrown on the reading thread).
    const deep = await submit(nestedWsdl(250_000), 'wsdl');
    assert.equal(deep.statusCode, 400, deep.body);
    assert.match(deep.json().detail, /Tài liệu WSDL không hợp lệ.*lồng quá sâu/);
    assert.equal((await h.registry.getVersion(versionId)).status, 'draft');

    const accepted = await submit(WSDL_11, 'wsdl');
    assert.equal(accepted.statusCode, 200, accepted.body);
    assert.equal(accepted.json().status, 'submitted');
  });
});
