import { createHash } from 'node:crypto';
import { documentForConsumers } from './api-document.ts';
import type { MockContent, MockDocument, MockExample, MockOperation, MockResponse } from './snapshot.ts';

/**
 * Sandbox mocks (issue 12 item 9): what a version's OpenAPI document says its operations answer, as plain JSON the
 * configuration snapshot carries to every gateway node (control/snapshot.ts), so that a sandbox call to a version
 * with no sandbox upstream is answered from the examples without parsing anything per call (gateway/sandbox-mock.ts).
 * The document was validated on submission (api-document.ts); here it is only read. Examples come, in this order,
 * from a media type's `example`, its named `examples` (`value`, or a `$ref` to `#/components/examples/…`; an
 * `externalValue` is never fetched), and its schema — `example`, the first of `examples`, else one composed from the
 * properties' or items' examples, defaults, consts or first enum values — as Prism does.
 *
 * The examples are read from the document as consumers read it (`documentForConsumers`), never as the provider
 * wrote it: a provider's example names its own server as a matter of course (a `self` link
 * `http://10.0.3.7:8080/hotich/khaisinh/1`, a media type's profile), and a mock answer is read by a consumer
 * (docs/security.md §2.1). So each upstream's origin in a body — or in a media type, sent as `Content-Type` — is the
 * version's absolute address on the gateway, and the gateway's length and SHA-256 are those of the body it sends.
 */

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
/** How deep a schema is followed to compose an example (a recursive schema stops here). */
const MAX_SCHEMA_DEPTH = 8;
/** Documents read, by their SHA-256: a snapshot is rebuilt on every change, a document rarely changes. */
const cache = new Map<string, MockDocument>();
const CACHE_LIMIT = 500;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * Where consumers call a version — absolute (`https://api.tinh.gov.vn/{context}/{version}`), as the version's
 * published document names it (control/snapshot.ts `loadSnapshot`): a consumer follows a `self` link as it is, and a
 * relative one resolves against no base in a JSON body — and every upstream address the platform was given for its
 * service (catalogue.ts `upstreamsByService`).
 */
export interface ConsumersView {
  gatewayAddress: string;
  upstreams: readonly string[];
}

/** The mock table of a version's technical document; `problem` says why it is empty when it is. */
export function mockDocument(
  type: 'openapi' | 'wsdl' | null,
  text: string | null,
  view: ConsumersView,
): MockDocument {
  if (type !== 'openapi' || text === null) {
    return {
      operations: [],
      problem:
        type === 'wsdl'
          ? 'tài liệu là WSDL, không có ví dụ OpenAPI / the document is a WSDL: no OpenAPI examples'
          : 'phiên bản chưa có tài liệu OpenAPI / the version has no OpenAPI document',
    };
  }
  // The same document is another table for another version's address or another set of upstreams.
  const key = createHash('sha256')
    .update(JSON.stringify([view.gatewayAddress, view.upstreams]))
    .update('\n')
    .update(text)
    .digest('hex');
  const known = cache.get(key);
  if (known) return known;
  const read = readDocument(text, view);
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(key, read);
  return read;
}

function readDocument(text: string, view: ConsumersView): MockDocument {
  const json = documentForConsumers('openapi', text, view.gatewayAddress, view.upstreams);
  const doc: unknown = json === null ? null : JSON.parse(json);
  if (!isObject(doc) || !isObject(doc['paths'])) {
    return {
      operations: [],
      problem: 'không đọc được tài liệu OpenAPI / the OpenAPI document cannot be read',
    };
  }
  // Internal references only: the document was refused on submission if it had any other (api-document.ts).
  const resolve = (value: unknown): unknown => {
    let v = value;
    for (let i = 0; isObject(v) && typeof v['$ref'] === 'string' && i < MAX_SCHEMA_DEPTH; i++) {
      v = atPointer(doc, (v['$ref'] as string).replace(/^#/, ''));
    }
    return v;
  };
  const operations: MockOperation[] = [];
  for (const [path, rawItem] of Object.entries(doc['paths'] as Json)) {
    const item = resolve(rawItem);
    if (!isObject(item)) continue;
    for (const method of HTTP_METHODS) {
      const op = item[method];
      if (!isObject(op)) continue;
      const responses: MockResponse[] = [];
      const declared = isObject(op['responses']) ? (op['responses'] as Json) : {};
      for (const [status, rawResponse] of Object.entries(declared)) {
        const response = resolve(rawResponse);
        if (!isObject(response)) continue;
        const contents: MockContent[] = [];
        const content = isObject(response['content']) ? (response['content'] as Json) : {};
        for (const [mediaType, media] of Object.entries(content)) {
          if (!isObject(media)) continue;
          contents.push({ mediaType, examples: examplesOf(media, mediaType, resolve) });
        }
        responses.push({
          status: status.toUpperCase() === 'DEFAULT' ? 'default' : status.toUpperCase(),
          contents,
        });
      }
      operations.push({
        method: method.toUpperCase(),
        path,
        operationId: typeof op['operationId'] === 'string' ? op['operationId'] : null,
        responses,
      });
    }
  }
  return { operations, problem: null };
}

function examplesOf(media: Json, mediaType: string, resolve: (v: unknown) => unknown): MockExample[] {
  const out: MockExample[] = [];
  const json = /[/+]json\b/i.test(mediaType) || mediaType === '*/*';
  const body = (value: unknown) => (typeof value === 'string' && !json ? value : JSON.stringify(value));
  if (media['example'] !== undefined) out.push({ name: null, body: body(media['example']) });
  if (isObject(media['examples'])) {
    for (const [name, raw] of Object.entries(media['examples'] as Json)) {
      const example = resolve(raw);
      if (isObject(example) && example['value'] !== undefined)
        out.push({ name, body: body(example['value']) });
    }
  }
  if (out.length === 0 && media['schema'] !== undefined) {
    const value = schemaExample(media['schema'], resolve, 0);
    if (value !== undefined) out.push({ name: null, body: body(value) });
  }
  return out;
}

/** A schema's own example, or one composed from its parts' examples; undefined when it gives none. */
function schemaExample(raw: unknown, resolve: (v: unknown) => unknown, depth: number): unknown {
  if (depth > MAX_SCHEMA_DEPTH) return undefined;
  const schema = resolve(raw);
  if (!isObject(schema)) return undefined;
  if (schema['example'] !== undefined) return schema['example'];
  if (Array.isArray(schema['examples']) && schema['examples'].length > 0) return schema['examples'][0];
  if (schema['const'] !== undefined) return schema['const'];
  if (schema['default'] !== undefined) return schema['default'];
  if (Array.isArray(schema['enum']) && schema['enum'].length > 0) return schema['enum'][0];
  for (const key of ['allOf', 'oneOf', 'anyOf']) {
    const parts = schema[key];
    if (!Array.isArray(parts)) continue;
    if (key === 'allOf') {
      // allOf: the parts' object examples merged.
      let merged: Json | undefined;
      for (const part of parts) {
        const v = schemaExample(part, resolve, depth + 1);
        if (isObject(v)) merged = { ...(merged ?? {}), ...v };
      }
      if (merged !== undefined) return merged;
    } else {
      for (const part of parts) {
        const v = schemaExample(part, resolve, depth + 1);
        if (v !== undefined) return v;
      }
    }
  }
  if (isObject(schema['properties'])) {
    const composed: Json = {};
    for (const [name, property] of Object.entries(schema['properties'] as Json)) {
      const v = schemaExample(property, resolve, depth + 1);
      if (v !== undefined) composed[name] = v;
    }
    return Object.keys(composed).length > 0 ? composed : undefined;
  }
  if (schema['items'] !== undefined) {
    const v = schemaExample(schema['items'], resolve, depth + 1);
    return v === undefined ? undefined : [v];
  }
  return undefined;
}

/** The value at a JSON Pointer (RFC 6901, as written in a `#…` fragment), or undefined. */
function atPointer(doc: unknown, fragment: string): unknown {
  let pointer = fragment;
  try {
    pointer = decodeURIComponent(fragment);
  } catch {
    // Not percent-encoded after all: read as written.
  }
  let value = doc;
  if (pointer === '') return value;
  for (const token of pointer.slice(1).split('/')) {
    if (!isObject(value) && !Array.isArray(value)) return undefined;
    value = (value as Json)[token.replaceAll('~1', '/').replaceAll('~0', '~')];
  }
  return value;
}
