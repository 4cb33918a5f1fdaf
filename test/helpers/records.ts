import { EMPTY_SHA256 } from '../../src/core/hashing.ts';
import { newId } from '../../src/core/ids.ts';
import { newTransactionRecord, type TransactionRecord } from '../../src/telemetry/record.ts';

/**
 * A recorded sync call at `atMs` that the provider answered 200 (10 bytes, no body hashes), its legs timed 1, 20 and
 * 21 ms after it, with no systems or service named: `fields` sets what the test looks at. The one way tests build
 * transaction records (issue 9).
 */
export function callRecord(atMs: number, fields: Partial<TransactionRecord> = {}): TransactionRecord {
  return {
    ...newTransactionRecord(newId('txn', atMs), 'GET', '/*', 'sync', atMs),
    environment: 'production',
    providerStatus: 200,
    consumerStatus: 200,
    responseBytes: 10,
    requestOutAt: atMs + 1,
    responseInAt: atMs + 20,
    responseOutAt: atMs + 21,
    ...fields,
  };
}

/**
 * A recorded sync call at `atMs` for the store and backup suites: every tenth one failed (500); `over` changes
 * any field.
 */
export function sampleRecord(
  i: number,
  atMs: number,
  over: Partial<TransactionRecord> = {},
): TransactionRecord {
  return callRecord(atMs, {
    consumerSystemId: 'sys_a',
    consumerOrgCode: '000.00.12.H01',
    credentialId: 'cred_a',
    providerSystemId: 'sys_b',
    providerOrgCode: '000.00.31.H01',
    serviceId: 'svc_a',
    serviceContext: 'dancu',
    versionId: 'ver_a',
    version: '1.0',
    resourceTemplate: '/congdan/{soDinhDanh}',
    providerStatus: i % 10 === 0 ? 500 : 200,
    consumerStatus: i % 10 === 0 ? 500 : 200,
    responseBytes: 1024 + i,
    requestSha256: EMPTY_SHA256,
    responseSha256: 'ab'.repeat(32),
    responseInAt: atMs + 5,
    responseOutAt: atMs + 6,
    ...over,
  });
}
