import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  assertOwnOrganization,
  currentUser,
  organizationScope,
  seesEverything,
  visibleById,
} from '../auth.ts';
import type { SubscriptionRequestCreate } from '../contract/index.ts';
import type { AdminDeps } from '../deps.ts';
import { Ownership } from '../ownership.ts';
import { agencyOrOperator, anyRole, reviewers, routesUnder, sendSecretOnce, TAGS } from './common.ts';

/**
 * Consumer subscription requests (R-12, Art. 11.2): an agency registers its consumer system for a published
 * service version; the operator's reviewers approve the sandbox (subscription, credential, technical guide), then
 * production after a successful sandbox call, or ask for completion, or reject — with reasons. The consumer
 * collects each issued secret once. Each request shows its age against the 2-working-day deadline.
 */
export async function subscriptionRequestRoutes(app: FastifyInstance, deps: AdminDeps): Promise<void> {
  const { registry, subscriptionRequests: requests } = deps;
  const ownership = new Ownership(registry);
  const route = routesUnder(app, TAGS.subscriptionRequests);

  /** A request of another organization's consumer system is answered to an agency user as an unknown id. */
  const visibleRequest = visibleById((id) => requests.get(id));
  /** The same check as a preHandler, before anything is written; operator staff pass without a lookup. */
  const ownsRequest = async (request: FastifyRequest) => {
    if (!seesEverything(currentUser(request))) await visibleRequest(request);
  };

  route('createSubscriptionRequest', {
    onRequest: agencyOrOperator,
    // Another organization's system, or a version not in the catalogue, is an unknown id.
    preHandler: [
      ownership.hides('system', (request) => (request.body as SubscriptionRequestCreate).systemId),
      ownership.hides('version', (request) => (request.body as SubscriptionRequestCreate).versionId),
    ],
    handler: async (request) => requests.submit(request.body, currentUser(request).id),
  });

  route('listSubscriptionRequests', {
    onRequest: anyRole,
    handler: async (request) => {
      const user = currentUser(request);
      const { organizationId, overdue, ...rest } = request.query;
      if (organizationId) assertOwnOrganization(user, organizationId);
      const scope = organizationScope(user) ?? organizationId;
      const inScope = scope ? { organizationId: scope } : {};
      return {
        ...(await requests.page({ ...rest, ...inScope, ...(overdue ? { overdue } : {}) })),
        overdueCount: await requests.countOverdue(inScope),
      };
    },
  });

  route('getSubscriptionRequest', {
    onRequest: anyRole,
    handler: async (request) => visibleRequest(request),
  });

  route('getSubscriptionRequestGuide', {
    onRequest: anyRole,
    handler: async (request) => {
      await visibleRequest(request);
      return requests.guide(request.params.id);
    },
  });

  route('approveSubscriptionRequestSandbox', {
    onRequest: reviewers,
    handler: async (request) => requests.approveSandbox(request.params.id, currentUser(request).id),
  });

  route('approveSubscriptionRequestProduction', {
    onRequest: reviewers,
    handler: async (request) => requests.approveProduction(request.params.id, currentUser(request).id),
  });

  route('returnSubscriptionRequestForCompletion', {
    onRequest: reviewers,
    handler: async (request) =>
      requests.needsCompletion(request.params.id, request.body.reasons, currentUser(request).id),
  });

  route('rejectSubscriptionRequest', {
    onRequest: reviewers,
    handler: async (request) =>
      requests.reject(request.params.id, request.body.reasons, currentUser(request).id),
  });

  route('requestSubscriptionRequestProduction', {
    onRequest: agencyOrOperator,
    preHandler: ownsRequest,
    handler: async (request) => requests.requestProduction(request.params.id, currentUser(request).id),
  });

  route('resubmitSubscriptionRequest', {
    onRequest: agencyOrOperator,
    preHandler: ownsRequest,
    handler: async (request) =>
      requests.resubmit(request.params.id, request.body.changes ?? {}, currentUser(request).id),
  });

  route('collectSubscriptionRequestCredential', {
    onRequest: agencyOrOperator,
    preHandler: ownsRequest,
    handler: async (request, reply) => {
      const collected = await requests.collectCredential(
        request.params.id,
        request.params.environment,
        currentUser(request).id,
      );
      return sendSecretOnce(reply, collected);
    },
  });
}
