import type { FastifyInstance } from 'fastify';
import type { AdminDeps } from '../deps.ts';
import { routesUnder, TAGS } from './common.ts';

/**
 * What every agency may read without signing in (R-09 contact points, R-10 the published services and their
 * technical descriptions, R-21 and R-24 notices): the portal reads these. Nothing here is secret: no upstream
 * addresses, no credentials, no subscriptions.
 */
export async function publicRoutes(app: FastifyInstance, { registry, lifecycle }: AdminDeps): Promise<void> {
  const route = routesUnder(app, TAGS.public);

  route('listPublicNotices', {
    handler: async () => ({ items: await lifecycle.listNotices() }),
  });

  route('listPublicServices', {
    handler: async () => {
      const [services, versions, systems, organizations] = await Promise.all([
        registry.listServices(),
        registry.listVersions(),
        registry.listSystems(),
        registry.listOrganizations(),
      ]);
      const systemById = new Map(systems.map((s) => [s.id, s]));
      const orgById = new Map(organizations.map((o) => [o.id, o]));
      const items = services.flatMap((service) => {
        const live = versions.filter(
          (v) => v.serviceId === service.id && (v.status === 'published' || v.status === 'deprecated'),
        );
        const system = systemById.get(service.providerSystemId);
        const org = system ? orgById.get(system.organizationId) : undefined;
        if (live.length === 0 || !system || !org || service.decommissionedAt) return [];
        return [
          {
            context: service.context,
            name: service.name,
            provider: { organizationCode: org.code, organizationName: org.name, systemName: system.name },
            description: Object.fromEntries(
              Object.entries(service.description).filter(([, v]) => typeof v === 'string'),
            ),
            decommissionAt: service.decommissionAt,
            versions: live.map((v) => ({
              version: v.version,
              protocol: v.protocol,
              status: v.status,
              path: `/${service.context}/${v.version}`,
              sunsetAt: v.sunsetAt,
              resources: v.resources,
            })),
          },
        ];
      });
      return { items };
    },
  });

  route('listPublicContacts', {
    handler: async () => ({
      items: (await registry.listOrganizations()).map((o) => ({
        code: o.code,
        name: o.name,
        contact: o.contact,
      })),
    }),
  });
}
