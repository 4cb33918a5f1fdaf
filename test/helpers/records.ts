import { newId } from '../../src/core/ids.ts';
import type { TransactionRecord } from '../../src/telemetry/record.ts';

/**
 * A recorded sync call at `atMs` for the store and backup suites: every tenth one failed (500); `over` changes
 * any field.
 */
export function sampleRecord(
  i: number,
  atMs: number,
  over: Partial<TransactionRecord> = {},
): TransactionRecord {
  return {
    id: newId('txn', atMs),
    consumerSystemId: 'sys_a',
    consumerOrgCode: '000.00.12.H01',
    credentialId: 'cred_a',
    providerSystemId: 'sys_b',
    providerOrgCode: '000.00.31.H01',
    serviceId: 'svc_a',
    serviceContext: 'dancu',
    versionId: 'ver_a',
    version: '1.0',
    environment: 'production',
    method: 'GET',
    resourceTemplate: '/congdan/{soDinhDanh}',
    providerStatus: i % 10 === 0 ? 500 : 200,
    consumerStatus: i % 10 === 0 ? 500 : 200,
    errorCode: null,
    requestBytes: 0,
    responseBytes: 1024 + i,
    requestSha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    responseSha256: 'ab'.repeat(32),
    requestInAt: atMs,
    requestOutAt: atMs + 1,
    responseInAt: atMs + 5,
    responseOutAt: atMs + 6,
    leg: 'sync',
    messageId: null,
    ...over,
  };
}
