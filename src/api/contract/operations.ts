/**
 * Every operation of the admin API, once (DESIGN.md "Each type is written once"): its stable `operationId`, HTTP
 * method and path (Fastify style, `:id`). Routes register from this table, the OpenAPI document names each
 * operation by it, and the CLI's typed client calls the API by it — so an operationId never changes once
 * published; a new operation gets a new name.
 */
export const OPERATIONS = {
  // Meta: health, the API's own description, the token signing keys.
  getHealth: { method: 'GET', path: '/healthz' },
  getReadiness: { method: 'GET', path: '/readyz' },
  getOpenApiDocument: { method: 'GET', path: '/api/v1/openapi.json' },
  getJwks: { method: 'GET', path: '/api/v1/jwks.json' },
  rotateSigningKey: { method: 'POST', path: '/api/v1/signing-keys/rotate' },
  // R-24's scheduled backups, for the console's backup screen (issue 11).
  getBackupStatus: { method: 'GET', path: '/api/v1/backup/status' },

  // Sign-in and the current session.
  login: { method: 'POST', path: '/api/v1/auth/login' },
  logout: { method: 'POST', path: '/api/v1/auth/logout' },
  getCurrentUser: { method: 'GET', path: '/api/v1/me' },
  changeOwnPassword: { method: 'POST', path: '/api/v1/auth/password' },
  // The signed-in person's own sign-in history ("last sign-ins").
  listOwnSignIns: { method: 'GET', path: '/api/v1/me/sign-ins' },
  // The web console's cookie session and single sign-on (issue 11 item 5).
  createConsoleSession: { method: 'POST', path: '/api/v1/auth/session' },
  getConsoleSession: { method: 'GET', path: '/api/v1/auth/session' },
  deleteConsoleSession: { method: 'DELETE', path: '/api/v1/auth/session' },
  getSignInOptions: { method: 'GET', path: '/api/v1/auth/options' },
  startOidcSignIn: { method: 'GET', path: '/api/v1/auth/oidc/start' },
  completeOidcSignIn: { method: 'GET', path: '/api/v1/auth/oidc/callback' },

  // The portal's public reads.
  listPublicNotices: { method: 'GET', path: '/api/v1/public/notices' },
  listPublicServices: { method: 'GET', path: '/api/v1/public/services' },
  listPublicContacts: { method: 'GET', path: '/api/v1/public/contacts' },
  // The portal's catalogue, documents, Atom feed and branding (issue 11, R-10, R-21).
  getPublicService: { method: 'GET', path: '/api/v1/public/services/:id' },
  getPublicNotice: { method: 'GET', path: '/api/v1/public/notices/:id' },
  getPublicVersionDocument: { method: 'GET', path: '/api/v1/public/versions/:id/document' },
  listPublicVersionOperations: { method: 'GET', path: '/api/v1/public/versions/:id/operations' },
  getPublicNoticesFeed: { method: 'GET', path: '/api/v1/public/notices.atom' },
  getBranding: { method: 'GET', path: '/api/v1/public/branding' },
  getBrandingLogo: { method: 'GET', path: '/api/v1/public/branding/logo' },

  listOrganizations: { method: 'GET', path: '/api/v1/organizations' },
  createOrganization: { method: 'POST', path: '/api/v1/organizations' },
  getOrganization: { method: 'GET', path: '/api/v1/organizations/:id' },
  updateOrganization: { method: 'PATCH', path: '/api/v1/organizations/:id' },

  listSystems: { method: 'GET', path: '/api/v1/systems' },
  createSystem: { method: 'POST', path: '/api/v1/systems' },
  getSystem: { method: 'GET', path: '/api/v1/systems/:id' },
  updateSystem: { method: 'PATCH', path: '/api/v1/systems/:id' },
  listConnectedSystems: { method: 'GET', path: '/api/v1/connected-systems' },
  getSystemConnection: { method: 'GET', path: '/api/v1/systems/:id/connection' },

  listServices: { method: 'GET', path: '/api/v1/services' },
  createService: { method: 'POST', path: '/api/v1/services' },
  getService: { method: 'GET', path: '/api/v1/services/:id' },
  updateService: { method: 'PATCH', path: '/api/v1/services/:id' },
  decommissionService: { method: 'POST', path: '/api/v1/services/:id/decommission' },
  cancelServiceDecommission: { method: 'POST', path: '/api/v1/services/:id/cancel-decommission' },

  listServiceVersions: { method: 'GET', path: '/api/v1/services/:id/versions' },
  createVersion: { method: 'POST', path: '/api/v1/services/:id/versions' },
  listVersions: { method: 'GET', path: '/api/v1/versions' },
  getVersion: { method: 'GET', path: '/api/v1/versions/:id' },
  updateVersion: { method: 'PATCH', path: '/api/v1/versions/:id' },
  // The version moves: submitted for review, tested in the sandbox, rejected or published.
  submitVersion: { method: 'POST', path: '/api/v1/versions/:id/submit' },
  startVersionSandboxTest: { method: 'POST', path: '/api/v1/versions/:id/start-sandbox-test' },
  rejectVersion: { method: 'POST', path: '/api/v1/versions/:id/reject' },
  publishVersion: { method: 'POST', path: '/api/v1/versions/:id/publish' },
  listVersionConsumers: { method: 'GET', path: '/api/v1/versions/:id/consumers' },
  // The console's sandbox "try it" with the platform's own test client (issue 11).
  trySandboxCall: { method: 'POST', path: '/api/v1/versions/:id/try' },

  listSubscriptions: { method: 'GET', path: '/api/v1/subscriptions' },
  createSubscription: { method: 'POST', path: '/api/v1/subscriptions' },
  getSubscription: { method: 'GET', path: '/api/v1/subscriptions/:id' },
  updateSubscription: { method: 'PATCH', path: '/api/v1/subscriptions/:id' },
  cancelSubscription: { method: 'POST', path: '/api/v1/subscriptions/:id/cancel' },

  listCredentials: { method: 'GET', path: '/api/v1/credentials' },
  issueCredential: { method: 'POST', path: '/api/v1/systems/:id/credentials' },
  getCredential: { method: 'GET', path: '/api/v1/credentials/:id' },
  revokeCredential: { method: 'POST', path: '/api/v1/credentials/:id/revoke' },
  rotateCredential: { method: 'POST', path: '/api/v1/credentials/:id/rotate' },

  listTransactions: { method: 'GET', path: '/api/v1/transactions' },
  getTransaction: { method: 'GET', path: '/api/v1/transactions/:id' },
  reconcileTransactions: { method: 'POST', path: '/api/v1/reconciliations' },
  getStatistics: { method: 'GET', path: '/api/v1/reports/statistics' },
  // The operator console's dashboard (issue 11).
  getDashboard: { method: 'GET', path: '/api/v1/dashboard' },

  listAuditEvents: { method: 'GET', path: '/api/v1/audit-events' },
  verifyAuditChain: { method: 'GET', path: '/api/v1/audit-events/verify' },

  announceMaintenance: { method: 'POST', path: '/api/v1/maintenance' },
  cancelMaintenance: { method: 'POST', path: '/api/v1/maintenance/:id/cancel' },
  listNotices: { method: 'GET', path: '/api/v1/notices' },

  // Provider connection requests.
  createConnectionRequest: { method: 'POST', path: '/api/v1/connection-requests' },
  listConnectionRequests: { method: 'GET', path: '/api/v1/connection-requests' },
  getConnectionRequest: { method: 'GET', path: '/api/v1/connection-requests/:id' },
  approveConnectionRequest: { method: 'POST', path: '/api/v1/connection-requests/:id/approve' },
  rejectConnectionRequest: { method: 'POST', path: '/api/v1/connection-requests/:id/reject' },
  getConnectionRequestLetter: { method: 'GET', path: '/api/v1/connection-requests/:id/letter.docx' },

  // Consumer subscription requests.
  createSubscriptionRequest: { method: 'POST', path: '/api/v1/subscription-requests' },
  listSubscriptionRequests: { method: 'GET', path: '/api/v1/subscription-requests' },
  getSubscriptionRequest: { method: 'GET', path: '/api/v1/subscription-requests/:id' },
  getSubscriptionRequestGuide: { method: 'GET', path: '/api/v1/subscription-requests/:id/guide' },
  approveSubscriptionRequestSandbox: {
    method: 'POST',
    path: '/api/v1/subscription-requests/:id/approve-sandbox',
  },
  approveSubscriptionRequestProduction: {
    method: 'POST',
    path: '/api/v1/subscription-requests/:id/approve-production',
  },
  returnSubscriptionRequestForCompletion: {
    method: 'POST',
    path: '/api/v1/subscription-requests/:id/needs-completion',
  },
  rejectSubscriptionRequest: { method: 'POST', path: '/api/v1/subscription-requests/:id/reject' },
  requestSubscriptionRequestProduction: {
    method: 'POST',
    path: '/api/v1/subscription-requests/:id/request-production',
  },
  resubmitSubscriptionRequest: { method: 'POST', path: '/api/v1/subscription-requests/:id/resubmit' },
  collectSubscriptionRequestCredential: {
    method: 'POST',
    path: '/api/v1/subscription-requests/:id/credentials/:environment/collect',
  },

  createVersionChange: { method: 'POST', path: '/api/v1/version-changes' },
  listVersionChanges: { method: 'GET', path: '/api/v1/version-changes' },
  getVersionChange: { method: 'GET', path: '/api/v1/version-changes/:id' },
  approveVersionChange: { method: 'POST', path: '/api/v1/version-changes/:id/approve' },
  applyVersionChange: { method: 'POST', path: '/api/v1/version-changes/:id/apply' },
  rejectVersionChange: { method: 'POST', path: '/api/v1/version-changes/:id/reject' },
  withdrawVersionChange: { method: 'POST', path: '/api/v1/version-changes/:id/withdraw' },

  listUsers: { method: 'GET', path: '/api/v1/users' },
  listSignIns: { method: 'GET', path: '/api/v1/sign-ins' },
  createUser: { method: 'POST', path: '/api/v1/users' },
  unlockUser: { method: 'POST', path: '/api/v1/users/:username/unlock' },
  disableUser: { method: 'POST', path: '/api/v1/users/:username/disable' },
  resetUserPassword: { method: 'POST', path: '/api/v1/users/:username/password' },

  listWebhooks: { method: 'GET', path: '/api/v1/webhooks' },
  createWebhook: { method: 'POST', path: '/api/v1/webhooks' },
  deleteWebhook: { method: 'DELETE', path: '/api/v1/webhooks/:id' },
  listWebhookEventTypes: { method: 'GET', path: '/api/v1/webhooks/event-types' },
  rotateWebhookSecret: { method: 'POST', path: '/api/v1/webhooks/:id/rotate-secret' },

  listAlerts: { method: 'GET', path: '/api/v1/alerts' },
  listAlertEvents: { method: 'GET', path: '/api/v1/alerts/:id/events' },
  acknowledgeAlert: { method: 'POST', path: '/api/v1/alerts/:id/acknowledge' },
  resolveAlert: { method: 'POST', path: '/api/v1/alerts/:id/resolve' },

  // Shared category lists (danh mục dùng chung, issue 12 item 7) and the built-in service that serves them.
  listCategories: { method: 'GET', path: '/api/v1/categories' },
  createCategory: { method: 'POST', path: '/api/v1/categories' },
  getCategory: { method: 'GET', path: '/api/v1/categories/:code' },
  updateCategory: { method: 'PATCH', path: '/api/v1/categories/:code' },
  importCategoryVersion: { method: 'POST', path: '/api/v1/categories/:code/versions' },
  listCategoryVersions: { method: 'GET', path: '/api/v1/categories/:code/versions' },
  listCategoryItems: { method: 'GET', path: '/api/v1/categories/:code/items' },
  listCategoryMappings: { method: 'GET', path: '/api/v1/categories/:code/mappings' },
  importCategoryMappings: { method: 'POST', path: '/api/v1/categories/:code/mappings' },
  getCategoryMapping: { method: 'GET', path: '/api/v1/categories/:code/mappings/:localCode' },
  deleteCategoryMapping: { method: 'DELETE', path: '/api/v1/categories/:code/mappings/:localCode' },
  getCategoryService: { method: 'GET', path: '/api/v1/category-service' },
  syncCategories: { method: 'POST', path: '/api/v1/category-sync' },
  // Federation (issue 12): peer platforms, imported services, represented-party grants, the federated ledger.
  listPeers: { method: 'GET', path: '/api/v1/peers' },
  createPeer: { method: 'POST', path: '/api/v1/peers' },
  getPeer: { method: 'GET', path: '/api/v1/peers/:id' },
  updatePeer: { method: 'PATCH', path: '/api/v1/peers/:id' },
  listPeerImports: { method: 'GET', path: '/api/v1/peers/:id/imports' },
  importPeerService: { method: 'POST', path: '/api/v1/peers/:id/imports' },
  getPeerCatalogue: { method: 'GET', path: '/api/v1/peers/:id/catalogue' },
  listPeerGrants: { method: 'GET', path: '/api/v1/peers/:id/grants' },
  grantPeerSubscription: { method: 'POST', path: '/api/v1/peers/:id/grants' },
  getFederationLedger: { method: 'GET', path: '/api/v1/federation/ledger' },
  exportFederationLedger: { method: 'GET', path: '/api/v1/federation/ledger/export' },
  reconcileFederation: { method: 'POST', path: '/api/v1/federation/reconciliations' },
} as const satisfies Record<string, { method: HttpMethod; path: `/${string}` }>;

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
export type OperationId = keyof typeof OPERATIONS;
export const OPERATION_IDS = Object.keys(OPERATIONS) as OperationId[];
