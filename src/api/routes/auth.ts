import type { FastifyInstance } from 'fastify';
import { currentUser } from '../auth.ts';
import type { AdminDeps } from '../deps.ts';
import { route, TAGS } from './common.ts';

/** Public: signing in. Wrong name and wrong password answer alike, so names cannot be probed. */
export async function loginRoutes(app: FastifyInstance, { accounts }: AdminDeps): Promise<void> {
  route(app, TAGS.auth, 'login', {
    handler: async (request, reply) => {
      // The socket's address: the admin port is not behind the gateway's trusted proxies (issue 10 item 5).
      const address = request.socket.remoteAddress ?? '';
      const session = await accounts.login(request.body.username, request.body.password, address);
      return reply.header('cache-control', 'no-store').send(session);
    },
  });
}

/** Protected: the current session. Any signed-in role may read itself and sign out. */
export async function sessionRoutes(app: FastifyInstance, { accounts }: AdminDeps): Promise<void> {
  route(app, TAGS.auth, 'logout', {
    handler: async (request, reply) => {
      if (request.sessionToken) await accounts.logout(request.sessionToken);
      return reply.code(204).send();
    },
  });

  route(app, TAGS.auth, 'getCurrentUser', {
    handler: async (request) => currentUser(request),
  });
}
