import type { FastifyInstance } from 'fastify';
import { DEFAULT_ROTATION_OVERLAP_HOURS } from '../../control/lifecycle/index.ts';
import { assertOwnOrganization, currentUser } from '../auth.ts';
import { TECHNICAL_DOCUMENT_MAX_CHARS } from '../contract/index.ts';
import type { AdminDeps } from '../deps.ts';
import { Ownership, paramId } from '../ownership.ts';
import { agencyOrOperator, anyRole, operatorOnly, reviewers, route, TAGS } from './common.ts';

/**
 * The workflow steps of versions, credentials, services and subscriptions ending and
 * maintenance. Each is one action with its own checks in `Lifecycle`, never a field edited by hand.
 */
export async function lifecycleRoutes(
  app: FastifyInstance,
  { registry, lifecycle, config }: AdminDeps,
): Promise<void> {
  const ownership = new Ownership(registry);
  // Another organization's service or version not in the catalogue is an unknown id; one in it, a refusal.
  const ownsVersion = [
    ownership.hides('version'),
    ownership.owns((request, o) => o.ofVersion(paramId(request))),
  ];
  const ownsService = [
    ownership.hides('service'),
    ownership.owns((request, o) => o.ofService(paramId(request))),
  ];
  const ownsCredential = ownership.hides('credential');

  route(app, TAGS.versions, 'submitVersion', {
    onRequest: agencyOrOperator,
    // The document may be as long as its schema says (TECHNICAL_DOCUMENT_MAX_CHARS characters), which the admin
    // body limit (1 MiB by default) cut short: room for that many characters in UTF-8 and JSON escaping.
    bodyLimit: Math.max(config.admin.bodyLimitBytes, TECHNICAL_DOCUMENT_MAX_CHARS * 6 + 64 * 1024),
    preHandler: ownsVersion,
    handler: async (request) =>
      lifecycle.submitVersion(request.params.id, request.body, currentUser(request).id),
  });

  route(app, TAGS.versions, 'startVersionSandboxTest', {
    onRequest: reviewers,
    handler: async (request) => lifecycle.startSandboxTest(request.params.id, currentUser(request).id),
  });

  route(app, TAGS.versions, 'rejectVersion', {
    onRequest: reviewers,
    handler: async (request) =>
      lifecycle.rejectVersion(request.params.id, request.body.reason, currentUser(request).id),
  });

  route(app, TAGS.versions, 'publishVersion', {
    onRequest: reviewers,
    handler: async (request) =>
      lifecycle.publishVersion(request.params.id, request.body, currentUser(request).id),
  });

  route(app, TAGS.versions, 'listVersionConsumers', {
    onRequest: anyRole,
    preHandler: ownsVersion,
    handler: async (request) => lifecycle.pageConsumersOfVersion(request.params.id, request.query),
  });

  route(app, TAGS.credentials, 'rotateCredential', {
    onRequest: agencyOrOperator,
    preHandler: ownsCredential,
    handler: async (request, reply) => {
      const issued = await lifecycle.rotateCredential(
        request.params.id,
        request.body.overlapHours ?? DEFAULT_ROTATION_OVERLAP_HOURS,
        currentUser(request).id,
      );
      return reply.header('cache-control', 'no-store').send(issued);
    },
  });

  route(app, TAGS.services, 'decommissionService', {
    onRequest: agencyOrOperator,
    preHandler: ownsService,
    handler: async (request) =>
      lifecycle.scheduleDecommission(request.params.id, request.body, currentUser(request).id),
  });

  // Cancelled by whoever may schedule it: the provider's own agency or the operator.
  route(app, TAGS.services, 'cancelServiceDecommission', {
    onRequest: agencyOrOperator,
    preHandler: ownsService,
    handler: async (request) =>
      lifecycle.cancelDecommission(request.params.id, request.body, currentUser(request).id),
  });

  route(app, TAGS.subscriptions, 'cancelSubscription', {
    onRequest: agencyOrOperator,
    // Only the consumer side stops its own use; a third organization is answered as for an unknown id.
    preHandler: [
      ownership.hides('subscription'),
      async (request) => {
        const [consumerOrganization] = await ownership.ofSubscription(paramId(request));
        assertOwnOrganization(currentUser(request), consumerOrganization);
      },
    ],
    handler: async (request) => lifecycle.cancelSubscription(request.params.id, currentUser(request).id),
  });

  route(app, TAGS.notices, 'announceMaintenance', {
    onRequest: operatorOnly,
    handler: async (request) => lifecycle.announceMaintenance(request.body, currentUser(request).id),
  });

  // Only the operator announces maintenance, so only the operator cancels it.
  route(app, TAGS.notices, 'cancelMaintenance', {
    onRequest: operatorOnly,
    handler: async (request) =>
      lifecycle.cancelMaintenance(request.params.id, request.body, currentUser(request).id),
  });

  route(app, TAGS.notices, 'listNotices', {
    onRequest: anyRole,
    handler: async (request) => lifecycle.pageNotices(request.query),
  });
}
