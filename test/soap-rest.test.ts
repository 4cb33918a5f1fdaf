import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import * as soap from 'soap';
import { listApiOperations, parseWsdl, unsupportedSoapRestConstructs } from '../src/control/api-document.ts';
import { checkWsdlSubmission, readWsdlSubmission } from '../src/control/wsdl-rest.ts';
import { LgspError } from '../src/core/errors.ts';
import { EMPTY_SHA256 } from '../src/core/hashing.ts';
import { describePort, openWsdl, openWsdlSliced } from '../src/core/soap-wsdl.ts';
import { VIETNAM_OFFSET_MINUTES } from '../src/core/time.ts';
import { compileSoapRest } from '../src/gateway/soap-rest-table.ts';
import { createLogger } from '../src/telemetry/logger.ts';
import { getToken, startGatewayHarness } from './helpers/gateway-harness.ts';
import { FULL_DESCRIPTION, publishThroughSandbox } from './helpers/onboard.ts';
import { storeKinds } from './helpers/stores.ts';
import { allowEgressTo } from './helpers/upstream.ts';
import { bigWsdl, wsdl11 } from './helpers/wsdl.ts';

// Issue 12 item 6: a SOAP 1.1 backend described by a WSDL 1.1, exposed as a REST/JSON service by the gateway.

const WSDL = wsdl11({ name: 'HoTich', operation: 'TraCuu', typedAnswer: true });
const WSDL_12 = wsdl11({ name: 'HoTich', operation: 'TraCuu', typedAnswer: true, soapVersion: '1.2' });
const FAULT_TEXT = 'Không tìm thấy hồ sơ / record not found';

/** A real SOAP server: the `soap` package's own `listen` on a node:http server, answering real envelopes. */
async function startSoapServer(wsdl = WSDL, soapVersion: '1.1' | '1.2' = '1.1') {
  const seen: Array<{ headers: IncomingHttpHeaders; envelope: string }> = [];
  const server: Server = createServer((_req, res) => {
    // `soap.listen` answers the path it serves; anything else is a 404, as a real endpoint would.
    res.writeHead(404);
    res.end();
  });
  const services = {
    HoTichService: {
      HoTichPort: {
        // An empty request element reaches the handler as null.
        TraCuu(args: { so?: string } | null) {
          if (args?.so === 'loi') {
            throw { Fault: { faultcode: 'soap:Server', faultstring: FAULT_TEXT } };
          }
          return { hoTen: 'Nguyễn Văn An', tuoi: 36, conSong: true, diaChi: ['Hà Nội', 'Huế'] };
        },
      },
    },
  };
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  await new Promise<void>((resolve, reject) =>
    soap.listen(server, {
      path: '/ws',
      services,
      xml: wsdl,
      forceSoap12Headers: soapVersion === '1.2',
      callback: (err: unknown) => (err ? reject(err) : resolve()),
    }),
  );
  // `soap.listen` took over the server's request listeners once ready: what arrives is noted before them.
  server.prependListener('request', (req) => {
    let envelope = '';
    req.on('data', (c: Buffer) => {
      envelope += c.toString('utf8');
    });
    req.on('end', () => seen.push({ headers: req.headers, envelope }));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    port: (server.address() as AddressInfo).port,
    seen,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

describe('unsupported XSD constructs (pure)', () => {
  test('xs:any is named with its element path', () => {
    const problems = unsupportedSoapRestConstructs(
      parseWsdl(
        wsdl11({ name: 'HoTich', operation: 'TraCuu', inRequest: '<xsd:any processContents="lax"/>' }),
      ),
    );
    assert.equal(problems.length, 1);
    assert.match(problems[0]!.message, /^xs:any:/);
    assert.equal(
      problems[0]!.path,
      "/definitions/types/schema/element[@name='TraCuu']/complexType/sequence/any",
    );
  });

  test('a choice of simple elements is accepted; a choice with a structure is named', () => {
    const simple =
      '<xsd:choice><xsd:element name="a" type="xsd:string"/><xsd:element name="b" type="xsd:int"/></xsd:choice>';
    assert.deepEqual(
      unsupportedSoapRestConstructs(parseWsdl(wsdl11({ name: 'H', operation: 'T', inRequest: simple }))),
      [],
    );
    const complex =
      '<xsd:choice><xsd:element name="a" type="xsd:string"/><xsd:element name="b"><xsd:complexType><xsd:sequence>' +
      '<xsd:element name="c" type="xsd:string"/></xsd:sequence></xsd:complexType></xsd:element></xsd:choice>';
    const problems = unsupportedSoapRestConstructs(
      parseWsdl(wsdl11({ name: 'H', operation: 'T', inRequest: complex })),
    );
    assert.deepEqual(
      problems.map((p) => [p.path, p.message.split(':')[0]]),
      [["/definitions/types/schema/element[@name='TraCuu']/complexType/sequence/choice", 'xs']],
    );
    assert.match(problems[0]!.message, /^xs:choice: /);
  });

  test('mixed content, substitution groups, external schemas, anyAttribute: each named', () => {
    const inRequest =
      '<xsd:element name="m"><xsd:complexType mixed="true"><xsd:sequence/></xsd:complexType></xsd:element>' +
      '<xsd:element name="s" substitutionGroup="tns:m"/>' +
      '<xsd:element name="x"><xsd:complexType><xsd:anyAttribute/></xsd:complexType></xsd:element>';
    const doc = wsdl11({ name: 'H', operation: 'T', inRequest }).replace(
      '<xsd:element name="TraCuu">',
      '<xsd:import namespace="urn:x" schemaLocation="http://169.254.169.254/x.xsd"/><xsd:element name="TraCuu">',
    );
    const named = unsupportedSoapRestConstructs(parseWsdl(doc)).map((p) => p.message.split(': ')[0]);
    assert.deepEqual(named.sort(), [
      'mixed',
      'substitutionGroup',
      'xs:anyAttribute',
      'xs:import schemaLocation',
    ]);
  });
});

describe('a submitted WSDL is read once', () => {
  test('checked and resolved with one pass of the XML parser and one of `soap`, not seven', async (t) => {
    // The parsers' own methods counted: before, submission validated and parsed the text three times each
    // (validation, the unsupported constructs, the ports), then `soap` read it once more.
    const validated = t.mock.method(XMLValidator, 'validate');
    const parsed = t.mock.method(XMLParser.prototype, 'parse');
    const soapRead = t.mock.method(
      soap.WSDL.prototype as unknown as { _parse: (xml: string) => unknown },
      '_parse',
    );
    const checked = await readWsdlSubmission({
      text: WSDL,
      soapRest: { port: null, soapVersion: null, operations: null },
    });
    assert.deepEqual(checked.problems, []);
    assert.deepEqual(checked.soapRest?.resources, [
      { method: 'POST', path: '/TraCuu' },
      { method: 'GET', path: '/TraCuu' },
    ]);
    assert.equal(validated.mock.callCount(), 1, 'XMLValidator.validate');
    assert.equal(parsed.mock.callCount(), 1, 'XMLParser.parse');
    assert.equal(soapRead.mock.callCount(), 1, 'soap WSDL._parse');
  });

  test('the portal lists a document’s operations reading it once, however often it is asked', (t) => {
    // The public operations page needs no sign-in: each request re-reading a large WSDL would stall the gateway.
    const text = `${WSDL}<!-- ${Date.now()} -->`;
    const parsed = t.mock.method(XMLParser.prototype, 'parse');
    const first = listApiOperations('wsdl', text);
    assert.ok(first.length > 0, 'the operations are listed');
    for (let i = 0; i < 5; i++)
      assert.deepEqual(listApiOperations('wsdl', text), first, 'the same list each time');
    assert.equal(parsed.mock.callCount(), 1, 'XMLParser.parse once for six asks');
    listApiOperations('wsdl', `${text} `);
    assert.equal(parsed.mock.callCount(), 2, 'a changed document is read anew');
  });

  test('on a thread of its own: a refusal comes back as the document’s 400, naming the construct', async () => {
    const plan = { port: null, soapVersion: null, operations: null };
    const bad = wsdl11({ name: 'H', operation: 'T', inRequest: '<xsd:any/>' });
    await assert.rejects(checkWsdlSubmission(bad, plan), (err: LgspError) => {
      assert.equal(err.code, 'CP_SOAP_REST_INVALID');
      assert.match(err.detail ?? '', /xs:any: nội dung tuỳ ý/);
      return true;
    });
    const malformed = await checkWsdlSubmission('<definitions>', null);
    assert.match(malformed.problems[0]!.message, /^XML sai cú pháp .* \/ malformed XML/);
  });
});

describe('the gateway compiles a WSDL without holding its event loop', () => {
  test('the sliced reading builds the same model as `soap`’s own', async () => {
    for (const doc of [WSDL, WSDL_12, bigWsdl(40)]) {
      const own = (await openWsdl(doc)).describeServices();
      const sliced = await openWsdlSliced(doc);
      assert.deepEqual(sliced.describeServices(), own);
    }
    await assert.rejects(openWsdlSliced('<html><body>down for maintenance</body></html>'), /<html>/);
    await assert.rejects(openWsdlSliced('<nope/>'), /Unexpected root element/);
  });

  test('a 1.5 MB WSDL applied with a snapshot: the loop keeps turning, and an unchanged document is compiled once', async () => {
    // The snapshot's compilation of a SOAP-as-REST route (compileSnapshot → compileSoapRest), timed by a 10 ms
    // ticker. Read at once, the document held the loop for the whole compilation (≈ 0.9 s here, one stretch); read
    // in slices, the longest stretch is a small part of it. A ratio, not a time: the machine is shared.
    const text = `${bigWsdl(1500)}<!-- ${Date.now()} -->`;
    const plan = {
      port: 'LonPort',
      soapVersion: '1.1' as const,
      operations: [{ operation: 'Op7', method: 'POST' as const, path: '/Op7' }],
    };
    await openWsdl(WSDL); // `soap` loaded, as on a gateway that already converts a version
    let last = performance.now();
    let worstGapMs = 0;
    let ticks = 0;
    const ticker = setInterval(() => {
      const now = performance.now();
      worstGapMs = Math.max(worstGapMs, now - last);
      last = now;
      ticks++;
    }, 10);
    const started = performance.now();
    const route = compileSoapRest({ plan, wsdl: text });
    // The snapshot takes the route at once (a revocation in the same revision does not wait for the WSDL).
    const returnedMs = performance.now() - started;
    const compiled = await route?.compiled;
    const tookMs = performance.now() - started;
    clearInterval(ticker);
    worstGapMs = Math.max(worstGapMs, performance.now() - last);
    assert.equal(typeof compiled?.methods?.['Op7'], 'function', 'the operation is compiled');
    assert.deepEqual(compiled?.inputFields.get('Op7'), ['so', 'nam']);
    assert.ok(returnedMs < tookMs / 4, `the route came at once (${returnedMs.toFixed(0)} ms)`);
    assert.ok(
      ticks >= 5,
      `the ticker ran during the compilation (${ticks} ticks in ${tookMs.toFixed(0)} ms)`,
    );
    assert.ok(
      worstGapMs < tookMs * 0.35,
      `the longest stretch without a turn, ${worstGapMs.toFixed(0)} ms, is a small part of the ${tookMs.toFixed(0)} ms compilation`,
    );
    // The next revision carries the same document: nothing is read again.
    const again = performance.now();
    assert.equal(compileSoapRest({ plan, wsdl: text })?.compiled, route?.compiled, 'the same compilation');
    await route?.compiled;
    assert.ok(performance.now() - again < tookMs / 4, 'reused, not recompiled');
    assert.equal(describePort(await openWsdl(WSDL), 'HoTichPort')?.service, 'HoTichService');
  });
});

/** The answer limit of the gateway that converts SOAP: short, for the trickling provider. */
const SOAP_LIMIT_MS = 3_000;

for (const kind of storeKinds) {
  describe(`SOAP exposed as REST on ${kind}`, () => {
    let h: Awaited<ReturnType<typeof startGatewayHarness>>;
    let server: Awaited<ReturnType<typeof startSoapServer>>;
    /** The same service speaking SOAP 1.2. */
    let server12: Awaited<ReturnType<typeof startSoapServer>>;
    /** A SOAP server on this machine that the egress policy does not allow. */
    let hidden: Awaited<ReturnType<typeof startSoapServer>>;
    let token: string;
    let sandboxToken: string;
    let providerId: string;
    let consumerId: string;
    /** What the staged resolver answers, by name (a name re-pointed at this machine after it was saved). */
    const dns: Record<string, string[]> = {};
    /** The gateway's log lines (warnings and worse), as JSON. */
    const logLines: string[] = [];

    const call = (path: string, init: RequestInit = {}, bearer = token) =>
      fetch(`${h.url}${path}`, {
        ...init,
        headers: { authorization: `Bearer ${bearer}`, ...(init.headers as Record<string, string>) },
      });

    const soapVersion = async (context: string, upstream: string) => {
      const svc = await h.registry.createService(
        { context, name: context, providerSystemId: providerId, description: FULL_DESCRIPTION },
        'test',
      );
      return h.registry.createVersion(
        svc.id,
        {
          version: '1.0',
          protocol: 'SOAP',
          upstreams: { sandbox: upstream, production: upstream },
          soapRest: {},
          fieldMapping: { response: { mapping: { hoTen: 'tenCongDan' }, constants: { nguon: 'LGSP' } } },
        },
        'test',
      );
    };

    before(async () => {
      server = await startSoapServer();
      hidden = await startSoapServer();
      server12 = await startSoapServer(WSDL_12, '1.2');
      h = await startGatewayHarness(kind, {
        // A short answer limit for the trickling provider below; every other answer comes at once.
        upstreamTimeoutMs: SOAP_LIMIT_MS,
        logger: createLogger(
          { logLevel: 'warn', logFormat: 'json', timezoneOffsetMinutes: VIETNAM_OFFSET_MINUTES },
          { output: { write: (line: string) => logLines.push(line) } },
        ),
        lookup: async (host) => {
          const list = dns[host];
          if (!list) throw Object.assign(new Error(`ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
          return list.map((address) => ({ address }));
        },
      });
      allowEgressTo(h.registry.egress, server.url, server12.url);
      const r = h.registry;
      const justice = await r.createOrganization({ code: '000.00.12.H01', name: 'Sở Tư pháp' }, 'test');
      const police = await r.createOrganization({ code: '000.00.31.H01', name: 'Công an tỉnh' }, 'test');
      providerId = (
        await r.createSystem(
          { organizationId: justice.id, name: 'CSDL hộ tịch (SOAP)', isProvider: true, isConsumer: false },
          'test',
        )
      ).id;
      consumerId = (
        await r.createSystem(
          { organizationId: police.id, name: 'Hệ thống tra cứu', isProvider: false, isConsumer: true },
          'test',
        )
      ).id;
      const v = await soapVersion('hotich', `${server.url}/ws`);
      await publishThroughSandbox(h, v.id, { technicalDocument: WSDL, documentType: 'wsdl' });
      await r.createSubscription(
        { systemId: consumerId, versionId: v.id, environment: 'production' },
        'test',
      );
      await r.createSubscription({ systemId: consumerId, versionId: v.id, environment: 'sandbox' }, 'test');
      const credential = await r.issueCredential(consumerId, 'production', 'test');
      const sandbox = await r.issueCredential(consumerId, 'sandbox', 'test');
      await h.snapshots.refresh();
      token = await getToken(h.url, credential.consumerKey, credential.consumerSecret);
      sandboxToken = await getToken(h.url, sandbox.consumerKey, sandbox.consumerSecret);
    });
    after(async () => {
      await h?.close();
      await server?.close();
      await hidden?.close();
      await server12?.close();
    });

    test('submission derived the resources from the WSDL: POST and (simple input) GET per operation', async () => {
      const versions = await h.registry.listVersions();
      const v = versions.find((x) => x.context === 'hotich')!;
      assert.deepEqual(v.soapRest, {
        port: 'HoTichPort',
        soapVersion: '1.1',
        operations: [
          { operation: 'TraCuu', method: 'POST', path: '/TraCuu' },
          { operation: 'TraCuu', method: 'GET', path: '/TraCuu' },
        ],
      });
      assert.deepEqual(v.resources, [
        { method: 'POST', path: '/TraCuu' },
        { method: 'GET', path: '/TraCuu' },
      ]);
      // They change with a new WSDL in a new version, never by hand.
      const drift = await h.registry
        .updateVersion(v.id, { resources: [{ method: 'GET', path: '/khac' }] }, 'test')
        .then(
          () => null,
          (e: unknown) => e,
        );
      assert.ok(drift instanceof LgspError, 'resources patched by hand are refused');
      assert.equal(drift.code, 'CP_SOAP_REST_INVALID');
    });

    test('a JSON GET returns the operation’s result as JSON, typed by the XSD (and mapped)', async () => {
      const before = server.seen.length;
      const res = await call('/hotich/1.0/TraCuu?so=089201001234&khac=bo-qua');
      const text = await res.text();
      assert.equal(res.status, 200, text);
      assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
      assert.deepEqual(JSON.parse(text), {
        tenCongDan: 'Nguyễn Văn An',
        tuoi: 36,
        conSong: true,
        diaChi: ['Hà Nội', 'Huế'],
        nguon: 'LGSP',
      });
      // The provider got a real SOAP 1.1 envelope with its action, from the gateway's own path with its identity.
      const got = server.seen.slice(before);
      assert.equal(got.length, 1);
      assert.equal(got[0]!.headers['soapaction'], '"urn:TraCuu"');
      assert.match(String(got[0]!.headers['content-type']), /^text\/xml/);
      assert.equal(got[0]!.headers['x-lgsp-consumer-system'], consumerId);
      assert.match(got[0]!.envelope, /<soap:Envelope[^>]*http:\/\/schemas\.xmlsoap\.org\/soap\/envelope\//);
      assert.match(got[0]!.envelope, /<(\w+:)?so>089201001234<\/(\w+:)?so>/);
      assert.doesNotMatch(
        got[0]!.envelope,
        /khac/,
        'only the operation’s input fields are read from the query',
      );
      // The record keeps the consumer's leg: no body in, the hash of the JSON it received out.
      await h.recorder.flush();
      const id = res.headers.get('x-lgsp-transaction-id')!;
      const row = await h.store.db
        .selectFrom('transactions')
        .select([
          'resource_template',
          'provider_status',
          'consumer_status',
          'request_sha256',
          'response_sha256',
        ])
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      assert.deepEqual(row, {
        resource_template: '/TraCuu',
        provider_status: 200,
        consumer_status: 200,
        request_sha256: EMPTY_SHA256,
        response_sha256: createHash('sha256').update(text).digest('hex'),
      });
    });

    test('a POST with a JSON body works', async () => {
      const res = await call('/hotich/1.0/TraCuu', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ so: '079301000001' }),
      });
      assert.equal(res.status, 200);
      const body = (await res.json()) as Record<string, unknown>;
      assert.equal(body['tenCongDan'], 'Nguyễn Văn An');
      assert.match(server.seen.at(-1)!.envelope, /<(\w+:)?so>079301000001<\/(\w+:)?so>/);
    });

    test('a SOAP 1.2 binding is called with a SOAP 1.2 envelope and its action', async () => {
      const v = await soapVersion('hotich12', `${server12.url}/ws`);
      await publishThroughSandbox(h, v.id, { technicalDocument: WSDL_12, documentType: 'wsdl' });
      await h.registry.createSubscription(
        { systemId: consumerId, versionId: v.id, environment: 'production' },
        'test',
      );
      await h.snapshots.refresh();
      assert.equal((await h.registry.getVersion(v.id)).soapRest?.soapVersion, '1.2');
      const res = await call('/hotich12/1.0/TraCuu?so=1');
      assert.equal(res.status, 200);
      assert.equal(((await res.json()) as { tuoi: number }).tuoi, 36);
      const got = server12.seen.at(-1)!;
      assert.match(
        String(got.headers['content-type']),
        /^application\/soap\+xml; charset=utf-8; action="urn:TraCuu"/,
      );
      assert.match(got.envelope, /http:\/\/www\.w3\.org\/2003\/05\/soap-envelope/);
    });

    test('a SOAP fault → 502 problem+json naming the fault string', async () => {
      const res = await call('/hotich/1.0/TraCuu?so=loi');
      assert.equal(res.status, 502);
      assert.match(res.headers.get('content-type') ?? '', /application\/problem\+json/);
      const problem = (await res.json()) as Record<string, unknown>;
      assert.equal(problem['code'], 'GW_SOAP_FAULT');
      assert.equal(problem['faultString'], FAULT_TEXT);
      assert.match(String(problem['detail']), /Không tìm thấy hồ sơ/);
    });

    test('an answer that cannot be turned into JSON (not a SOAP envelope; nested too deeply) → 502 GW_UPSTREAM_ANSWER_INVALID, bilingual, recorded', async () => {
      // A real HTTP provider in front of the SOAP server: it relays the sandbox test, then answers what it is told.
      let answer: { contentType: string; body: string } | null = null;
      const provider: Server = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', async () => {
          if (answer) {
            res.writeHead(200, { 'content-type': answer.contentType });
            res.end(answer.body);
            return;
          }
          const relayed = await fetch(`${server.url}${req.url}`, {
            method: req.method ?? 'POST',
            headers: {
              'content-type': String(req.headers['content-type']),
              soapaction: String(req.headers['soapaction'] ?? ''),
            },
            body: Buffer.concat(chunks),
          });
          res.writeHead(relayed.status, {
            'content-type': relayed.headers.get('content-type') ?? 'text/xml',
          });
          res.end(Buffer.from(await relayed.arrayBuffer()));
        });
      });
      await new Promise<void>((r) => provider.listen(0, '127.0.0.1', r));
      const providerUrl = `http://127.0.0.1:${(provider.address() as AddressInfo).port}`;
      try {
        allowEgressTo(h.registry.egress, providerUrl);
        const v = await soapVersion('hotichhong', `${providerUrl}/ws`);
        await publishThroughSandbox(h, v.id, { technicalDocument: WSDL, documentType: 'wsdl' });
        await h.registry.createSubscription(
          { systemId: consumerId, versionId: v.id, environment: 'production' },
          'test',
        );
        await h.snapshots.refresh();
        const envelope = (inner: string) =>
          '<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">' +
          `<soap:Body><TraCuuResponse xmlns="urn:hotich">${inner}</TraCuuResponse></soap:Body></soap:Envelope>`;
        const depth = 20_000;
        for (const [name, given] of [
          // A proxy's maintenance page where the SOAP answer should be.
          [
            'not a SOAP envelope',
            {
              contentType: 'text/html; charset=utf-8',
              body: '<!DOCTYPE html><html><body><h1>Hệ thống đang bảo trì</h1></body></html>',
            },
          ],
          // A well-formed envelope whose answer nests deeper than any JSON can be written.
          [
            'nested too deeply',
            {
              contentType: 'text/xml; charset=utf-8',
              body: envelope(`<hoTen>${'<a>'.repeat(depth)}x${'</a>'.repeat(depth)}</hoTen>`),
            },
          ],
        ] as const) {
          answer = given;
          const res = await call('/hotichhong/1.0/TraCuu?so=1');
          const text = await res.text();
          assert.equal(res.status, 502, `${name}: ${text.slice(0, 300)}`);
          assert.match(res.headers.get('content-type') ?? '', /application\/problem\+json/, name);
          const problem = JSON.parse(text) as Record<string, unknown>;
          assert.match(
            String(problem['detail']),
            name === 'nested too deeply' ? /lồng nhau quá sâu \/ nested too deeply/ : /^HTTP 200$/,
            name,
          );
          assert.equal(problem['code'], 'GW_UPSTREAM_ANSWER_INVALID', name);
          // Vietnamese first, then English, in the problem's title.
          assert.match(
            String(problem['title']),
            /^Câu trả lời của dịch vụ nguồn không chuyển đổi được .* \/ The provider’s answer could not be converted/,
            name,
          );
          assert.equal(text.includes('bảo trì'), false, `${name}: the provider's body is not relayed`);
          const id = res.headers.get('x-lgsp-transaction-id');
          assert.ok(id, `${name}: the answer names its transaction`);
          assert.equal(problem['transactionId'], id, name);
          await h.recorder.flush();
          const row = await h.store.db
            .selectFrom('transactions')
            .select([
              'error_code',
              'consumer_status',
              'provider_status',
              'request_out_at',
              'consumer_system_id',
            ])
            .where('id', '=', id)
            .executeTakeFirst();
          assert.ok(row, `${name}: the call's transaction record exists`);
          assert.equal(row.error_code, 'GW_UPSTREAM_ANSWER_INVALID', name);
          assert.equal(row.consumer_status, 502, name);
          assert.equal(row.provider_status, 200, `${name}: the provider did answer`);
          assert.notEqual(
            row.request_out_at,
            null,
            `${name}: the call reached the provider (an error, not a refusal)`,
          );
          assert.equal(row.consumer_system_id, consumerId, name);
        }
      } finally {
        provider.closeAllConnections();
        await new Promise<void>((r) => provider.close(() => r()));
      }
    });

    test('a provider that trickles its SOAP answer past the limit → 504 GW_UPSTREAM_TIMEOUT, recorded (R-03)', async () => {
      // It relays the sandbox test to the SOAP server; then sends its status at once and a byte every 200 ms.
      let trickle = false;
      const provider: Server = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', async () => {
          if (trickle) {
            res.writeHead(200, { 'content-type': 'text/xml; charset=utf-8' });
            res.write('<');
            const drip = setInterval(() => res.write(' '), 200);
            res.once('close', () => clearInterval(drip));
            return;
          }
          const relayed = await fetch(`${server.url}${req.url}`, {
            method: req.method ?? 'POST',
            headers: {
              'content-type': String(req.headers['content-type']),
              soapaction: String(req.headers['soapaction'] ?? ''),
            },
            body: Buffer.concat(chunks),
          });
          res.writeHead(relayed.status, {
            'content-type': relayed.headers.get('content-type') ?? 'text/xml',
          });
          res.end(Buffer.from(await relayed.arrayBuffer()));
        });
      });
      await new Promise<void>((r) => provider.listen(0, '127.0.0.1', r));
      const providerUrl = `http://127.0.0.1:${(provider.address() as AddressInfo).port}`;
      try {
        allowEgressTo(h.registry.egress, providerUrl);
        const v = await soapVersion('hotichcham', `${providerUrl}/ws`);
        await publishThroughSandbox(h, v.id, { technicalDocument: WSDL, documentType: 'wsdl' });
        await h.registry.createSubscription(
          { systemId: consumerId, versionId: v.id, environment: 'production' },
          'test',
        );
        await h.snapshots.refresh();
        trickle = true;
        const started = Date.now();
        const res = await call('/hotichcham/1.0/TraCuu?so=1');
        const elapsedMs = Date.now() - started;
        assert.equal(res.status, 504);
        assert.equal(((await res.json()) as { code: string }).code, 'GW_UPSTREAM_TIMEOUT');
        assert.ok(
          elapsedMs >= SOAP_LIMIT_MS - 20 && elapsedMs < SOAP_LIMIT_MS + 2_000,
          `answered after ${elapsedMs} ms`,
        );
        await h.recorder.flush();
        const row = await h.store.db
          .selectFrom('transactions')
          .select(['error_code', 'consumer_status'])
          .where('id', '=', res.headers.get('x-lgsp-transaction-id')!)
          .executeTakeFirstOrThrow();
        assert.deepEqual(row, { error_code: 'GW_UPSTREAM_TIMEOUT', consumer_status: 504 });
      } finally {
        provider.closeAllConnections();
        await new Promise<void>((r) => provider.close(() => r()));
      }
    });

    test('a WSDL that passed at submission but no longer compiles on the gateway → 502 GW_SOAP_WSDL_UNUSABLE, logged once with the reason, recorded', async () => {
      // What compiled at submission may not on the gateway (a `soap` of a later release reading the document
      // otherwise, say): stood in for by the stored document, changed under the control plane's feet — cut short
      // before its binding (it reads, without the port), or no XML at all (it does not read).
      for (const [name, context, broken, reason] of [
        [
          'cut short',
          'hotichwsdl',
          WSDL.slice(0, WSDL.indexOf('<wsdl:binding')),
          /port HoTichPort not found/,
        ],
        ['not XML', 'hotichkhongxml', 'Hệ thống đang bảo trì', /Text data outside of root node/],
      ] as const) {
        const v = await soapVersion(context, `${server.url}/ws`);
        await publishThroughSandbox(h, v.id, { technicalDocument: WSDL, documentType: 'wsdl' });
        await h.store.db
          .updateTable('service_versions')
          .set({ technical_document: broken })
          .where('id', '=', v.id)
          .execute();
        // A new revision: the snapshot reads the version's document again.
        await h.registry.createSubscription(
          { systemId: consumerId, versionId: v.id, environment: 'production' },
          'test',
        );
        await h.snapshots.refresh();
        const sent = server.seen.length;
        const logged = logLines.length;
        const ids: string[] = [];
        for (let i = 0; i < 3; i++) {
          const res = await call(`/${context}/1.0/TraCuu?so=1`);
          const text = await res.text();
          assert.equal(res.status, 502, `${name}: ${text}`);
          assert.match(res.headers.get('content-type') ?? '', /application\/problem\+json/, name);
          const problem = JSON.parse(text) as Record<string, unknown>;
          assert.equal(problem['code'], 'GW_SOAP_WSDL_UNUSABLE', name);
          assert.match(
            String(problem['title']),
            /^Cổng kết nối không dùng được tài liệu WSDL .* \/ The gateway cannot use/,
            name,
          );
          const id = res.headers.get('x-lgsp-transaction-id');
          assert.ok(id, `${name}: the answer names its transaction`);
          assert.equal(problem['transactionId'], id, name);
          ids.push(id);
        }
        assert.equal(server.seen.length, sent, `${name}: nothing was sent to the provider`);
        // Once for the operator, not once a call: the version, and why its WSDL did not compile.
        const lines = logLines
          .slice(logged)
          .map((l) => JSON.parse(l) as Record<string, unknown>)
          .filter((l) => l['version'] === v.id);
        assert.equal(lines.length, 1, `${name}: ${JSON.stringify(lines)}`);
        assert.equal(lines[0]!['level'], 50, name);
        assert.match(String(lines[0]!['msg']), /WSDL/, name);
        assert.match(String(lines[0]!['reason']), reason, name);
        await h.recorder.flush();
        const rows = await h.store.db
          .selectFrom('transactions')
          .select(['id', 'error_code', 'consumer_status', 'consumer_system_id', 'request_out_at'])
          .where('id', 'in', ids)
          .execute();
        assert.equal(rows.length, 3, `${name}: every call is recorded`);
        for (const row of rows) {
          assert.equal(row.error_code, 'GW_SOAP_WSDL_UNUSABLE', name);
          assert.equal(row.consumer_status, 502, name);
          assert.equal(row.consumer_system_id, consumerId, name);
          assert.equal(row.request_out_at, null, `${name}: nothing went out`);
        }
      }
    });

    test('hostile JSON: not JSON, not an object, or a key that would write raw XML → 400, nothing sent', async () => {
      const before = server.seen.length;
      for (const [contentType, body] of [
        ['text/plain', 'so=1'],
        ['application/json', '{"so":'],
        ['application/json', '[1,2]'],
        ['application/json', '{"$xml":"<x/>"}'],
        ['application/json', '{"so><b":"1"}'],
      ] as const) {
        const res = await call('/hotich/1.0/TraCuu', {
          method: 'POST',
          headers: { 'content-type': contentType },
          body,
        });
        assert.equal(res.status, 400, body);
        assert.equal(((await res.json()) as { code: string }).code, 'GW_REQUEST_NOT_JSON');
      }
      assert.equal(server.seen.length, before);
    });

    test('a WSDL with xs:any, or with a complex xs:choice, is refused at submission naming the construct', async () => {
      for (const [construct, inRequest] of [
        ['xs:any', '<xsd:any/>'],
        [
          'xs:choice',
          '<xsd:choice><xsd:element name="a" type="xsd:string"/><xsd:element name="b"><xsd:complexType>' +
            '<xsd:sequence><xsd:element name="c" type="xsd:string"/></xsd:sequence></xsd:complexType></xsd:element></xsd:choice>',
        ],
      ] as const) {
        const context = `tuchoi${construct === 'xs:any' ? 'any' : 'choice'}`;
        const v = await soapVersion(context, `${server.url}/ws`);
        const document = wsdl11({ name: 'HoTich', operation: 'TraCuu', typedAnswer: true, inRequest });
        const err = await h.lifecycle
          .submitVersion(v.id, { technicalDocument: document, documentType: 'wsdl' }, 'test')
          .then(
            () => null,
            (e: unknown) => e,
          );
        assert.ok(err instanceof LgspError, `${construct}: refused`);
        assert.equal(err.code, 'CP_SOAP_REST_INVALID');
        assert.equal(err.status, 400);
        assert.match(err.detail ?? '', new RegExp(`${construct}: `));
        const errors = (err.extra as { errors: Array<{ path: string }> }).errors;
        assert.match(errors[0]!.path, /element\[@name='TraCuu'\]\/complexType\/sequence\//);
        assert.equal((await h.registry.getVersion(v.id)).status, 'draft');
      }
    });

    test('egress policy still refuses a SOAP upstream that resolves to loopback not in the allow-list', async () => {
      dns['hotich.rebind.test'] = ['203.0.113.10'];
      const v = await soapVersion('hotichdns', `http://hotich.rebind.test:${hidden.port}/ws`);
      await h.lifecycle.submitVersion(v.id, { technicalDocument: WSDL, documentType: 'wsdl' }, 'test');
      await h.lifecycle.startSandboxTest(v.id, 'test');
      await h.registry.createSubscription(
        { systemId: consumerId, versionId: v.id, environment: 'sandbox' },
        'test',
      );
      await h.snapshots.refresh();
      dns['hotich.rebind.test'] = ['127.0.0.1'];
      const res = await call('/hotichdns/1.0/TraCuu?so=1', {}, sandboxToken);
      assert.equal(res.status, 502);
      assert.equal(((await res.json()) as { code: string }).code, 'GW_EGRESS_DENIED');
      assert.equal(hidden.seen.length, 0, 'the SOAP server on loopback was never reached');
    });
  });
}
