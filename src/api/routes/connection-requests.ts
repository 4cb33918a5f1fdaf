import type { FastifyInstance } from 'fastify';
import { letterProvince, renderConnectionRequestLetter } from '../../control/request-letter.ts';
import { LgspError } from '../../core/errors.ts';
import { assertOwnOrganization, currentUser, organizationScope, visibleById } from '../auth.ts';
import { DOCX_MEDIA_TYPE } from '../contract/index.ts';
import type { AdminDeps } from '../deps.ts';
import { agencyOrOperator, anyRole, reviewers, routesUnder, TAGS } from './common.ts';

/**
 * Connection requests: an organization applies with the Appendix's form to connect a system; the
 * operator's reviewers approve (the system is created, active) or reject with a reason. The official letter is
 * generated from the Appendix template as .docx, for the agency to sign and send.
 */
export async function connectionRequestRoutes(app: FastifyInstance, deps: AdminDeps): Promise<void> {
  const { registry, connectionRequests: requests, config } = deps;
  const route = routesUnder(app, TAGS.connectionRequests);

  /** The request named by `:id`; to an agency user of another organization, as an unknown id. */
  const visibleRequest = visibleById((id) => requests.get(id));

  route('createConnectionRequest', {
    onRequest: agencyOrOperator,
    handler: async (request) => {
      const user = currentUser(request);
      const {
        organizationId = user.organizationId,
        isProvider = false,
        isConsumer = false,
        ...rest
      } = request.body;
      if (!organizationId) {
        throw new LgspError(
          'API_VALIDATION_FAILED',
          'organizationId: bắt buộc khi gửi thay cơ quan / required when applying on behalf of an organization',
        );
      }
      assertOwnOrganization(user, organizationId);
      return requests.submit({ ...rest, organizationId, isProvider, isConsumer }, user.id);
    },
  });

  route('listConnectionRequests', {
    onRequest: anyRole,
    handler: async (request) => {
      const user = currentUser(request);
      const { organizationId, ...rest } = request.query;
      if (organizationId) assertOwnOrganization(user, organizationId);
      const scope = organizationScope(user) ?? organizationId;
      return requests.list({ ...rest, ...(scope ? { organizationId: scope } : {}) });
    },
  });

  route('getConnectionRequest', {
    onRequest: anyRole,
    handler: async (request) => visibleRequest(request),
  });

  route('approveConnectionRequest', {
    onRequest: reviewers,
    handler: async (request) =>
      requests.approve(request.params.id, currentUser(request).id, request.body.note),
  });

  route('rejectConnectionRequest', {
    onRequest: reviewers,
    handler: async (request) =>
      requests.reject(request.params.id, request.body.reason, currentUser(request).id),
  });

  route('getConnectionRequestLetter', {
    onRequest: anyRole,
    handler: async (request, reply) => {
      const found = await visibleRequest(request);
      const organization = await registry.getOrganization(found.organizationId);
      const parent = organization.parentId ? await registry.getOrganization(organization.parentId) : null;
      const letter = await renderConnectionRequestLetter(found, organization, {
        ...letterProvince(config.branding.provinceName),
        parentAgencyName: parent?.name ?? null,
      });
      return reply
        .type(DOCX_MEDIA_TYPE)
        .header('content-disposition', `attachment; filename="de-nghi-ket-noi-${found.id}.docx"`)
        .header('cache-control', 'private, no-store')
        .send(letter);
    },
  });
}
