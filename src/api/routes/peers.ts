import type { FastifyInstance } from 'fastify';
import {
  exportFederationLedger,
  Peers,
  pageFederationLedger,
  reconcileFederation,
} from '../../federation/peers.ts';
import { currentUser } from '../auth.ts';
import { FEDERATION_LEDGER_MAX } from '../contract/index.ts';
import type { AdminDeps } from '../deps.ts';
import { operatorOnly, overseers, reviewers, routesUnder, TAGS } from './common.ts';

/**
 * Peer platforms (issue 12 items 1–3, docs/federation.md): registered, changed and imported from by operator
 * administrators only — a peer is a trust decision of the province; the federated ledger and its reconciliation
 * are readable by everyone who may read all transactions.
 */
export async function peerRoutes(
  app: FastifyInstance,
  { config, store, registry, kek }: AdminDeps,
): Promise<void> {
  const route = routesUnder(app, TAGS.federation);
  const peers = new Peers(store, registry.changes, kek, registry.egress);

  // Every list pages on the server (docs/api-lists.md).
  route('listPeers', { onRequest: overseers, handler: async (request) => peers.page(request.query) });
  route('createPeer', {
    onRequest: operatorOnly,
    handler: async (request, reply) =>
      reply
        .header('cache-control', 'no-store')
        .send(await peers.create(request.body, currentUser(request).id)),
  });
  route('getPeer', { onRequest: overseers, handler: async (request) => peers.get(request.params.id) });
  route('updatePeer', {
    onRequest: operatorOnly,
    handler: async (request) => peers.update(request.params.id, request.body, currentUser(request).id),
  });
  route('listPeerImports', {
    onRequest: overseers,
    handler: async (request) => peers.pageImports(request.params.id, request.query),
  });
  route('importPeerService', {
    onRequest: operatorOnly,
    handler: async (request) => peers.importService(request.params.id, request.body, currentUser(request).id),
  });
  route('getPeerCatalogue', {
    onRequest: operatorOnly,
    handler: async (request) => peers.remoteCatalogue(request.params.id, request.query),
  });
  route('listPeerGrants', {
    onRequest: overseers,
    handler: async (request) => peers.pageGrants(request.params.id, request.query),
  });
  route('grantPeerSubscription', {
    onRequest: operatorOnly,
    handler: async (request) => peers.grant(request.params.id, request.body, currentUser(request).id),
  });
  route('getFederationLedger', {
    onRequest: overseers,
    handler: async (request) => pageFederationLedger(store, request.query),
  });
  // The whole period as a file for the other platform: a download, named by platform and period.
  route('exportFederationLedger', {
    onRequest: overseers,
    handler: async (request, reply) => {
      const { from, to } = request.query;
      const file = await exportFederationLedger(store, config.federation.code, from, to);
      const day = (iso: string) => iso.slice(0, 10);
      return reply
        .header(
          'content-disposition',
          `attachment; filename="so-lien-thong-${config.federation.code}-${day(file.from)}-${day(file.to)}.json"`,
        )
        .send(file);
    },
  });
  // A comparison that writes nothing, but a POST: auditors read through GETs only (the platform's rule for roles).
  route('reconcileFederation', {
    onRequest: reviewers,
    // As many entries as the schema takes (FEDERATION_LEDGER_MAX), which the admin body limit (1 MiB by default,
    // ~10,000 entries) cut short: ~400 bytes for each entry's three compared fields.
    bodyLimit: Math.max(config.admin.bodyLimitBytes, FEDERATION_LEDGER_MAX * 400),
    handler: async (request) => reconcileFederation(store, request.body),
  });
}
