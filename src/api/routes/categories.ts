import type { FastifyInstance } from 'fastify';
import { syncCategoriesFromPeer } from '../../federation/category-sync.ts';
import { currentUser } from '../auth.ts';
import { CATEGORY_FILE_MAX_BYTES } from '../contract/categories.ts';
import type { AdminDeps } from '../deps.ts';
import { operatorOnly, overseers, routesUnder, TAGS } from './common.ts';

/**
 * Shared category lists (issue 12 item 7, docs/categories.md): operator administrators manage the lists, their
 * versions and code mappings; reviewers and auditors read them. Consumers never call these: they call the
 * built-in service `/dmdc/1.0` on the gateway with their token and subscription.
 */
export async function categoryRoutes(
  app: FastifyInstance,
  {
    categories,
    config,
    store,
    kek,
    clock,
    registry,
  }: Pick<AdminDeps, 'categories' | 'config' | 'store' | 'kek' | 'clock' | 'registry'>,
): Promise<void> {
  const route = routesUnder(app, TAGS.services);
  // A 5 MiB file is ≈ 7 MiB of base64 inside the JSON body.
  const fileBodyLimit = Math.max(config.admin.bodyLimitBytes, CATEGORY_FILE_MAX_BYTES * 2);

  route('listCategories', {
    onRequest: overseers,
    handler: async (request) => categories.list(request.query),
  });
  route('createCategory', {
    onRequest: operatorOnly,
    handler: async (request) => categories.create(request.body, currentUser(request).id),
  });
  route('getCategory', {
    onRequest: overseers,
    handler: async (request) => categories.get(request.params.code),
  });
  route('updateCategory', {
    onRequest: operatorOnly,
    handler: async (request) => categories.update(request.params.code, request.body, currentUser(request).id),
  });
  route('importCategoryVersion', {
    onRequest: operatorOnly,
    bodyLimit: fileBodyLimit,
    handler: async (request) =>
      categories.importFile(request.params.code, request.body, currentUser(request).id),
  });
  route('listCategoryVersions', {
    onRequest: overseers,
    handler: async (request) => categories.versions(request.params.code, request.query),
  });
  route('listCategoryItems', {
    onRequest: overseers,
    handler: async (request) => categories.items(request.params.code, request.query),
  });
  route('listCategoryMappings', {
    onRequest: overseers,
    handler: async (request) => categories.mappings(request.params.code, request.query),
  });
  route('importCategoryMappings', {
    onRequest: operatorOnly,
    bodyLimit: fileBodyLimit,
    handler: async (request) =>
      categories.putMappings(request.params.code, request.body, currentUser(request).id),
  });
  route('getCategoryMapping', {
    onRequest: overseers,
    handler: async (request) => categories.lookup(request.params.code, request.params.localCode),
  });
  route('deleteCategoryMapping', {
    onRequest: operatorOnly,
    handler: async (request) =>
      categories.deleteMapping(request.params.code, request.params.localCode, currentUser(request).id),
  });
  route('getCategoryService', { onRequest: overseers, handler: async () => categories.serviceRef() });
  // Issue 12 item 7: the operator pulls a peer's lists through federation (src/federation/category-sync.ts).
  route('syncCategories', {
    onRequest: operatorOnly,
    handler: async (request) =>
      syncCategoriesFromPeer(
        {
          store,
          kek,
          clock,
          categories,
          egress: registry.egress,
          federationCode: config.federation.code,
          timeoutMs: config.gateway.upstreamTimeoutMs,
        },
        request.body,
        currentUser(request).id,
      ),
  });
}
