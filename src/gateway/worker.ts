import process from 'node:process';
import type { TokenRevocation } from '../control/snapshot.ts';
import { systemClock } from '../core/clock.ts';
import { setProblemTypeOrigin } from '../core/errors.ts';
import { openOwnMessaging } from '../messaging/open.ts';
import { EgressPolicy } from '../net/egress.ts';
import { createLogger } from '../telemetry/logger.ts';
import type { RecordSink, TransactionRecord } from '../telemetry/record.ts';
import { recordDurability } from '../telemetry/recorder.ts';
import { SYNC_INTERVAL_MS, type ToPrimary, type ToWorker } from './cluster-messages.ts';
import { QuotaCounters } from './quota.ts';
import { openQuotaCounter } from './quota-redis.ts';
import { createGateway } from './server.ts';
import { openSignatureMemory, PrimarySignatureMemory } from './signature-memory.ts';
import { SnapshotHolder } from './snapshot-holder.ts';
import { openTokenThrottle } from './token-throttle.ts';

/**
 * A gateway worker process: serves the data plane on the port it shares with its siblings (each worker accepts on
 * the shared socket, or the primary accepts connections and hands them round-robin: `gateway.workerAccept`),
 * decides from snapshots the primary pushes, and sends its transaction records to the primary, which owns the
 * recorder. On the embedded PGlite store it never opens the store (PGlite
 * has one owner) and async calls answer 503 MQ_ASYNC_UNAVAILABLE; on PostgreSQL it opens its own connection and
 * queue engine (the store's tables or NATS) and takes messages itself, and the primary delivers them.
 */
function send(message: ToPrimary): void {
  process.send?.(message);
}

/**
 * Batches records to the primary; `overloaded` mirrors the primary's recorder, so refusals match one process.
 * Strict durability (issue 13 item 5): the records of one event-loop turn go together with an ack id, and
 * `record` returns a promise resolved when the primary says they are in the store — group commit across the
 * worker's concurrent calls, one IPC round trip per group.
 */
class IpcRecordSink implements RecordSink {
  overloaded = false;
  private batch: TransactionRecord[] = [];
  private group: { ackId: number; durable: Promise<void>; resolve: () => void } | null = null;
  private readonly awaiting = new Map<number, () => void>();
  private ackIds = 0;

  constructor(readonly strict: boolean) {}

  record(txn: TransactionRecord): Promise<void> | undefined {
    this.batch.push(txn);
    if (this.strict) return this.joinGroup();
    if (this.batch.length >= 500) this.flush();
    return undefined;
  }

  private joinGroup(): Promise<void> {
    if (this.group) return this.group.durable;
    let resolve: () => void = () => {};
    const durable = new Promise<void>((r) => {
      resolve = r;
    });
    this.group = { ackId: ++this.ackIds, durable, resolve };
    setImmediate(() => this.flush());
    return durable;
  }

  flush(): void {
    if (this.batch.length === 0) return;
    const group = this.group;
    this.group = null;
    if (group) this.awaiting.set(group.ackId, group.resolve);
    send({ type: 'records', batch: this.batch, ...(group ? { ackId: group.ackId } : {}) });
    this.batch = [];
  }

  durable(ackId: number): void {
    this.awaiting.get(ackId)?.();
    this.awaiting.delete(ackId);
  }
}

const init = await new Promise<Extract<ToWorker, { type: 'init' }>>((resolve) => {
  const onMessage = (m: ToWorker) => {
    if (m.type !== 'init') return;
    process.off('message', onMessage);
    resolve(m);
  };
  process.on('message', onMessage);
  send({ type: 'ready' });
});

const { config } = init;
setProblemTypeOrigin(init.problemTypeOrigin);
// The primary's resolved format, not this process's own look at stderr: one setting for the whole node.
const logger = createLogger({ ...config, logFormat: init.logFormat }, { name: 'lgsp-gateway-worker' });
const snapshots = new SnapshotHolder(null, systemClock, logger);
await snapshots.install(init.snapshot);
const sink = new IpcRecordSink(recordDurability(config) === 'strict');
const quotas = new QuotaCounters(config.timezoneOffsetMinutes * 60_000);
// With Redis, quotas are shared by every node; the in-process counters (kept in step with the siblings) count
// only while Redis is unreachable and `redis.onUnavailable` is `open`.
const quotaCounter = openQuotaCounter(config, logger, systemClock, quotas);
// `/token` failures: shared in Redis when set, else summed over the siblings by the primary.
const tokenThrottle = openTokenThrottle(config, logger);
// Accepted federation hop signatures: in Redis when set, else in the primary's memory shared by the siblings (an
// IPC round trip per inbound federated call only); with Redis away and `open`, the primary's memory too.
const primarySignatures = new PrimarySignatureMemory(send, logger);
const signatures = openSignatureMemory(config, logger, primarySignatures);

const asyncPath = await openOwnMessaging(config, systemClock, logger);

/**
 * RFC 7009 at this worker's `/revoke`: the primary owns the store, so it records the revocation; it answers once its
 * snapshot names the token, and this worker answers its client once it has installed that snapshot too.
 */
const revocations = new Map<number, { resolve: () => void; reject: (err: Error) => void }>();
let revocationIds = 0;
const revisionWaiters = new Set<{ revision: number; resolve: () => void }>();
// The primary holds an admin write's answer until every worker serves its revision (GatewayWorkers.caughtUp).
send({ type: 'snapshot-installed', revision: snapshots.revision });
snapshots.onInstall((data) => {
  send({ type: 'snapshot-installed', revision: data.revision });
  for (const waiter of revisionWaiters) {
    if (data.revision < waiter.revision) continue;
    revisionWaiters.delete(waiter);
    waiter.resolve();
  }
});
function revokeToken(revocation: TokenRevocation): Promise<void> {
  const requestId = ++revocationIds;
  return new Promise<void>((resolve, reject) => {
    revocations.set(requestId, { resolve, reject });
    send({ type: 'revoke-token', requestId, revocation });
  });
}
function revoked(m: Extract<ToWorker, { type: 'token-revoked' }>): void {
  const pending = revocations.get(m.requestId);
  if (!pending) return;
  revocations.delete(m.requestId);
  if (!m.ok) pending.reject(new Error('the primary could not revoke the token'));
  else if (snapshots.revision >= m.revision) pending.resolve();
  else revisionWaiters.add({ revision: m.revision, resolve: pending.resolve });
}
// The primary logs and alerts refusals (issue 10); its policy's own ports and added entries come with each status.
const egress = EgressPolicy.forPlatform(config);
egress.onDenied((denial) => send({ type: 'egress-denied', denial }));
const gateway = createGateway({
  config,
  clock: systemClock,
  logger,
  snapshots,
  records: sink,
  quotas: quotaCounter,
  egress,
  tokenThrottle,
  signatures,
  revokeToken,
  ...(asyncPath
    ? { messaging: asyncPath.messaging, onMessageAccepted: () => send({ type: 'accepted' }) }
    : {}),
});

const sync = setInterval(() => {
  sink.flush();
  send({
    type: 'quota',
    counts: quotas.ownCounts(),
    tokenFailures: tokenThrottle.drain(),
    counters: {
      quota: { state: quotaCounter.state, unavailableDecisions: quotaCounter.unavailableDecisions },
      bruteForce: { state: tokenThrottle.state, unavailableDecisions: tokenThrottle.unavailableDecisions },
      replay: { state: signatures.state, unavailableDecisions: signatures.unavailableDecisions },
    },
  });
}, SYNC_INTERVAL_MS);

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  clearInterval(sync);
  await gateway.close();
  await asyncPath?.close();
  sink.flush();
  send({ type: 'stopped' });
  process.disconnect?.();
}

process.on('message', (m: ToWorker) => {
  // The primary pushes what it installed, in order: at the revision held too when it reloaded one (snapshot-holder.ts).
  if (m.type === 'snapshot') void snapshots.install(m.snapshot, true);
  else if (m.type === 'status') {
    sink.overloaded = m.recorderOverloaded;
    quotas.setOthers(m.quotaOthers);
    egress.follow(m.egress);
    tokenThrottle.setBlocks(m.tokenBlocks);
  } else if (m.type === 'reload-tls') gateway.tls?.reload();
  else if (m.type === 'token-revoked') revoked(m);
  else if (m.type === 'records-durable') sink.durable(m.ackId);
  else if (m.type === 'replay-checked') primarySignatures.answered(m.requestId, m.seen);
  else if (m.type === 'problem-type-origin') setProblemTypeOrigin(m.origin);
  else if (m.type === 'shutdown') void stop();
});
// The primary is gone: nothing can record our transactions any more, so stop serving.
process.on('disconnect', () => {
  if (!stopping) process.exit(1);
});
process.on('SIGINT', () => {}); // the primary decides when workers stop

send({ type: 'listening', url: await gateway.listen(config.gateway.port, config.gateway.host) });
