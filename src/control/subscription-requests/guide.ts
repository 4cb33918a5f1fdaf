import type { TechnicalGuide } from '../../api/contract/index.ts';
import { LgspError } from '../../core/errors.ts';
import { documentForConsumers } from '../api-document.ts';
import { descriptionForConsumers, upstreamsByService } from '../catalogue.ts';
import { type RequestsContext, requireRequest } from './queries.ts';

/**
 * The service's technical guide, issued with the sandbox approval: the service's R-11 description, the
 * version's OpenAPI/WSDL document, how to call it through the gateway, and the subscriptions granted.
 */
export async function technicalGuide(ctx: RequestsContext, id: string): Promise<TechnicalGuide> {
  const row = await requireRequest(ctx.store.db, id);
  if (!row.sandbox_subscription_id) {
    throw new LgspError(
      'CP_REQUEST_STATE',
      `${id}: tài liệu hướng dẫn được cấp khi duyệt sandbox / the guide is issued with the sandbox approval`,
    );
  }
  const service = await ctx.registry.getService(row.service_id);
  const version = await ctx.store.db
    .selectFrom('service_versions')
    .select([
      'id',
      'version',
      'protocol',
      'status',
      'resources',
      'technical_document',
      'technical_document_type',
    ])
    .where('id', '=', row.version_id)
    .executeTakeFirstOrThrow();
  const environments: TechnicalGuide['environments'] = [];
  for (const environment of ['sandbox', 'production'] as const) {
    const subscriptionId =
      environment === 'sandbox' ? row.sandbox_subscription_id : row.production_subscription_id;
    if (!subscriptionId) continue;
    const subscription = await ctx.registry.getSubscription(subscriptionId);
    const issuedId = environment === 'sandbox' ? row.sandbox_credential_id : row.production_credential_id;
    const collected =
      environment === 'sandbox'
        ? row.sandbox_credential_collected_at
        : row.production_credential_collected_at;
    // The key to use: the one this request issued while it is current, else the system's newest current key
    // (after a rotation, R-19, the replacement).
    const current = await ctx.store.db
      .selectFrom('credentials')
      .select(['id', 'consumer_key'])
      .where('system_id', '=', row.system_id)
      .where('environment', '=', environment)
      .where('status', '=', 'active')
      .where('replaced_by', 'is', null)
      .orderBy('created_at', 'desc')
      .execute();
    const found = current.find((c) => c.id === issuedId) ?? current[0];
    environments.push({
      environment,
      subscriptionId,
      status: subscription.status,
      quotaPerDay: subscription.quotaPerDay,
      quotaPerMinute: subscription.quotaPerMinute,
      timeOfUse: subscription.timeOfUse,
      consumerKey: found?.consumer_key ?? null,
      credentialIssuedByThisRequest: issuedId !== null,
      credentialCollected: collected !== null,
    });
  }
  const basePath = `/${row.context}/${row.version}`;
  // The consumer's copy names the gateway, never the provider's own server (docs/security.md §2.1): in the
  // description and in the document, each upstream address becomes the version's path on the gateway.
  const upstreams = (await upstreamsByService(ctx.store.db, [service.id])).get(service.id) ?? [];
  return {
    requestId: row.id,
    status: row.status,
    service: {
      id: service.id,
      context: service.context,
      name: service.name,
      description: descriptionForConsumers(service.description, service.context, upstreams, ''),
    },
    version: {
      id: version.id,
      version: version.version,
      protocol: version.protocol,
      status: version.status,
      resources: version.resources,
      technicalDocumentType: version.technical_document_type,
      // OpenAPI as JSON (api-document.ts).
      technicalDocument:
        version.technical_document && version.technical_document_type
          ? documentForConsumers(
              version.technical_document_type,
              version.technical_document,
              basePath,
              upstreams.flatMap((v) => v.urls),
            )
          : null,
    },
    gateway: {
      tokenPath: '/token',
      basePath,
      howToCall: {
        vi:
          'Lấy token: POST /token, Authorization: Basic base64(consumerKey:consumerSecret), ' +
          `grant_type=client_credentials; gọi: ${basePath}/<tài nguyên> với Authorization: Bearer <token>.`,
        en:
          'Get a token at POST /token (Basic consumerKey:consumerSecret, grant_type=client_credentials), then ' +
          `call ${basePath}/<resource> with Authorization: Bearer <token>.`,
      },
    },
    environments,
  };
}
