import type { FastifyInstance } from 'fastify';
import { currentUser, requireRole } from '../auth.ts';
import type { AdminDeps } from '../deps.ts';
import { operatorOnly, routesUnder, TAGS } from './common.ts';

/** Who may see the list of accounts: the administrators who manage them, and auditors who check access. */
const userReaders = requireRole('operator_admin', 'auditor');

/**
 * Local accounts of people and their roles (issue 3, R-24). Passwords are stored as salted scrypt hashes; no
 * answer carries a password or its hash (the response schema has no such field).
 */
export async function userRoutes(app: FastifyInstance, { accounts }: AdminDeps): Promise<void> {
  const route = routesUnder(app, TAGS.users);

  route('listUsers', {
    onRequest: userReaders,
    handler: async (request) => accounts.listUsers(request.query),
  });

  // The sign-in history: who signed in, from where, what was refused — never a password or a token.
  route('listSignIns', {
    onRequest: userReaders,
    handler: async (request) => accounts.pageSignIns(request.query),
  });

  route('unlockUser', {
    onRequest: operatorOnly,
    handler: async (request) => {
      const { username } = request.params;
      const address = request.body.address ?? null;
      const { cleared } = await accounts.unlock(username, address, currentUser(request).id);
      return { username, address, cleared };
    },
  });

  // Issue 11 item 5: every session of the user ends in the same change.
  route('disableUser', {
    onRequest: operatorOnly,
    handler: async (request) => accounts.disableUser(request.params.username, currentUser(request).id),
  });

  // The new password is in this answer only: never stored in clear, logged or audited.
  route('resetUserPassword', {
    onRequest: operatorOnly,
    handler: async (request, reply) => {
      const reset = await accounts.resetPassword(request.params.username, currentUser(request).id);
      return reply.header('cache-control', 'no-store').send(reset);
    },
  });

  route('createUser', {
    onRequest: operatorOnly,
    handler: async (request) => {
      // A password the operator chose has been seen by someone other than its user: like a reset one, it opens
      // nothing but changing it, unless the operator says the account is theirs to use (a script's, say).
      const { organizationId = null, mustChangePassword = true, ...rest } = request.body;
      return accounts.createUser({ ...rest, organizationId, mustChangePassword }, currentUser(request).id);
    },
  });
}
