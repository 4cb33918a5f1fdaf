import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { queryTransactions } from '../../telemetry/transactions.ts';
import type { AdminDeps } from '../deps.ts';
import { TransactionQuery, TransactionSchema } from '../schemas.ts';
import { operatorOnly, readProblems, TAGS } from './common.ts';

/** The transaction log: who called what, when, with what result; never the payload. */
export async function transactionRoutes(app: FastifyInstance, { store }: AdminDeps): Promise<void> {
  app.get<{ Querystring: TransactionQuery }>(
    '/transactions',
    {
      onRequest: operatorOnly,
      schema: {
        tags: [TAGS.transactions],
        summary: 'Tra cứu giao dịch / Search transactions',
        description:
          'Mới nhất trước; trang tiếp theo bằng cursor = nextCursor. / Newest first; page on with nextCursor.',
        querystring: TransactionQuery,
        response: {
          200: Type.Object({
            items: Type.Array(TransactionSchema),
            nextCursor: Type.Union([Type.String(), Type.Null()]),
          }),
          ...readProblems,
        },
      },
    },
    async (request) => queryTransactions(store, request.query),
  );
}
