import type { FastifyInstance, FastifyReply } from 'fastify';
import { documentForConsumers, listApiOperations } from '../../control/api-document.ts';
import {
  getPublicService,
  isPublicVersion,
  listPublicServices,
  pagePublicContacts,
  publicVersionDocument,
} from '../../control/catalogue.ts';
import { LgspError } from '../../core/errors.ts';
import { ATOM_MEDIA_TYPE, noticesFeed } from '../atom.ts';
import { loadLogo } from '../branding.ts';
import type { AdminDeps } from '../deps.ts';
import { adminBaseUrl } from '../server.ts';
import { routesUnder, TAGS } from './common.ts';

/**
 * A file the portal shows that someone else wrote (a provider's WSDL, an SVG logo) is served as an inert
 * document: a browser opening it directly runs no script on this origin, where the console's session lives.
 */
const INERT = "default-src 'none'; style-src 'unsafe-inline'; sandbox";

const withoutFinalSlash = (url: string) => url.replace(/\/+$/, '');

/**
 * What every agency may read without signing in (R-09 contact points, R-10 the published services, their
 * technical descriptions and API documents, R-21 and R-24 notices, also as an Atom feed), and the province's
 * branding: the portal reads these. Nothing here is secret: no upstream addresses, no credentials, no
 * subscriptions, never a document of a version not yet published.
 */
export async function publicRoutes(app: FastifyInstance, deps: AdminDeps): Promise<void> {
  const { lifecycle, store, config, clock } = deps;
  const route = routesUnder(app, TAGS.public);
  // Read now: a wrong logo file stops the start, with the setting to fix (src/api/branding.ts).
  const logo = loadLogo(config.branding);
  const configuredBase = withoutFinalSlash(config.admin.publicUrl);
  /** Where people reach the console and portal: the configured public address, else where this port listens. */
  const siteUrl = () => configuredBase || adminBaseUrl(app, config.admin);
  const gatewayUrl = () => gatewayAddress(deps);

  route('listPublicNotices', {
    handler: async (request) => lifecycle.pageNotices(request.query),
  });

  // Where the Atom feed's entries link to: one notice, whether or not it is on the first page of the list.
  route('getPublicNotice', {
    handler: async (request) => lifecycle.getNotice(request.params.id),
  });

  // The feed stays a feed: the newest NOTICE_FEED_ENTRIES notices, not a page (docs/api-lists.md).
  route('getPublicNoticesFeed', {
    handler: async (_request, reply) => {
      const feed = noticesFeed(
        await lifecycle.listNotices(),
        {
          baseUrl: siteUrl(),
          provinceName: config.branding.provinceName,
          offsetMinutes: config.timezoneOffsetMinutes,
        },
        new Date(clock.nowMs()),
      );
      return reply.type(ATOM_MEDIA_TYPE).header('cache-control', 'public, max-age=300').send(feed);
    },
  });

  route('listPublicServices', {
    handler: async (request) => listPublicServices(store.db, request.query, configuredBase, gatewayUrl()),
  });

  route('getPublicService', {
    handler: async (request) => getPublicService(store.db, request.params.id, configuredBase, gatewayUrl()),
  });

  route('getPublicVersionDocument', {
    handler: async (request, reply) => {
      const document = await publicVersionDocument(store.db, request.params.id);
      // The gateway's address in place of every one the provider wrote for its own server, and of every mention of
      // an upstream's origin (api-document.ts); a WSDL without its comments; OpenAPI comes out as JSON, whatever
      // the provider wrote: one media type, what a renderer reads.
      const text = documentForConsumers(
        document.type,
        document.text,
        `${gatewayUrl()}${document.basePath}`,
        document.upstreams,
      );
      if (text === null) {
        throw new LgspError(
          'CP_VERSION_NOT_FOUND',
          `${request.params.id}: tài liệu không đọc được / the document cannot be read`,
        );
      }
      if (document.type === 'wsdl') {
        return inert(reply, 'application/xml; charset=utf-8', `${document.name}.wsdl`).send(text);
      }
      return inert(reply, 'application/json; charset=utf-8', `${document.name}.openapi.json`).send(text);
    },
  });

  route('listPublicVersionOperations', {
    handler: async (request) => {
      if (!(await isPublicVersion(store.db, request.params.id))) {
        throw new LgspError('CP_VERSION_NOT_FOUND', `${request.params.id}: không có phiên bản công khai này`);
      }
      const document = await publicVersionDocument(store.db, request.params.id).catch(() => null);
      if (!document) return { documentType: null, items: [] };
      // Read from the document as consumers get it: an operation's summary may name the upstream too.
      const text = documentForConsumers(
        document.type,
        document.text,
        `${gatewayUrl()}${document.basePath}`,
        document.upstreams,
      );
      return { documentType: document.type, items: text ? listApiOperations(document.type, text) : [] };
    },
  });

  route('listPublicContacts', {
    handler: async (request) => pagePublicContacts(store.db, request.query),
  });

  route('getBranding', {
    handler: async () => {
      const site = siteUrl();
      const { provinceName, shortName, portalTitle, primaryColor } = config.branding;
      return {
        provinceName,
        shortName,
        portalTitle,
        primaryColor,
        logoUrl: `${site}/api/v1/public/branding/logo`,
        consoleUrl: `${site}/`,
        portalUrl: `${site}/portal`,
        gatewayUrl: gatewayUrl(),
      };
    },
  });

  route('getBrandingLogo', {
    handler: async (_request, reply) =>
      reply
        .type(logo.contentType)
        .header('cache-control', 'public, max-age=3600')
        .header('content-security-policy', INERT)
        .send(logo.bytes),
  });
}

function inert(reply: FastifyReply, type: string, filename: string): FastifyReply {
  return reply
    .type(type)
    .header('content-security-policy', INERT)
    .header('content-disposition', `inline; filename="${filename}"`)
    .header('cache-control', 'public, max-age=60');
}

/**
 * Where consumers call the gateway: its public address, else where it listens — what the catalogue's descriptions
 * and documents name in place of a provider's own server.
 */
export function gatewayAddress(deps: AdminDeps): string {
  return withoutFinalSlash(deps.config.gateway.publicUrl) || deps.gatewayUrl || gatewayListenUrl(deps);
}

/** The configured gateway address, as `lgsp start` prints it, when the platform did not say where it listens. */
function gatewayListenUrl({ config }: AdminDeps): string {
  const host = ['0.0.0.0', '::', ''].includes(config.gateway.host) ? '127.0.0.1' : config.gateway.host;
  const scheme = config.gateway.tls.certFile ? 'https' : 'http';
  return `${scheme}://${host.includes(':') ? `[${host}]` : host}:${config.gateway.port}`;
}
