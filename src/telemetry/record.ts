import type { Environment } from '../api/contract/index.ts';
import type { FederationEvidence, TransactionKind, TransactionLeg } from '../store/schema.ts';

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
  /** Who called, by address: `clientAddress` (src/net/client-address.ts), never what the caller claimed. */
  clientAddress: string | null;
  /**
   * `token_request` for a `/token` call (set by the token endpoint), `platform_call` for a call to the platform's
   * own `/_lgsp/…` endpoints that is no message leg (a status or receipt poll, an empty inbox poll, a refusal: set
   * by src/gateway/messaging-endpoints.ts), `service_call` for everything else: token requests and platform calls
   * are kept as evidence but left out of statistics unless asked (issue 11 item 6; migration 0040).
   */
  kind: TransactionKind;
  /**
   * How the caller authenticated (issue 12 item 8): `bearer` (a token from `/token`) or `lgspaccesstoken` (the
   * HCM/Hậu Giang header carrying the consumer key and secret); null when it did not get that far.
   */
  authMethod: 'bearer' | 'lgspaccesstoken' | null;
  /**
   * SENDER_CODE, RECEIVER_CODE and TRAN_CODE as a national price-database client sent them beside its token:
   * the caller's words, recorded for reconciliation with its own logs, never used to decide; null when absent.
   */
  clientSenderCode: string | null;
  clientReceiverCode: string | null;
  clientTranCode: string | null;
  /**
   * A composite's backend call: the consumer's transaction it served. Its consumer is the composite's
   * provider system, so reports count the consumer's call once and the backend calls under that system.
   */
  parentTransactionId: string | null;
  /**
   * A federated call (issue 12, src/federation/): the original consumer organization and system a peer platform
   * called for (inbound) or we called a peer for (outbound), the transaction id kept end to end on every platform
   * of the path, the peer, and the hop chain with each signature's verification. Null on every other call.
   */
  representedOrgCode: string | null;
  representedSystem: string | null;
  endToEndId: string | null;
  peerId: string | null;
  federation: FederationEvidence | null;
}

/** Where records go: the recorder in this process, or (in a gateway worker) the primary over IPC. */
export interface RecordSink {
  /**
   * Takes a record. In `strict` durability (issue 13 item 5) returns a promise resolved once the record is durable:
   * the gateway releases the answer's last byte only then. Nothing when records are batched.
   */
  record(txn: TransactionRecord): Promise<void> | void;
  /** True in strict durability: `record` returns the promise the answer's last byte waits for. */
  readonly strict?: boolean;
  /** True while the sink cannot take more: the gateway then refuses calls rather than leave them unrecorded. */
  readonly overloaded: boolean;
}

/** Sees every record the recorder takes (the Prometheus counters, src/telemetry/metrics.ts); must be cheap. */
export interface TransactionObserver {
  observe(txn: TransactionRecord): void;
}

/**
 * The one way to start a transaction record: every field present — so every record has one shape —
 * with nothing known yet but its id, method, template, leg and the time the request came in. The gateway and the
 * message deliverer fill in the rest as the transaction goes on; `responseOutAt` is moved when it ends.
 */
export function newTransactionRecord(
  id: string,
  method: string,
  resourceTemplate: string,
  leg: TransactionLeg,
  nowMs: number,
): TransactionRecord {
  return {
    id,
    consumerSystemId: null,
    consumerOrgCode: null,
    credentialId: null,
    providerSystemId: null,
    providerOrgCode: null,
    serviceId: null,
    serviceContext: null,
    versionId: null,
    version: null,
    environment: null,
    method,
    resourceTemplate,
    providerStatus: null,
    consumerStatus: 0,
    errorCode: null,
    requestBytes: 0,
    responseBytes: 0,
    requestSha256: null,
    responseSha256: null,
    requestInAt: nowMs,
    requestOutAt: null,
    responseInAt: null,
    responseOutAt: nowMs,
    leg,
    messageId: null,
    clientAddress: null,
    kind: 'service_call',
    authMethod: null,
    clientSenderCode: null,
    clientReceiverCode: null,
    clientTranCode: null,
    parentTransactionId: null,
    representedOrgCode: null,
    representedSystem: null,
    endToEndId: null,
    peerId: null,
    federation: null,
  };
}

/** Names on a record the service version a transaction went to and its provider (a route, or a message's destination). */
export function noteService(
  rec: TransactionRecord,
  service: {
    serviceId: string;
    context: string;
    versionId: string;
    version: string;
    providerSystemId: string;
    providerOrgCode: string;
  },
): void {
  rec.serviceId = service.serviceId;
  rec.serviceContext = service.context;
  rec.versionId = service.versionId;
  rec.version = service.version;
  rec.providerSystemId = service.providerSystemId;
  rec.providerOrgCode = service.providerOrgCode;
}
