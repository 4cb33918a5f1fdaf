import type { FastifyInstance, FastifyRequest } from 'fastify';
import { currentUser, organizationScope, seesEverything } from '../auth.ts';
import type { ServiceVersion } from '../contract/index.ts';
import type { AdminDeps } from '../deps.ts';
import { Ownership, operatorOnlyFields, paramId } from '../ownership.ts';
import { agencyOrOperator, anyRole, routesUnder, TAGS } from './common.ts';

/**
 * Service versions, deployed side by side with their upstreams per environment. Anyone
 * signed in reads the catalogue (another organization's draft or version under review is, to an agency user, an
 * unknown id: it is not public yet, R-27); the provider agency prepares its versions, and publishing, deprecating and
 * retiring (the status) stay with the operator, who tests in the sandbox first.
 */
export async function versionRoutes(
  app: FastifyInstance,
  { registry, versionChanges }: AdminDeps,
): Promise<void> {
  const route = routesUnder(app, TAGS.versions);
  const ownership = new Ownership(registry);

  /**
   * Where a version forwards to is the providing agency's internal address: that agency and the operator's staff
   * see it; another agency reads the catalogue without it (its upstreams null), since it reaches the service only
   * through the gateway — and must not learn where to go around it (docs/security.md).
   */
  const shownTo = async (request: FastifyRequest, versions: ServiceVersion[]): Promise<ServiceVersion[]> => {
    const user = currentUser(request);
    if (seesEverything(user)) return versions;
    const owners = new Map<string, Promise<string>>();
    const ownerOf = (serviceId: string) => {
      const known = owners.get(serviceId);
      if (known !== undefined) return known;
      const owner = ownership.ofService(serviceId);
      owners.set(serviceId, owner);
      return owner;
    };
    return Promise.all(
      versions.map(async (v) =>
        (await ownerOf(v.serviceId)) === user.organizationId
          ? v
          : { ...v, upstreams: { sandbox: null, production: null } },
      ),
    );
  };

  route('listServiceVersions', {
    onRequest: anyRole,
    // An unknown service is a 404, not an empty list, so a typo in the id is not mistaken for "no versions"; so is
    // another organization's service that is not in the catalogue.
    preHandler: ownership.hides('service'),
    handler: async (request) => {
      const service = await registry.getService(request.params.id);
      const page = await registry.pageVersions(
        { ...request.query, serviceId: service.id },
        organizationScope(currentUser(request)),
      );
      return { ...page, items: await shownTo(request, page.items) };
    },
  });

  route('createVersion', {
    onRequest: agencyOrOperator,
    // A provider agency creates drafts of its own services; any other status is the operator's decision.
    preHandler: [
      ownership.hides('service'),
      ownership.owns((request, o) => o.ofService(paramId(request))),
      operatorOnlyFields(['status'], { status: 'draft' }),
    ],
    handler: async (request) =>
      registry.createVersion(request.params.id, request.body, currentUser(request).id),
  });

  route('listVersions', {
    onRequest: anyRole,
    handler: async (request) => {
      const page = await registry.pageVersions(request.query, organizationScope(currentUser(request)));
      return { ...page, items: await shownTo(request, page.items) };
    },
  });

  route('getVersion', {
    onRequest: anyRole,
    preHandler: ownership.hides('version'),
    handler: async (request) => (await shownTo(request, [await registry.getVersion(request.params.id)]))[0],
  });

  route('updateVersion', {
    onRequest: agencyOrOperator,
    preHandler: [
      ownership.hides('version'),
      ownership.owns((request, o) => o.ofVersion(paramId(request))),
      operatorOnlyFields(['status']),
    ],
    // Where a published version forwards to changes only through review (issue 10): an agency proposes a version
    // change instead; an operator administrator's direct change stays possible, and audited.
    handler: async (request) => {
      const user = currentUser(request);
      return versionChanges.editVersion(
        request.params.id,
        request.body,
        user.id,
        user.role === 'operator_admin',
      );
    },
  });
}
