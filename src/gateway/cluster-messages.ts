import type { SnapshotData, TokenRevocation } from '../control/snapshot.ts';
import type { Config } from '../core/config.ts';
import type { EgressDenial, EgressShared } from '../net/egress.ts';
import type { LogFormat } from '../telemetry/logger.ts';
import type { GatewayCounterStates } from '../telemetry/metrics.ts';
import type { TransactionRecord } from '../telemetry/record.ts';
import type { WindowCounts } from './quota.ts';
import type { SeenSignature } from './signature-memory.ts';
import type { TokenBlocks, TokenFailureReport } from './token-throttle.ts';

/** Messages between the primary (owner of the store) and its gateway workers, over the cluster IPC channel. */
export type ToWorker =
  | {
      type: 'init';
      config: Config;
      snapshot: SnapshotData;
      problemTypeOrigin: string;
      /** The primary's `logFormat` resolved: workers log as the primary does, whatever their stderr says. */
      logFormat: LogFormat;
    }
  /** Where problems' `type` pages are (core/errors.ts), known once the admin port listens. */
  | { type: 'problem-type-origin'; origin: string }
  | { type: 'snapshot'; snapshot: SnapshotData }
  | {
      type: 'status';
      recorderOverloaded: boolean;
      quotaOthers: Record<string, WindowCounts>;
      /**
       * The primary's egress policy as it grew after start (issue 10): its own listening ports (the admin port
       * bound after the workers started too) and entries added to the allow list.
       */
      egress: EgressShared;
      /** `/token` keys and addresses blocked after failures summed over every worker (issue 10 item 5). */
      tokenBlocks: TokenBlocks;
    }
  /** The primary got SIGHUP: read the TLS certificate files again (each worker serves its own copy). */
  | { type: 'reload-tls' }
  /** The answer to a worker's `revoke-token`: done (the snapshot of `revision` names the token), or failed. */
  | { type: 'token-revoked'; requestId: number; revision: number; ok: boolean }
  /** The records sent with `ackId` are in the store (strict durability). */
  | { type: 'records-durable'; ackId: number }
  /** The answer to a worker's `replay-check`: the index of the first signature that is a replay, or -1 (remembered). */
  | { type: 'replay-checked'; requestId: number; seen: number }
  | { type: 'shutdown' };

export type ToPrimary =
  /** Sent once the worker listens for messages: IPC messages sent before that would be lost. */
  | { type: 'ready' }
  | { type: 'listening'; url: string }
  /**
   * Records for the primary's recorder. With `ackId` (strict durability, issue 13 item 5) the worker holds those
   * calls' last bytes until the primary answers `records-durable` with the same id.
   */
  | { type: 'records'; batch: TransactionRecord[]; ackId?: number }
  /**
   * The periodic report: quota counts, `/token` failures since the last report (null: none), and where this
   * worker's counters live now (Redis reachable or not), for the primary's /metrics.
   */
  | {
      type: 'quota';
      counts: Record<string, WindowCounts>;
      tokenFailures: TokenFailureReport | null;
      counters: GatewayCounterStates;
    }
  /** The worker stored a new message (PostgreSQL): the primary's deliverer pushes it without waiting for its poll. */
  | { type: 'accepted' }
  /** The worker's egress policy refused a provider connection: the primary logs it and alerts (issue 10). */
  | { type: 'egress-denied'; denial: EgressDenial }
  /** A client revoked a token at the worker's `/revoke` (RFC 7009): the primary, owner of the store, records it. */
  | { type: 'revoke-token'; requestId: number; revocation: TokenRevocation }
  /**
   * An inbound federated call's hop signatures (each with its owner), without Redis: the primary's memory says
   * whether any was accepted before by any worker of this node and may not come again (docs/security.md §2.12); the
   * call waits for `replay-checked`.
   */
  | { type: 'replay-check'; requestId: number; signatures: SeenSignature[] }
  /** The worker now serves this snapshot revision (its first, from `init`, or one pushed by `snapshot`). */
  | { type: 'snapshot-installed'; revision: number }
  | { type: 'stopped' };

/** How often workers and primary exchange quota counts, `/token` failures and status. */
export const SYNC_INTERVAL_MS = 100;
