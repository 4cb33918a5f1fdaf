/** Domain types shared by the control plane, the admin API and the CLI (no I/O here). */
export type Environment = 'sandbox' | 'production';
export const ENVIRONMENTS: readonly Environment[] = ['sandbox', 'production'];

export interface ContactPoint {
  name: string;
  title?: string | null;
  unit?: string | null;
  phone?: string | null;
  email?: string | null;
}

export interface Organization {
  id: string;
  /** Mã định danh điện tử của cơ quan, e.g. 000.00.31.H01 */
  code: string;
  name: string;
  parentId: string | null;
  contact: ContactPoint | null;
  createdAt: string;
  updatedAt: string;
}

export type SystemStatus = 'active' | 'suspended';

export interface InformationSystem {
  id: string;
  organizationId: string;
  organizationCode: string;
  name: string;
  description: string | null;
  isProvider: boolean;
  isConsumer: boolean;
  status: SystemStatus;
  createdAt: string;
  updatedAt: string;
}

export interface TechnicalDescription {
  addressAndInterface?: string;
  communicationStandards?: string;
  encryptionAndSecurity?: string;
  capacity?: string;
  connectionProcedure?: string;
  dataQuality?: string;
  dataPresentation?: string;
}

export interface Service {
  id: string;
  context: string;
  name: string;
  providerSystemId: string;
  description: TechnicalDescription;
  /** When the service stops (R-21: announced at least 60 days ahead); null when none is scheduled. */
  decommissionAt: string | null;
  decommissionedAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export type VersionStatus =
  | 'draft'
  | 'submitted'
  | 'sandbox_test'
  | 'published'
  | 'deprecated'
  | 'retired'
  | 'rejected';
export type Protocol = 'REST' | 'SOAP';
export type VersionMode = 'sync' | 'async';
export interface HealthCheck {
  /** A path on the upstream, `/health`; answered 2xx when the provider is up. */
  path: string;
  intervalSeconds: number;
}

export interface ResourceTemplate {
  method: string;
  path: string;
}

export interface ServiceVersion {
  id: string;
  serviceId: string;
  context: string;
  version: string;
  protocol: Protocol;
  status: VersionStatus;
  /**
   * `sync`: request → answer. `async`: consumers send messages that the LGSP stores and delivers (issue 4) —
   * pushed to the upstream of the message's environment, or pulled by the provider system where there is none.
   */
  mode: VersionMode;
  /** How many pushes the destination takes at once (async versions). */
  deliveryConcurrency: number;
  /** The platform GETs this path on the upstream of each environment every `intervalSeconds`. */
  healthCheck: HealthCheck | null;
  upstreams: { sandbox: string | null; production: string | null };
  resources: ResourceTemplate[];
  publishedAt: string | null;
  deprecatedAt: string | null;
  /** After this the version answers 410 with a pointer to its successor (R-18: ≥ 180 days after the successor). */
  sunsetAt: string | null;
  successorVersionId: string | null;
  /** The provider's OpenAPI 3 or WSDL document, given on submission. */
  technicalDocumentType: 'openapi' | 'wsdl' | null;
  submittedAt: string | null;
  rejectionReason: string | null;
  /** The recorded sandbox call that allowed publishing. */
  sandboxEvidenceTransactionId: string | null;
  createdAt: string;
  updatedAt: string;
}

export type SubscriptionStatus = 'active' | 'suspended' | 'revoked';

export interface Subscription {
  id: string;
  systemId: string;
  versionId: string;
  environment: Environment;
  status: SubscriptionStatus;
  quotaPerMinute: number | null;
  quotaPerDay: number | null;
  /** Allowed time of use in local time, "HH:MM-HH:MM" (may pass midnight); null means all day. */
  timeOfUse: string | null;
  createdAt: string;
  updatedAt: string;
}

export type CredentialStatus = 'active' | 'revoked';

export interface Credential {
  id: string;
  systemId: string;
  environment: Environment;
  consumerKey: string;
  status: CredentialStatus;
  createdAt: string;
  revokedAt: string | null;
  /** A rotated credential works until then (the overlap), then stops. */
  expiresAt: string | null;
  replacedBy: string | null;
}

export type NoticeKind = 'deprecation' | 'decommission' | 'maintenance' | 'endpoint_change' | 'announcement';

/** A public notice, readable without login. */
export interface Notice {
  id: string;
  kind: NoticeKind;
  title: string;
  body: string;
  serviceId: string | null;
  versionId: string | null;
  startsAt: string | null;
  endsAt: string | null;
  publishedAt: string;
}

/** Returned once, when a credential is issued; the secret is never shown again. */
export interface IssuedCredential extends Credential {
  consumerSecret: string;
}
