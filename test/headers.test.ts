import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { responseHeaderListForConsumer } from '../src/gateway/headers.ts';

describe('the answer headers a consumer gets (headers.ts)', () => {
  test('a flat list for writeHead: hop-by-hop fields out, repeated fields kept, the transaction id last', () => {
    const list = responseHeaderListForConsumer(
      {
        'content-type': 'application/json',
        connection: 'keep-alive, x-trace',
        'keep-alive': 'timeout=5',
        'transfer-encoding': 'chunked',
        'x-trace': 'hop',
        'set-cookie': ['a=1', 'b=2'],
        'x-lgsp-transaction-id': 'txn_from_the_provider',
        etag: undefined,
      },
      'txn_ours',
      null,
    );
    assert.deepEqual(list, [
      'content-type',
      'application/json',
      'set-cookie',
      ['a=1', 'b=2'],
      'x-lgsp-transaction-id',
      'txn_ours',
    ]);
  });

  test("a deprecated version's headers (R-18) replace the provider's fields of the same name", () => {
    const list = responseHeaderListForConsumer(
      { 'content-type': 'text/plain', deprecation: '@1', link: '<https://provider.example/docs>' },
      'txn_1',
      { deprecation: '@1790000000', link: '</dancu/2.0>; rel="successor-version"' },
    );
    assert.deepEqual(list, [
      'content-type',
      'text/plain',
      'deprecation',
      '@1790000000',
      'link',
      '</dancu/2.0>; rel="successor-version"',
      'x-lgsp-transaction-id',
      'txn_1',
    ]);
  });
});
