import type { Static, TSchema } from '@sinclair/typebox';
import {
  AlertAcknowledge,
  AlertEventQuery,
  AlertEventSchema,
  AlertQuery,
  AlertResolve,
  AlertSchema,
} from './alerts.ts';
import { AuditChainResultSchema, AuditPageSchema, AuditQuery } from './audit.ts';
import {
  ConsoleSessionSchema,
  ConsoleSessionStateSchema,
  ConsoleSignOutSchema,
  LoginBody,
  LogoutResponse,
  OidcCallbackQuery,
  PasswordChange,
  PasswordChangedSchema,
  PasswordResetSchema,
  RedirectResponse,
  SessionSchema,
  SignInOptionsSchema,
  UserCreate,
  UserListItemSchema,
  UserQuery,
  UserSchema,
  UserUnlock,
  UserUnlockedSchema,
  UserUnlockParams,
} from './auth.ts';
import {
  CategoryCodeParams,
  CategoryImportBody,
  CategoryItemPageSchema,
  CategoryItemQuery,
  CategoryListCreate,
  CategoryListPatch,
  CategoryListQuery,
  CategoryListSchema,
  CategoryMappingImport,
  CategoryMappingImportResultSchema,
  CategoryMappingLookupSchema,
  CategoryMappingParams,
  CategoryMappingQuery,
  CategoryMappingSchema,
  CategoryServiceSchema,
  CategorySyncBody,
  CategorySyncResultSchema,
  CategoryVersionQuery,
  CategoryVersionSchema,
} from './categories.ts';
import { AnyObject, type BinaryResponse, Empty, IdParams, Page } from './common.ts';
import {
  ConnectedSystemsQuery,
  SystemConnectionDetailSchema,
  SystemConnectionQuery,
  SystemConnectionSchema,
} from './connected-systems.ts';
import {
  ConnectionRequestApprovalSchema,
  ConnectionRequestApprove,
  ConnectionRequestCreate,
  ConnectionRequestLetterResponse,
  ConnectionRequestQuery,
  ConnectionRequestReject,
  ConnectionRequestSchema,
} from './connection-requests.ts';
import {
  CredentialIssue,
  CredentialQuery,
  CredentialRevoke,
  CredentialSchema,
  IssuedCredentialSchema,
} from './credentials.ts';
import { DashboardQuery, DashboardSchema } from './dashboard.ts';
import {
  AnnouncementCancel,
  CancelledSubscriptionSchema,
  ConsumerUseSchema,
  CredentialRotate,
  MaintenanceCreate,
  NoticeQuery,
  NoticeSchema,
  ServiceDecommission,
  VersionConsumersQuery,
  VersionPublish,
  VersionReject,
  VersionSubmit,
} from './lifecycle.ts';
import { BackupStatusSchema, HealthSchema, JwksSchema, SigningKeyRotationSchema } from './meta.ts';
import type { OperationId } from './operations.ts';
import {
  OrganizationCreate,
  OrganizationPatch,
  OrganizationQuery,
  OrganizationSchema,
} from './organizations.ts';
import {
  FederationLedgerEntrySchema,
  FederationLedgerExportQuery,
  FederationLedgerFileSchema,
  FederationLedgerQuery,
  FederationReconcileBody,
  FederationReconciliationSchema,
  PeerCatalogueQuery,
  PeerCreate,
  PeerGrant,
  PeerGrantQuery,
  PeerGrantRowSchema,
  PeerGrantSchema,
  PeerImportCreate,
  PeerImportQuery,
  PeerImportSchema,
  PeerPatch,
  PeerQuery,
  PeerSchema,
  RemoteCatalogueSchema,
} from './peers.ts';
import {
  BrandingLogoResponse,
  BrandingSchema,
  NoticesAtomResponse,
  PublicContactQuery,
  PublicOperationListSchema,
  PublicOrganizationSchema,
  PublicServicePageSchema,
  PublicServiceQuery,
  PublicServiceSchema,
  PublicVersionDocumentResponse,
} from './public.ts';
import { ReconciliationBody, ReconciliationQuery, ReconciliationSchema } from './reconciliations.ts';
import { StatisticsQuery, StatisticsSchema } from './reports.ts';
import { SandboxTryBody, SandboxTryResultSchema } from './sandbox-try.ts';
import { ServiceCreate, ServicePatch, ServiceQuery, ServiceSchema } from './services.ts';
import { OwnSignInQuery, SignInPageSchema, SignInQuery } from './sign-ins.ts';
import {
  CollectCredentialParams,
  CollectedCredentialSchema,
  SubscriptionRequestCreate,
  SubscriptionRequestListSchema,
  SubscriptionRequestQuery,
  SubscriptionRequestReasons,
  SubscriptionRequestResubmit,
  SubscriptionRequestSchema,
  TechnicalGuideSchema,
} from './subscription-requests.ts';
import {
  SubscriptionCreate,
  SubscriptionPatch,
  SubscriptionQuery,
  SubscriptionSchema,
} from './subscriptions.ts';
import { SystemCreate, SystemPatch, SystemQuery, SystemSchema } from './systems.ts';
import { TransactionDetailSchema, TransactionPageSchema, TransactionQuery } from './transactions.ts';
import {
  VersionChangeCreate,
  VersionChangeQuery,
  VersionChangeReasons,
  VersionChangeSchema,
} from './version-changes.ts';
import { ServiceVersionQuery, VersionCreate, VersionPatch, VersionQuery, VersionSchema } from './versions.ts';
import {
  CreatedWebhookSchema,
  WebhookCreate,
  WebhookEventCatalogueSchema,
  WebhookQuery,
  WebhookRotateSecret,
  WebhookSchema,
} from './webhooks.ts';

/** What one operation takes and answers: path parameters, query, JSON body, and its non-problem responses. */
export interface OperationSchemas {
  params?: TSchema;
  querystring?: TSchema;
  body?: TSchema;
  /** By HTTP status; the problems (RFC 9457) an operation can answer are listed by its route. */
  response: Record<number, TSchema | BinaryResponse>;
}

/** An action on the object named by `:id`: it takes `body` and answers the object as it is after (200). */
const idAction = <Body extends TSchema, Answer extends TSchema>(body: Body, answer: Answer) => ({
  params: IdParams,
  body,
  response: { 200: answer },
});

/**
 * The schemas of every operation, by operationId (the sibling of the operations table): routes take their
 * validation and documentation from here, and clients their request and response types.
 */
export const OPERATION_SCHEMAS = {
  getHealth: { response: { 200: HealthSchema, 503: HealthSchema } },
  getReadiness: { response: { 200: HealthSchema, 503: HealthSchema } },
  getOpenApiDocument: { response: { 200: AnyObject } },
  getJwks: { response: { 200: JwksSchema } },
  rotateSigningKey: { body: Empty, response: { 200: SigningKeyRotationSchema } },
  getBackupStatus: { response: { 200: BackupStatusSchema } },
  login: { body: LoginBody, response: { 200: SessionSchema } },
  logout: { response: { 204: LogoutResponse } },
  getCurrentUser: { response: { 200: UserSchema } },
  changeOwnPassword: { body: PasswordChange, response: { 200: PasswordChangedSchema } },
  listOwnSignIns: { querystring: OwnSignInQuery, response: { 200: SignInPageSchema } },
  createConsoleSession: { body: LoginBody, response: { 200: ConsoleSessionSchema } },
  getConsoleSession: { response: { 200: ConsoleSessionStateSchema } },
  deleteConsoleSession: { response: { 200: ConsoleSignOutSchema, 204: LogoutResponse } },
  getSignInOptions: { response: { 200: SignInOptionsSchema } },
  startOidcSignIn: { response: { 302: RedirectResponse } },
  completeOidcSignIn: { querystring: OidcCallbackQuery, response: { 302: RedirectResponse } },
  listPublicNotices: { querystring: NoticeQuery, response: { 200: Page(NoticeSchema) } },
  listPublicServices: { querystring: PublicServiceQuery, response: { 200: PublicServicePageSchema } },
  listPublicContacts: {
    querystring: PublicContactQuery,
    response: { 200: Page(PublicOrganizationSchema) },
  },
  getPublicService: { params: IdParams, response: { 200: PublicServiceSchema } },
  getPublicNotice: { params: IdParams, response: { 200: NoticeSchema } },
  getPublicVersionDocument: { params: IdParams, response: { 200: PublicVersionDocumentResponse } },
  listPublicVersionOperations: { params: IdParams, response: { 200: PublicOperationListSchema } },
  getPublicNoticesFeed: { response: { 200: NoticesAtomResponse } },
  getBranding: { response: { 200: BrandingSchema } },
  getBrandingLogo: { response: { 200: BrandingLogoResponse } },
  listOrganizations: { querystring: OrganizationQuery, response: { 200: Page(OrganizationSchema) } },
  createOrganization: { body: OrganizationCreate, response: { 201: OrganizationSchema } },
  getOrganization: { params: IdParams, response: { 200: OrganizationSchema } },
  updateOrganization: idAction(OrganizationPatch, OrganizationSchema),
  listSystems: { querystring: SystemQuery, response: { 200: Page(SystemSchema) } },
  createSystem: { body: SystemCreate, response: { 201: SystemSchema } },
  getSystem: { params: IdParams, response: { 200: SystemSchema } },
  updateSystem: idAction(SystemPatch, SystemSchema),
  listConnectedSystems: {
    querystring: ConnectedSystemsQuery,
    response: { 200: Page(SystemConnectionSchema) },
  },
  getSystemConnection: {
    params: IdParams,
    querystring: SystemConnectionQuery,
    response: { 200: SystemConnectionDetailSchema },
  },
  listServices: { querystring: ServiceQuery, response: { 200: Page(ServiceSchema) } },
  createService: { body: ServiceCreate, response: { 201: ServiceSchema } },
  getService: { params: IdParams, response: { 200: ServiceSchema } },
  updateService: idAction(ServicePatch, ServiceSchema),
  decommissionService: idAction(ServiceDecommission, ServiceSchema),
  cancelServiceDecommission: idAction(AnnouncementCancel, ServiceSchema),
  listServiceVersions: {
    params: IdParams,
    querystring: ServiceVersionQuery,
    response: { 200: Page(VersionSchema) },
  },
  createVersion: { params: IdParams, body: VersionCreate, response: { 201: VersionSchema } },
  listVersions: { querystring: VersionQuery, response: { 200: Page(VersionSchema) } },
  getVersion: { params: IdParams, response: { 200: VersionSchema } },
  updateVersion: idAction(VersionPatch, VersionSchema),
  submitVersion: idAction(VersionSubmit, VersionSchema),
  startVersionSandboxTest: idAction(Empty, VersionSchema),
  rejectVersion: idAction(VersionReject, VersionSchema),
  publishVersion: idAction(VersionPublish, VersionSchema),
  listVersionConsumers: {
    params: IdParams,
    querystring: VersionConsumersQuery,
    response: { 200: Page(ConsumerUseSchema) },
  },
  trySandboxCall: idAction(SandboxTryBody, SandboxTryResultSchema),
  listSubscriptions: { querystring: SubscriptionQuery, response: { 200: Page(SubscriptionSchema) } },
  createSubscription: { body: SubscriptionCreate, response: { 201: SubscriptionSchema } },
  getSubscription: { params: IdParams, response: { 200: SubscriptionSchema } },
  updateSubscription: idAction(SubscriptionPatch, SubscriptionSchema),
  cancelSubscription: idAction(Empty, CancelledSubscriptionSchema),
  listCredentials: { querystring: CredentialQuery, response: { 200: Page(CredentialSchema) } },
  issueCredential: { params: IdParams, body: CredentialIssue, response: { 201: IssuedCredentialSchema } },
  getCredential: { params: IdParams, response: { 200: CredentialSchema } },
  revokeCredential: idAction(CredentialRevoke, CredentialSchema),
  rotateCredential: { params: IdParams, body: CredentialRotate, response: { 201: IssuedCredentialSchema } },
  listTransactions: { querystring: TransactionQuery, response: { 200: TransactionPageSchema } },
  getTransaction: { params: IdParams, response: { 200: TransactionDetailSchema } },
  reconcileTransactions: {
    querystring: ReconciliationQuery,
    body: ReconciliationBody,
    response: { 200: ReconciliationSchema },
  },
  getStatistics: { querystring: StatisticsQuery, response: { 200: StatisticsSchema } },
  getDashboard: { querystring: DashboardQuery, response: { 200: DashboardSchema } },
  listAuditEvents: { querystring: AuditQuery, response: { 200: AuditPageSchema } },
  verifyAuditChain: { response: { 200: AuditChainResultSchema } },
  announceMaintenance: { body: MaintenanceCreate, response: { 201: NoticeSchema } },
  cancelMaintenance: idAction(AnnouncementCancel, NoticeSchema),
  listNotices: { querystring: NoticeQuery, response: { 200: Page(NoticeSchema) } },
  createConnectionRequest: { body: ConnectionRequestCreate, response: { 201: ConnectionRequestSchema } },
  listConnectionRequests: {
    querystring: ConnectionRequestQuery,
    response: { 200: Page(ConnectionRequestSchema) },
  },
  getConnectionRequest: { params: IdParams, response: { 200: ConnectionRequestSchema } },
  approveConnectionRequest: idAction(ConnectionRequestApprove, ConnectionRequestApprovalSchema),
  rejectConnectionRequest: idAction(ConnectionRequestReject, ConnectionRequestSchema),
  getConnectionRequestLetter: { params: IdParams, response: { 200: ConnectionRequestLetterResponse } },
  createSubscriptionRequest: {
    body: SubscriptionRequestCreate,
    response: { 201: SubscriptionRequestSchema },
  },
  listSubscriptionRequests: {
    querystring: SubscriptionRequestQuery,
    response: { 200: SubscriptionRequestListSchema },
  },
  getSubscriptionRequest: { params: IdParams, response: { 200: SubscriptionRequestSchema } },
  getSubscriptionRequestGuide: { params: IdParams, response: { 200: TechnicalGuideSchema } },
  approveSubscriptionRequestSandbox: idAction(Empty, SubscriptionRequestSchema),
  approveSubscriptionRequestProduction: idAction(Empty, SubscriptionRequestSchema),
  returnSubscriptionRequestForCompletion: idAction(SubscriptionRequestReasons, SubscriptionRequestSchema),
  rejectSubscriptionRequest: idAction(SubscriptionRequestReasons, SubscriptionRequestSchema),
  requestSubscriptionRequestProduction: idAction(Empty, SubscriptionRequestSchema),
  resubmitSubscriptionRequest: idAction(SubscriptionRequestResubmit, SubscriptionRequestSchema),
  collectSubscriptionRequestCredential: {
    params: CollectCredentialParams,
    body: Empty,
    response: { 201: CollectedCredentialSchema },
  },
  createVersionChange: { body: VersionChangeCreate, response: { 201: VersionChangeSchema } },
  listVersionChanges: { querystring: VersionChangeQuery, response: { 200: Page(VersionChangeSchema) } },
  getVersionChange: { params: IdParams, response: { 200: VersionChangeSchema } },
  approveVersionChange: idAction(Empty, VersionChangeSchema),
  applyVersionChange: idAction(Empty, VersionChangeSchema),
  rejectVersionChange: idAction(VersionChangeReasons, VersionChangeSchema),
  withdrawVersionChange: idAction(Empty, VersionChangeSchema),
  listUsers: { querystring: UserQuery, response: { 200: Page(UserListItemSchema) } },
  listSignIns: { querystring: SignInQuery, response: { 200: SignInPageSchema } },
  createUser: { body: UserCreate, response: { 201: UserSchema } },
  unlockUser: { params: UserUnlockParams, body: UserUnlock, response: { 200: UserUnlockedSchema } },
  disableUser: { params: UserUnlockParams, body: Empty, response: { 200: UserSchema } },
  resetUserPassword: { params: UserUnlockParams, body: Empty, response: { 200: PasswordResetSchema } },
  listWebhooks: { querystring: WebhookQuery, response: { 200: Page(WebhookSchema) } },
  createWebhook: { body: WebhookCreate, response: { 201: CreatedWebhookSchema } },
  deleteWebhook: { params: IdParams, response: { 200: WebhookSchema } },
  listWebhookEventTypes: { response: { 200: WebhookEventCatalogueSchema } },
  rotateWebhookSecret: {
    params: IdParams,
    body: WebhookRotateSecret,
    response: { 200: CreatedWebhookSchema },
  },
  listAlerts: { querystring: AlertQuery, response: { 200: Page(AlertSchema) } },
  listAlertEvents: {
    params: IdParams,
    querystring: AlertEventQuery,
    response: { 200: Page(AlertEventSchema) },
  },
  acknowledgeAlert: idAction(AlertAcknowledge, AlertSchema),
  resolveAlert: idAction(AlertResolve, AlertSchema),
  listCategories: { querystring: CategoryListQuery, response: { 200: Page(CategoryListSchema) } },
  createCategory: { body: CategoryListCreate, response: { 201: CategoryListSchema } },
  getCategory: { params: CategoryCodeParams, response: { 200: CategoryListSchema } },
  updateCategory: {
    params: CategoryCodeParams,
    body: CategoryListPatch,
    response: { 200: CategoryListSchema },
  },
  importCategoryVersion: {
    params: CategoryCodeParams,
    body: CategoryImportBody,
    response: { 201: CategoryVersionSchema },
  },
  listCategoryVersions: {
    params: CategoryCodeParams,
    querystring: CategoryVersionQuery,
    response: { 200: Page(CategoryVersionSchema) },
  },
  listCategoryItems: {
    params: CategoryCodeParams,
    querystring: CategoryItemQuery,
    response: { 200: CategoryItemPageSchema },
  },
  listCategoryMappings: {
    params: CategoryCodeParams,
    querystring: CategoryMappingQuery,
    response: { 200: Page(CategoryMappingSchema) },
  },
  importCategoryMappings: {
    params: CategoryCodeParams,
    body: CategoryMappingImport,
    response: { 200: CategoryMappingImportResultSchema },
  },
  getCategoryMapping: { params: CategoryMappingParams, response: { 200: CategoryMappingLookupSchema } },
  deleteCategoryMapping: { params: CategoryMappingParams, response: { 200: CategoryMappingSchema } },
  getCategoryService: { response: { 200: CategoryServiceSchema } },
  syncCategories: { body: CategorySyncBody, response: { 200: CategorySyncResultSchema } },
  listPeers: { querystring: PeerQuery, response: { 200: Page(PeerSchema) } },
  createPeer: { body: PeerCreate, response: { 201: PeerSchema } },
  getPeer: { params: IdParams, response: { 200: PeerSchema } },
  updatePeer: { params: IdParams, body: PeerPatch, response: { 200: PeerSchema } },
  listPeerImports: {
    params: IdParams,
    querystring: PeerImportQuery,
    response: { 200: Page(PeerImportSchema) },
  },
  importPeerService: { params: IdParams, body: PeerImportCreate, response: { 201: PeerImportSchema } },
  getPeerCatalogue: {
    params: IdParams,
    querystring: PeerCatalogueQuery,
    response: { 200: RemoteCatalogueSchema },
  },
  listPeerGrants: {
    params: IdParams,
    querystring: PeerGrantQuery,
    response: { 200: Page(PeerGrantRowSchema) },
  },
  grantPeerSubscription: { params: IdParams, body: PeerGrant, response: { 200: PeerGrantSchema } },
  getFederationLedger: {
    querystring: FederationLedgerQuery,
    response: { 200: Page(FederationLedgerEntrySchema) },
  },
  exportFederationLedger: {
    querystring: FederationLedgerExportQuery,
    response: { 200: FederationLedgerFileSchema },
  },
  reconcileFederation: { body: FederationReconcileBody, response: { 200: FederationReconciliationSchema } },
} as const satisfies { [Id in OperationId]: OperationSchemas };

type SchemasOf<Id extends OperationId> = (typeof OPERATION_SCHEMAS)[Id];
type StaticOf<S> = S extends TSchema ? Static<S> : S extends BinaryResponse ? Uint8Array : never;
type Part<Id extends OperationId, K extends 'params' | 'querystring' | 'body'> =
  SchemasOf<Id> extends { [P in K]: infer S extends TSchema } ? Static<S> : undefined;

/** An operation's path parameters, query and body, as its route receives them after validation. */
export type OperationParams<Id extends OperationId> = Part<Id, 'params'>;
export type OperationQuery<Id extends OperationId> = Part<Id, 'querystring'>;
export type OperationBody<Id extends OperationId> = Part<Id, 'body'>;

/** What a client sends: only the parts the operation has (`params`, `query`, `body`). */
export type OperationRequest<Id extends OperationId> = (OperationParams<Id> extends undefined
  ? { params?: never }
  : { params: OperationParams<Id> }) &
  (OperationQuery<Id> extends undefined ? { query?: never } : { query: OperationQuery<Id> }) &
  (OperationBody<Id> extends undefined ? { body?: never } : { body: OperationBody<Id> });

/** What a client gets back on success: the union of the operation's non-problem responses. */
export type OperationResponse<Id extends OperationId> = {
  [S in keyof SchemasOf<Id>['response']]: StaticOf<SchemasOf<Id>['response'][S]>;
}[keyof SchemasOf<Id>['response']];
