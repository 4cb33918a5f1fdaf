import type { ColumnType, Generated } from 'kysely';
import type { CompositeDefinition } from '../core/composite.ts';
import type { VersionFieldMapping } from '../core/field-mapping.ts';
import type { SoapRestPlan } from '../core/soap-rest.ts';

/** Kysely's view of the tables in migrations/*.sql; keep the two in step (the store contract tests use both). */
type Timestamp = ColumnType<Date, Date | string, Date | string>;
type Json<T> = ColumnType<T, string, string>;
/** A column with a default (or NULL): optional when inserting. */
type Defaulted<T> = ColumnType<T, T | undefined, T>;

export type Environment = 'sandbox' | 'production';
/** How a service version is called: request → answer, or messages stored and delivered (issue 4). */
export type VersionMode = 'sync' | 'async';
/** Which leg a transaction record covers: both legs of a sync call, or one leg of an async message. */
export type TransactionLeg = 'sync' | 'intake' | 'delivery' | 'ack';
/** A call to a service, or a `/token` request (migrations/0021_token_records_webhook_rotation.sql). */
export type TransactionKind = 'service_call' | 'token_request' | 'platform_call';
export type AlertSeverity = 'info' | 'warning' | 'critical';
export type NoticeKind =
  | 'deprecation'
  | 'decommission'
  | 'maintenance'
  | 'endpoint_change'
  | 'announcement'
  | 'maintenance_cancelled'
  | 'decommission_cancelled';

export interface TechnicalDescription {
  /** Địa chỉ và giao diện kết nối */
  addressAndInterface?: string;
  /** Tiêu chuẩn kết nối, truyền thông */
  communicationStandards?: string;
  /** Mã hoá và an toàn thông tin */
  encryptionAndSecurity?: string;
  /** Năng lực đáp ứng (tần suất, dung lượng) */
  capacity?: string;
  /** Quy trình kết nối */
  connectionProcedure?: string;
  /** Chất lượng dữ liệu: thu thập, phê duyệt, cập nhật, thời điểm */
  dataQuality?: string;
  /** Cách thức trình bày dữ liệu */
  dataPresentation?: string;
}

/** A field of a category list (issue 12 item 7): its name, type and meaning; the first field is the item's key. */
export interface CategoryField {
  name: string;
  type: 'string' | 'integer' | 'number' | 'date' | 'boolean';
  description: string;
}
/** A category item's value, typed by its field (a date as `yyyy-mm-dd`); null when the cell was empty. */
export type CategoryValue = string | number | boolean | null;

export interface ResourceTemplate {
  /** HTTP method or `*` for any. */
  method: string;
  /** `/congdan/{soDinhDanh}`; a final `/*` matches the rest of the path. */
  path: string;
}

/** The states of a proposed change to a published version (issue 10): see 0014_version_changes.sql. */
export type VersionChangeStatus = 'submitted' | 'sandbox_test' | 'applied' | 'rejected' | 'withdrawn';

/** The upstreams a version change sets, by environment: an absent key is unchanged, null removes the upstream. */
export interface VersionChangeUpstreams {
  sandbox?: string | null;
  production?: string | null;
}

/** What an applied version change replaced. */
export interface VersionChangePrevious {
  upstreams: { sandbox: string | null; production: string | null };
  resources: ResourceTemplate[];
}

export interface Database {
  config_state: { id: number; revision: number };
  schema_migrations: { version: string; applied_at: Timestamp };
  organizations: {
    id: string;
    code: string;
    name: string;
    parent_id: string | null;
    contact_name: string | null;
    contact_title: string | null;
    contact_unit: string | null;
    contact_phone: string | null;
    contact_email: string | null;
    /** 'platform': the organization a peer platform's registration made (0048). */
    kind: ColumnType<'agency' | 'platform', 'agency' | 'platform' | undefined, 'agency' | 'platform'>;
    created_at: Timestamp;
    updated_at: Timestamp;
  };
  systems: {
    id: string;
    organization_id: string;
    name: string;
    description: string | null;
    is_provider: boolean;
    is_consumer: boolean;
    status: 'active' | 'suspended';
    created_at: Timestamp;
    updated_at: Timestamp;
    /** mTLS binding (0018): the pinned certificate's SHA-256 (hex), or the subject under the client CA. */
    client_cert_sha256: string | null;
    client_cert_subject: string | null;
    /** Known when a certificate PEM was uploaded: its expiry opens an alert in time. */
    client_cert_not_after: Timestamp | null;
    /** `platform` for a peer platform's system (migrations/0029_federation.sql), else `agency`. */
    kind: ColumnType<'agency' | 'platform', 'agency' | 'platform' | undefined, 'agency' | 'platform'>;
  };
  services: {
    id: string;
    context: string;
    name: string;
    provider_system_id: string;
    description: Json<TechnicalDescription>;
    created_at: Timestamp;
    updated_at: Timestamp;
    decommission_at: Timestamp | null;
    decommission_reason: string | null;
    decommissioned_at: Timestamp | null;
  };
  service_versions: {
    id: string;
    service_id: string;
    version: string;
    protocol: 'REST' | 'SOAP';
    status: 'draft' | 'submitted' | 'sandbox_test' | 'published' | 'deprecated' | 'retired' | 'rejected';
    sandbox_url: string | null;
    production_url: string | null;
    resources: Json<ResourceTemplate[]>;
    published_at: Timestamp | null;
    deprecated_at: Timestamp | null;
    sunset_at: Timestamp | null;
    successor_version_id: string | null;
    technical_document: string | null;
    technical_document_type: 'openapi' | 'wsdl' | null;
    submitted_at: Timestamp | null;
    rejection_reason: string | null;
    sandbox_evidence_txn_id: string | null;
    mode: ColumnType<VersionMode, VersionMode | undefined, VersionMode>;
    delivery_concurrency: ColumnType<number, number | undefined, number>;
    health_check_path: ColumnType<string | null, string | null | undefined, string | null>;
    health_check_interval_seconds: ColumnType<number, number | undefined, number>;
    /** Sync calls' request body limit; null: `gateway.maxRequestBodyBytes` (migrations/0019_edge_limits.sql). */
    request_body_limit_bytes: ColumnType<number | null, number | null | undefined, number | null>;
    /** A composite's backends (R-17, migrations/0030_composites.sql); null for every other version. */
    composite: ColumnType<CompositeDefinition | null, string | null | undefined, string | null>;
    /** JSON field mapping of requests and answers (migrations/0031_field_mapping_soap_rest.sql); null: none. */
    field_mapping: ColumnType<VersionFieldMapping | null, string | null | undefined, string | null>;
    /** A SOAP version exposed as REST (migrations/0031_field_mapping_soap_rest.sql); null: passed through. */
    soap_rest: ColumnType<SoapRestPlan | null, string | null | undefined, string | null>;
    created_at: Timestamp;
    updated_at: Timestamp;
  };
  subscriptions: {
    id: string;
    system_id: string;
    version_id: string;
    environment: Environment;
    status: 'active' | 'suspended' | 'revoked';
    quota_per_minute: number | null;
    quota_per_day: number | null;
    window_start: string | null;
    window_end: string | null;
    created_at: Timestamp;
    updated_at: Timestamp;
    /** A peer's subscription limited to these represented organizations (0029); null: all. */
    represented_orgs: ColumnType<string[] | null, string | null | undefined, string | null>;
  };
  credentials: {
    id: string;
    system_id: string;
    environment: Environment;
    consumer_key: string;
    secret_sha256: string;
    status: 'active' | 'revoked';
    created_at: Timestamp;
    revoked_at: Timestamp | null;
    expires_at: Timestamp | null;
    replaced_by: string | null;
  };
  notices: {
    id: string;
    kind: NoticeKind;
    title: string;
    body: string;
    service_id: string | null;
    version_id: string | null;
    starts_at: Timestamp | null;
    ends_at: Timestamp | null;
    published_at: Timestamp;
    created_by: string;
    cancelled_at: Timestamp | null;
    /** Who cancelled it (an account id); the API's `cancelledBy` is the cancellation notice, below. */
    cancelled_by: string | null;
    cancels_notice_id: string | null;
    /** The notice that cancelled this one (migration 0045); set with `cancelled_at`. */
    cancellation_notice_id: string | null;
  };
  signing_keys: {
    kid: string;
    algorithm: string;
    /** Plaintext of a store older than migration 0016, until the platform seals it at start; then NULL. */
    private_jwk: ColumnType<Record<string, unknown> | null, string | null, string | null>;
    /** The private JWK sealed with the key-encryption key (src/keys/), label `signing_keys.private_jwk:<kid>`. */
    private_jwk_sealed: Uint8Array | null;
    public_jwk: Json<Record<string, unknown>>;
    created_at: Timestamp;
    /** When it stopped signing (`lgsp keys rotate`); null for the current signing key. */
    retired_at: ColumnType<Date | null, Date | string | null, Date | string | null>;
    /** Until then it still verifies the tokens it signed (retired_at + token lifetime); then it is deleted. */
    verify_until: ColumnType<Date | null, Date | string | null, Date | string | null>;
  };
  /** One sealed known value proving the configured key-encryption key is this store's (0016_sealed_secrets.sql). */
  key_check: { id: number; kek_id: string; sealed: Uint8Array; created_at: Timestamp };
  users: {
    id: string;
    username: string;
    display_name: string;
    /** Null for a user who signs in only through OIDC (migrations/0020_console_sessions.sql). */
    password_hash: string | null;
    role: string;
    organization_id: string | null;
    created_at: Timestamp;
    oidc_issuer: Defaulted<string | null>;
    oidc_subject: Defaulted<string | null>;
    disabled_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
    /** Set by an operator's reset or the offline recovery, cleared by a change (0039). */
    must_change_password: Defaulted<boolean>;
  };
  sessions: {
    token_sha256: string;
    user_id: string;
    created_at: Timestamp;
    expires_at: Timestamp;
    /** bearer: `Authorization: Bearer`; console: the `lgsp_session` cookie, with CSRF checks. */
    kind: Defaulted<'bearer' | 'console'>;
    signed_in_with: Defaulted<'password' | 'oidc'>;
  };
  audit_events: {
    id: string;
    at: Timestamp;
    actor: string;
    action: string;
    object_type: string;
    object_id: string;
    details: Json<Record<string, unknown>>;
    revision: number;
    /** The chain (migrations/0002_audit_chain.sql): order, the previous event's hash, this event's hash. */
    seq: number;
    prev_hash: string | null;
    hash: string | null;
  };
  transactions: TransactionRow;
  /** RFC 7009: access tokens revoked before their expiry (migrations/0026_client_conventions.sql). */
  revoked_tokens: { jti: string; credential_id: string; revoked_at: Timestamp; expires_at: Timestamp };
  /** Where an organization wants signed webhook notifications (migrations/0003_notifications.sql). */
  webhook_endpoints: {
    id: string;
    organization_id: string;
    url: string;
    /** Plaintext of a store older than migration 0016, until the platform seals it at start; then NULL. */
    secret: string | null;
    /** The HMAC key sealed with the key-encryption key, label `webhook_endpoints.secret:<id>`; stored because
     * signing needs it, never returned after creation (R-25). */
    secret_sealed: Uint8Array | null;
    /** The secret before the last rotation, sealed with the same label; signs too until it expires (migration 0021). */
    previous_secret_sealed: ColumnType<Uint8Array | null, Uint8Array | null | undefined, Uint8Array | null>;
    previous_secret_expires_at: ColumnType<
      Date | null,
      Date | string | null | undefined,
      Date | string | null
    >;
    /** Event types it subscribes to; empty = all. */
    events: ColumnType<string[], string[], string[]>;
    active: boolean;
    created_at: Timestamp;
  };
  /** The notification outbox: written in the transaction of the change that causes it (control/notifications.ts). */
  notifications: {
    id: string;
    event_type: string;
    channel: 'email' | 'webhook';
    /** An e-mail address, or a webhook endpoint id. */
    recipient: string;
    subject: string;
    body_text: string;
    payload: Json<Record<string, unknown>>;
    status: 'pending' | 'sent' | 'failed';
    attempts: number;
    next_attempt_at: Timestamp;
    /** Set by a claim to its lease, cleared when the outcome is written: a send in flight, or a dead node's claim
     * until it lapses; no other row of the recipient is claimed meanwhile (migration 0051). */
    claimed_until: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
    last_error: string | null;
    created_at: Timestamp;
    sent_at: Timestamp | null;
  };
  /** Requests to connect a system (R-08), with the Appendix's fields (migrations/0005_connection_requests.sql). */
  connection_requests: {
    id: string;
    organization_id: string;
    system_name: string;
    system_description: string | null;
    is_provider: boolean;
    is_consumer: boolean;
    purpose: string;
    scope_of_use: string;
    contact: Json<{
      name: string;
      title?: string | null;
      unit?: string | null;
      phone?: string | null;
      email?: string | null;
    }>;
    other_proposals: string | null;
    letter_number: string | null;
    status: 'submitted' | 'approved' | 'rejected';
    decision_reason: string | null;
    decided_by: string | null;
    decided_at: Timestamp | null;
    system_id: string | null;
    submitted_by: string;
    submitted_at: Timestamp;
  };
  /** Consumer subscription requests (R-12), migrations/0007_subscription_requests.sql. */
  subscription_requests: {
    id: string;
    system_id: string;
    version_id: string;
    application: string;
    purpose: string;
    frequency_per_day: number;
    frequency_per_minute: number | null;
    time_of_use: string | null;
    other_notes: string | null;
    status: SubscriptionRequestStatus;
    reasons: ColumnType<string[], string[] | undefined, string[]>;
    completion_stage: 'submitted' | 'production_requested' | null;
    sandbox_subscription_id: string | null;
    production_subscription_id: string | null;
    sandbox_credential_id: string | null;
    production_credential_id: string | null;
    sandbox_credential_collected_at: Timestamp | null;
    production_credential_collected_at: Timestamp | null;
    sandbox_evidence_txn_id: string | null;
    requested_by: string;
    submitted_at: Timestamp;
    stage_started_at: Timestamp;
    decided_by: string | null;
    decided_at: Timestamp | null;
    updated_at: Timestamp;
  };
  /** Proposed changes to a published version, reviewed and sandbox-tested (issue 10), 0014_version_changes.sql. */
  version_change_requests: {
    id: string;
    version_id: string;
    /** Only the environments the proposal sets; null removes that environment's upstream. */
    proposed_upstreams: Json<VersionChangeUpstreams>;
    /** Replaces the version's resources; null: unchanged. */
    proposed_resources: Json<ResourceTemplate[] | null>;
    reason: string;
    status: VersionChangeStatus;
    reasons: ColumnType<string[], string[] | undefined, string[]>;
    /** The version's configuration that the applied change replaced. */
    previous: Json<VersionChangePrevious | null>;
    sandbox_evidence_txn_id: string | null;
    requested_by: string;
    submitted_at: Timestamp;
    stage_started_at: Timestamp;
    decided_by: string | null;
    decided_at: Timestamp | null;
    updated_at: Timestamp;
  };
  /** Async messages' metadata, kept after delivery (issue 4, R-02), migrations/0008_messages.sql. */
  messages: {
    id: string;
    source_system_id: string;
    destination_version_id: string;
    environment: Environment;
    idempotency_key: string | null;
    content_type: string;
    accepted_at: Timestamp;
    expires_at: Timestamp;
    state: 'accepted' | 'delivering' | 'delivered' | 'dead';
    size_bytes: number;
    sha256: string;
    attempts: ColumnType<number, number | undefined, number>;
    next_attempt_at: Timestamp;
    last_error: string | null;
    delivered_at: Timestamp | null;
    has_payload: boolean;
    claim_token: string | null;
    lease_until: Timestamp | null;
    /** The data key the payload is sealed with (migrations/0015_message_payload_keys.sql); null: stored unsealed. */
    payload_key_id: ColumnType<string | null, string | null | undefined, string | null>;
    /** The resource template the source's call matched (migrations/0027_message_resource.sql); null before. */
    resource_template: ColumnType<string | null, string | null | undefined, string | null>;
    /** The called path and query, sealed with the payload's key; null once settled (R-02). */
    sealed_target: ColumnType<string | null, string | null | undefined, string | null>;
  };
  /**
   * A federated async message's identities and hop signatures, and — once handed to a peer — the peer's message id
   * and receipt (issue 12 item 10b, migrations/0032_message_federation.sql).
   */
  message_federation: {
    message_id: string;
    from_peer_id: string | null;
    represented_org: string | null;
    represented_system: string | null;
    end_to_end_id: string;
    traceparent: string | null;
    signature: string | null;
    signature_input: string | null;
    to_peer_id: ColumnType<string | null, string | null | undefined, string | null>;
    remote_message_id: ColumnType<string | null, string | null | undefined, string | null>;
    remote_state: ColumnType<
      'accepted' | 'delivering' | 'delivered' | 'dead' | null,
      'accepted' | 'delivering' | 'delivered' | 'dead' | null | undefined,
      'accepted' | 'delivering' | 'delivered' | 'dead' | null
    >;
    remote_delivered_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
    remote_receipt: ColumnType<string | null, string | null | undefined, string | null>;
    receipt_checks: ColumnType<number, number | undefined, number>;
    next_check_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
    created_at: Timestamp;
  };
  /** Operator alerts, one open per key (migrations/0010_alerts.sql). */
  alerts: {
    id: string;
    kind: string;
    key: string;
    severity: AlertSeverity;
    state: 'open' | 'resolved';
    subject: string;
    details: Json<Record<string, unknown>>;
    occurrences: ColumnType<number, number | undefined, number>;
    opened_at: Timestamp;
    last_seen_at: Timestamp;
    resolved_at: Timestamp | null;
    escalated_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
    organization_ids: ColumnType<string[], string[] | undefined, string[]>;
  };
  alert_events: { alert_id: string; at: Timestamp; state: string; note: string };
  /**
   * Every attempt to sign in to the admin API or the console, with its outcome (migrations/0044_sign_ins.sql): the
   * sign-in history. Never a password or a token; kept as long as the transaction records (R-20).
   */
  sign_ins: {
    seq: Generated<number>;
    at: Timestamp;
    username: string | null;
    user_id: string | null;
    method: string;
    outcome: string;
    reason: string | null;
    address: string;
    user_agent: Defaulted<string>;
    /** How many attempts the row stands for: 1, or more when folded (migrations/0049_sign_ins_folded.sql). */
    attempts: Defaulted<number>;
    /** The last folded attempt's time; null for a row of one attempt. */
    last_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
    /** The fold a row of attempts that name no account is (`foldKey`, control/sign-ins.ts); null: one attempt. */
    fold_key: ColumnType<string | null, string | null | undefined, string | null>;
  };
  /**
   * Failed admin sign-ins per subject — an account's `user:<username>`, any other typed name's `name#<keyed digest>`
   * or `addr:<client address>` (`THROTTLE_SUBJECT`, core/backoff.ts) — and until when it is blocked
   * (migrations/0017_login_throttle.sql, issue 10 item 5; 0047). Never a password, nor a name no account has.
   */
  login_throttle: {
    subject: string;
    failures: number;
    last_failure_at: Timestamp;
    blocked_until: Timestamp;
  };
  /**
   * The platform's own sandbox test client (migrations/0023_platform_test_client.sql, issue 11 "try it"): its row
   * marks the system platform-owned; the consumer secret is sealed with the key-encryption key.
   */
  platform_test_client: {
    id: number;
    organization_id: string;
    system_id: string;
    credential_id: string;
    consumer_key: string;
    secret_sealed: Uint8Array;
    created_at: Timestamp;
    updated_at: Timestamp;
  };
  /** Shared category lists (migrations/0028_categories.sql, issue 12 item 7): `code` is the list's key. */
  category_lists: {
    code: string;
    name_vi: string;
    name_en: string;
    description: Defaulted<string>;
    source: Defaulted<string>;
    fields: Json<CategoryField[]>;
    current_version: Defaulted<number | null>;
    created_at: Timestamp;
    updated_at: Timestamp;
  };
  /** One immutable version of a list: its fields and where its items came from. */
  category_versions: {
    list_code: string;
    version: number;
    fields: Json<CategoryField[]>;
    item_count: number;
    items_sha256: string;
    origin: string;
    note: Defaulted<string>;
    created_by: string;
    created_at: Timestamp;
  };
  category_items: {
    list_code: string;
    version: number;
    position: number;
    code: string;
    data: Json<Record<string, CategoryValue>>;
  };
  category_mappings: {
    list_code: string;
    local_code: string;
    national_code: string;
    note: Defaulted<string>;
    updated_at: Timestamp;
  };
  /** The version the gateway answers itself (migrations/0028_categories.sql): `categories` is `/dmdc/1.0`. */
  builtin_services: {
    kind: 'categories';
    organization_id: string;
    system_id: string;
    service_id: string;
    version_id: string;
    created_at: Timestamp;
  };
  /** Async messages' payloads in chunks, deleted at delivery, death or expiry (R-02). */
  message_payloads: {
    message_id: string;
    seq: number;
    chunk: Uint8Array;
  };
  /** Subscriptions a composite's publication granted its provider system (migrations/0030_composites.sql). */
  composite_grants: {
    subscription_id: string;
    composite_version_id: string;
    created_at: Timestamp;
  };
  /** Peer platforms (migrations/0029_federation.sql, issue 12). */
  peers: {
    id: string;
    code: string;
    name: string;
    kind: 'openlgsp' | 'ndxp' | 'wso2' | 'other';
    system_id: string;
    gateway_url: string;
    token_url: string;
    jwks_url: string;
    catalogue_url: string | null;
    client_id: string | null;
    client_secret_sealed: Uint8Array | null;
    client_cert_pem: string | null;
    client_key_sealed: Uint8Array | null;
    status: 'active' | 'suspended';
    created_at: Timestamp;
    updated_at: Timestamp;
  };
  /** Versions that are a peer's service, forwarded to it (0029). */
  imported_versions: {
    version_id: string;
    peer_id: string;
    remote_context: string;
    remote_version: string;
    created_at: Timestamp;
  };
}

export type SubscriptionRequestStatus =
  | 'submitted'
  | 'sandbox_approved'
  | 'production_requested'
  | 'production_approved'
  | 'needs_completion'
  | 'rejected';

export interface TransactionRow {
  id: string;
  consumer_system_id: string | null;
  consumer_org_code: string | null;
  credential_id: string | null;
  provider_system_id: string | null;
  provider_org_code: string | null;
  service_id: string | null;
  service_context: string | null;
  version_id: string | null;
  version: string | null;
  environment: string | null;
  method: string;
  resource_template: string;
  provider_status: number | null;
  consumer_status: number;
  error_code: string | null;
  request_bytes: number;
  response_bytes: number;
  request_sha256: string | null;
  response_sha256: string | null;
  request_in_at: Timestamp;
  request_out_at: Timestamp | null;
  response_in_at: Timestamp | null;
  response_out_at: Timestamp;
  duration_ms: number;
  /** `sync`, or the leg of an async message (migrations/0009_async_delivery.sql). */
  leg: ColumnType<TransactionLeg, TransactionLeg | undefined, TransactionLeg>;
  message_id: ColumnType<string | null, string | null | undefined, string | null>;
  /** The caller's address as the gateway vouches for it (migrations/0019_edge_limits.sql); null on delivery legs. */
  client_address: ColumnType<string | null, string | null | undefined, string | null>;
  /**
   * `token_request` for a `/token` call, `platform_call` for one to `/_lgsp/…` that is no message leg, else
   * `service_call` (migrations/0021_token_records_webhook_rotation.sql, 0040_platform_call_records.sql).
   */
  kind: ColumnType<TransactionKind, TransactionKind | undefined, TransactionKind>;
  /** How the caller authenticated: `bearer` or `lgspaccesstoken` (migrations/0026_client_conventions.sql). */
  auth_method: ColumnType<string | null, string | null | undefined, string | null>;
  /** SENDER_CODE, RECEIVER_CODE, TRAN_CODE as a national price-database client sent them (0026). */
  client_sender_code: ColumnType<string | null, string | null | undefined, string | null>;
  client_receiver_code: ColumnType<string | null, string | null | undefined, string | null>;
  client_tran_code: ColumnType<string | null, string | null | undefined, string | null>;
  /** A composite's backend call: the consumer's transaction it served (migrations/0030_composites.sql). */
  parent_transaction_id: ColumnType<string | null, string | null | undefined, string | null>;
  /** Federated calls (migrations/0029_federation.sql): the represented party, end-to-end id, peer, hop chain. */
  represented_org_code: ColumnType<string | null, string | null | undefined, string | null>;
  represented_system: ColumnType<string | null, string | null | undefined, string | null>;
  end_to_end_id: ColumnType<string | null, string | null | undefined, string | null>;
  peer_id: ColumnType<string | null, string | null | undefined, string | null>;
  federation: ColumnType<FederationEvidence | null, string | null | undefined, string | null>;
}

/** What a federated call's record keeps of its hops (src/federation/wire.ts). */
export interface FederationEvidence {
  /** `outbound`: we forwarded to a peer; `inbound`: a peer called us. */
  direction: 'outbound' | 'inbound';
  traceId: string | null;
  /** Every signature label on the request as this platform sent or received it, in hop order. */
  hops: Array<{ label: string; keyId: string | null; verified: boolean | null; reason?: string }>;
  /** `verified`: every label checked; `refused`: one missing or forged; `signed`: we signed and sent it. */
  signatures: 'verified' | 'refused' | 'signed';
  /** SHA-256 binding the answer to the request (X-LGSP-Request-Hash). */
  requestHash: string | null;
  /** Outbound: whether the answer carried the request hash we expected. */
  answerBound?: boolean | null;
  /**
   * Inbound, refused before every signature verified: the end-to-end id the caller claimed, never verified — the
   * record's `end_to_end_id` is then empty, so the claim can never stand for the real call of that id (R-23).
   */
  claimedEndToEndId?: string;
}
