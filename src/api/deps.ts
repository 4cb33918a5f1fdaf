import type { Accounts } from '../control/accounts.ts';
import type { Categories } from '../control/categories/index.ts';
import type { ConnectionRequests } from '../control/connection-requests/index.ts';
import type { Lifecycle } from '../control/lifecycle/index.ts';
import type { Registry } from '../control/registry/index.ts';
import type { SandboxGateway } from '../control/sandbox-try.ts';
import type { SigningKeys } from '../control/signing-keys.ts';
import type { SubscriptionRequests } from '../control/subscription-requests/index.ts';
import type { VersionChanges } from '../control/version-changes/index.ts';
import type { Clock } from '../core/clock.ts';
import type { Config } from '../core/config.ts';
import type { KeyEncryptionKey } from '../keys/index.ts';
import type { Store } from '../store/port.ts';
import type { Alerts } from '../telemetry/alerts.ts';
import type { Logger } from '../telemetry/logger.ts';
import type { TelemetryMetrics } from '../telemetry/metrics.ts';

/**
 * What the admin API needs from the platform; the composition root (src/platform.ts) builds it. Every service is
 * constructed there, once, and handed in: a route never calls `new` on one (the alerts the API lists and resolves
 * are the ones the health rules raise).
 */
export interface AdminDeps {
  config: Config;
  store: Store;
  registry: Registry;
  lifecycle: Lifecycle;
  accounts: Accounts;
  connectionRequests: ConnectionRequests;
  subscriptionRequests: SubscriptionRequests;
  versionChanges: VersionChanges;
  /** Shared category lists (issue 12 item 7), built with the request workflows (`requestWorkflows`). */
  categories: Categories;
  alerts: Alerts;
  logger: Logger;
  clock: Clock;
  /** Health of this node, provided by the platform; shown at GET /healthz. */
  health: () => Record<string, unknown>;
  /** Public JWKS of the token signing keys, shown at GET /api/v1/jwks.json so peers can verify tokens. */
  jwks: () => Promise<{ keys: unknown[] }>;
  /** Seals the secrets the API stores (webhook HMAC keys): the store holds only ciphertext (issue 10 item 4). */
  kek: KeyEncryptionKey;
  /** Rotation of the token signing keys (`lgsp keys rotate`). */
  signingKeys: SigningKeys;
  /** How many async messages wait, for a queue engine whose messages are not in the store (NATS): the dashboard. */
  pendingMessages?: () => Promise<number>;
  /** The gateway the sandbox "try it" calls through (issue 11); without it a try answers 503 CP_SANDBOX_TRY_FAILED. */
  sandboxGateway?: SandboxGateway;
  /**
   * Resolves once this node's gateway holds every change committed so far (its configuration snapshot refreshed).
   * A successful write's answer waits for it, so "revoked at once" holds for the caller's very next
   * call through this node; other nodes follow within the snapshot poll interval. Absent on a node without a gateway.
   */
  gatewayCaughtUp?: () => Promise<void>;
  /**
   * The address the gateway listens on, for the portal's branding answer when `gateway.publicUrl` is unset; the
   * platform knows it once the gateway listens (tests leave it out: the configured host and port stand in).
   */
  gatewayUrl?: string;
  /** Prometheus metrics of this process, shown at GET /metrics; without them there is no such route. */
  metrics?: Pick<TelemetryMetrics, 'contentType' | 'scrape'>;
}
