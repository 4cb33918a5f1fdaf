import type { Store } from '../../src/store/port.ts';
import type { TransactionRecord } from '../../src/telemetry/record.ts';
import { insertTransactions } from '../../src/telemetry/record-copy.ts';

/**
 * Rows written straight into the store for the tests that need thousands of them (paging, the console at scale):
 * going through the registry would take minutes and test nothing those suites look at.
 */

/** One service of a bulk insert, with its single REST version 1.0. */
export interface BulkService {
  id: string;
  context: string;
  name: string;
  providerSystemId: string;
  versionId: string;
  status: 'draft' | 'published';
  createdAt: Date;
}

/** `services` and one version each, in two multi-row statements. */
export async function insertServices(store: Store, services: BulkService[], now: Date): Promise<void> {
  await store.db
    .insertInto('services')
    .values(
      services.map((s) => ({
        id: s.id,
        context: s.context,
        name: s.name,
        provider_system_id: s.providerSystemId,
        description: '{}',
        created_at: s.createdAt,
        updated_at: now,
      })),
    )
    .execute();
  await store.db
    .insertInto('service_versions')
    .values(
      services.map((s) => ({
        id: s.versionId,
        service_id: s.id,
        version: '1.0',
        protocol: 'REST' as const,
        status: s.status,
        sandbox_url: null,
        production_url: null,
        resources: '[]',
        published_at: s.status === 'published' ? now : null,
        deprecated_at: null,
        sunset_at: null,
        successor_version_id: null,
        technical_document: null,
        technical_document_type: null,
        submitted_at: null,
        rejection_reason: null,
        sandbox_evidence_txn_id: null,
        created_at: now,
        updated_at: now,
      })),
    )
    .execute();
}

/** Transaction records in statements of 2,000 (a bound both stores take without strain). */
export async function insertRecords(store: Store, records: TransactionRecord[]): Promise<void> {
  for (let i = 0; i < records.length; i += 2000) await insertTransactions(store, records.slice(i, i + 2000));
}
