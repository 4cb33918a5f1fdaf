import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { documentForConsumers } from '../src/control/api-document.ts';
import { type AdminHarness, openAdminHarness } from './helpers/admin-api.ts';
import { FULL_DESCRIPTION } from './helpers/onboard.ts';
import { storeKinds } from './helpers/stores.ts';
import { wsdl11, wsdl20 } from './helpers/wsdl.ts';

/**
 * Findings of an outside review of a fresh platform, from an attacker's side (docs/security.md), each with the
 * measure that closes it.
 */

const GATEWAY = 'https://api.lgsp.angiang.gov.vn';
/** The provider's own server: what its generator wrote into the documents, never for consumers' eyes. */
const INTERNAL = /10\.20\.30\.40|hotich-internal|datdai\.example|soap12-internal|thue-internal/;

/** An OpenAPI document as generators write it: the provider's server at every level OpenAPI lets one be named. */
const OPENAPI_WITH_SERVERS = JSON.stringify({
  openapi: '3.0.3',
  info: { title: 'Tra cứu hộ tịch', version: '1.0' },
  servers: [{ url: 'http://10.20.30.40:8080/api/hotich', description: 'máy chủ nội bộ' }],
  paths: {
    '/khaisinh/{so}': {
      servers: [{ url: 'http://hotich-internal.angiang.local/v1' }],
      get: {
        servers: [{ url: 'http://10.20.30.40:8081' }],
        parameters: [{ name: 'so', in: 'path', required: true, schema: { type: 'string' } }],
        responses: {
          '200': {
            description: 'Thành công',
            links: { chiTiet: { operationId: 'chiTiet', server: { url: 'http://10.20.30.40:9000' } } },
          },
        },
      },
    },
  },
  components: {
    links: { khac: { operationId: 'x', server: { url: 'http://hotich-internal.angiang.local' } } },
  },
});

/** A WSDL with a SOAP 1.1 port (the helper's `soap:address`) and a SOAP 1.2 one on another internal host. */
const WSDL_WITH_ADDRESSES = wsdl11({ name: 'DatDai', operation: 'TraCuuThuaDat' }).replace(
  '</wsdl:port>',
  `</wsdl:port>
    <wsdl:port name="DatDaiPort12" binding="tns:DatDaiSoap"><soap12:address xmlns:soap12="http://schemas.xmlsoap.org/wsdl/soap12/"
      location='http://soap12-internal:8080/ws'/></wsdl:port>`,
);

/** A WSDL 2.0 document: its endpoint's `address`. */
const WSDL_20 = wsdl20('http://thue-internal:8080/api');

// biome-ignore lint/suspicious/noExplicitAny: JSON bodies read in assertions
type Json = Record<string, any>;

for (const kind of storeKinds) {
  describe(`security review: the public portal (${kind})`, () => {
    let h: AdminHarness;
    const versions: Record<'hotich' | 'datdai' | 'thue', string> = { hotich: '', datdai: '', thue: '' };

    before(async () => {
      h = await openAdminHarness(kind, { overrides: { gateway: { publicUrl: `${GATEWAY}/` } } });
      h.registry.egress.allowTargets('127.0.0.1:9');
      const org = await h.registry.createOrganization({ code: '000.00.31.H01', name: 'Sở Tư pháp' }, 'test');
      const provider = await h.registry.createSystem(
        { organizationId: org.id, name: 'CSDL Hộ tịch', isProvider: true, isConsumer: false },
        'test',
      );
      for (const [type, context, document] of [
        ['openapi', 'hotich', OPENAPI_WITH_SERVERS],
        ['wsdl', 'datdai', WSDL_WITH_ADDRESSES],
        ['wsdl', 'thue', WSDL_20],
      ] as const) {
        const service = await h.registry.createService(
          { context, name: context, providerSystemId: provider.id, description: FULL_DESCRIPTION },
          'test',
        );
        const version = await h.registry.createVersion(
          service.id,
          {
            version: '1.0',
            upstreams: { sandbox: 'http://127.0.0.1:9/sandbox', production: null },
            resources: [{ method: 'GET', path: '/x' }],
          },
          'test',
        );
        await h.lifecycle.submitVersion(
          version.id,
          { technicalDocument: document, documentType: type },
          'test',
        );
        // The review's outcome written directly: the sandbox evidence that leads there is not this suite's matter.
        await h.store.db
          .updateTable('service_versions')
          .set({ status: 'published', published_at: '2025-02-01T00:00:00Z' })
          .where('id', '=', version.id)
          .execute();
        versions[context] = version.id;
      }
    });
    after(() => h.dispose());

    const document = (id: string) =>
      h.call('GET', `/api/v1/public/versions/${id}/document`, undefined, { token: null });

    test('a published OpenAPI document names the gateway, never the provider’s servers (anyone reads it unsigned)', async () => {
      const res = await document(versions.hotich);
      assert.equal(res.statusCode, 200, res.body);
      assert.doesNotMatch(res.body, INTERNAL, 'no address of the provider’s own server, at any level');
      const doc = res.json() as Json;
      assert.deepEqual(
        doc['servers'],
        [{ url: `${GATEWAY}/hotich/1.0` }],
        'the version’s address on the gateway',
      );
      const operation = doc['paths']['/khaisinh/{so}']['get'];
      assert.deepEqual(
        operation['parameters'][0]['name'],
        'so',
        'the rest of the document as the provider wrote it',
      );
      assert.equal(operation['responses']['200']['links']['chiTiet']['operationId'], 'chiTiet');
      const operations = await h.call(
        'GET',
        `/api/v1/public/versions/${versions.hotich}/operations`,
        undefined,
        {
          token: null,
        },
      );
      assert.deepEqual(
        (operations.json() as Json)['items'].map((o: Json) => [o.method, o.path]),
        [['GET', '/khaisinh/{so}']],
        'the operations are still read from it',
      );
    });

    test('a published WSDL’s SOAP ports name the gateway, never the provider’s endpoint', async () => {
      const res = await document(versions.datdai);
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.headers['content-type'], 'application/xml; charset=utf-8');
      assert.doesNotMatch(res.body, INTERNAL, 'neither the soap:address nor the soap12:address location');
      assert.equal(
        res.body.match(new RegExp(`location="${GATEWAY}/datdai/1\\.0"`, 'g'))?.length,
        2,
        'both ports point at the version on the gateway',
      );
      assert.match(res.body, /<wsdl:operation name="TraCuuThuaDat">/, 'the rest of the WSDL as written');
    });

    test('a WSDL 2.0 endpoint’s address names the gateway', async () => {
      const res = await document(versions.thue);
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.body, WSDL_20.replace('http://thue-internal:8080/api', `${GATEWAY}/thue/1.0`));
    });
  });
}

test('replacing a WSDL’s addresses stays linear: a comment full of `<address` does not stall the event loop', () => {
  // Well-formed XML a provider may submit: a comment (or CDATA) can hold `<` and no `>` until its end. Scanning each
  // `<address` to the next `>` made this ~10^10 steps, seconds of a loop the public portal shares with the gateway.
  const hostile = WSDL_20.replace('<service', `<!--${'<address location'.repeat(40_000)}-->\n  <service`);
  const started = performance.now();
  const answered = documentForConsumers('wsdl', hostile, `${GATEWAY}/thue/1.0`);
  const tookMs = performance.now() - started;
  assert.ok(tookMs < 1000, `took ${tookMs.toFixed(0)} ms`);
  assert.doesNotMatch(answered ?? '', /thue-internal/, 'the endpoint behind the comment is still replaced');
});
