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
    summary: 'Danh sách người dùng / List users',
    description: 'Không bao giờ có mật khẩu. / Never includes a password.',
    handler: async () => ({ items: await accounts.listUsers() }),
  });

  route('createUser', {
    onRequest: operatorOnly,
    summary: 'Thêm người dùng / Create a user',
    description:
      'Vai trò agency cần organizationId (cơ quan mà người dùng làm việc cho); các vai trò khác thì không. ' +
      'Mật khẩu ≥ 10 ký tự, lưu dạng băm. / Role agency needs organizationId (the organization the user ' +
      'acts for); the other roles take none. Passwords have ≥ 10 characters and are stored hashed.',
    problems: [404, 409],
    handler: async (request) => {
      const { organizationId = null, ...rest } = request.body;
      return accounts.createUser({ ...rest, organizationId }, currentUser(request).id);
    },
  });
}
