import type { Environment } from '../api/contract/index.ts';
import type { TransactionLeg } from '../store/schema.ts';

/**
 * One sync transaction, both legs (consumer → LGSP → provider), as the gateway observed it. Metadata only — no
 * payload, no raw path or query (they carry citizen ids): the resource is the declared template.
 * Times are epoch milliseconds; a leg that did not happen (refused before forwarding) has null times.
 */
export interface TransactionRecord {
  id: string;
  consumerSystemId: string | null;
  consumerOrgCode: string | null;
  credentialId: string | null;
  providerSystemId: string | null;
  providerOrgCode: string | null;
  serviceId: string | null;
  serviceContext: string | null;
  versionId: string | null;
  version: string | null;
  environment: Environment | null;
  method: string;
  resourceTemplate: string;
  providerStatus: number | null;
  consumerStatus: number;
  errorCode: string | null;
  requestBytes: number;
  responseBytes: number;
  requestSha256: string | null;
  responseSha256: string | null;
  requestInAt: number;
  requestOutAt: number | null;
  responseInAt: number | null;
  responseOutAt: number;
  /**
   * `sync` for a call, or the leg of an async message (source → LGSP `intake`, LGSP → destination `delivery` —
   * every push attempt and every pull — and a pulling destination's `ack`), linked by `messageId`.
   */
  leg: TransactionLeg;
  messageId: string | null;
}

/** Where records go: the recorder in this process, or (in a gateway worker) the primary over IPC. */
export interface RecordSink {
  record(txn: TransactionRecord): void;
  /** True while the sink cannot take more: the gateway then refuses calls rather than leave them unrecorded. */
  readonly overloaded: boolean;
}

/** Sees every record the recorder takes (the Prometheus counters, src/telemetry/metrics.ts); must be cheap. */
export interface TransactionObserver {
  observe(txn: TransactionRecord): void;
}
