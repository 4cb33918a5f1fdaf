import { type Static, type TSchema, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { LgspError } from '../../core/errors.ts';
import {
  DEFAULT_TOLERANCE_MS,
  differencesCsv,
  MAX_FILE_BYTES,
  MAX_TOLERANCE_MS,
  type Party,
  reconcile,
} from '../../reports/reconciliation.ts';
import { currentUser, requireRole, seesEverything } from '../auth.ts';
import type { AdminDeps } from '../deps.ts';
import { problemResponses } from '../problems.ts';
import { route, TAGS } from './common.ts';

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const Strict = { additionalProperties: false } as const;

export const ReconciliationBody = Type.Object(
  {
    systemId: Type.Optional(
      Type.String({ minLength: 1, maxLength: 100, description: 'Hệ thống đối soát / the party: one system' }),
    ),
    organizationCode: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 100,
        description: 'Hoặc mã định danh cơ quan (mọi hệ thống của cơ quan) / or an organization code',
      }),
    ),
    role: Type.Optional(
      Type.Union([Type.Literal('consumer'), Type.Literal('provider'), Type.Literal('any')], {
        description: 'Phía: khai thác, cung cấp, cả hai (mặc định) / side: consumer, provider, any (default)',
      }),
    ),
    from: Type.String({ format: 'date-time', description: 'Từ thời điểm (gồm) / from, inclusive' }),
    to: Type.String({ format: 'date-time', description: 'Đến thời điểm (không gồm) / to, exclusive' }),
    toleranceSeconds: Type.Optional(
      Type.Number({
        minimum: 0,
        maximum: MAX_TOLERANCE_MS / 1000,
        description: `Độ lệch thời gian cho phép khi khớp theo thời gian (mặc định ${DEFAULT_TOLERANCE_MS / 1000}) / time tolerance, seconds`,
      }),
    ),
    includeMatched: Type.Optional(
      Type.Boolean({ description: 'Trả cả danh sách khớp (mặc định không) / also list the matched pairs' }),
    ),
    csv: Type.String({
      description:
        'Nội dung tệp CSV của bên đối soát (docs/reconciliation.md) / the party CSV file content: ' +
        'ma_giao_dich[,trang_thai] or thoi_gian,dich_vu[,trang_thai]',
    }),
  },
  Strict,
);
export type ReconciliationBody = Static<typeof ReconciliationBody>;

export const ReconciliationQuery = Type.Object(
  {
    format: Type.Union([Type.Literal('json'), Type.Literal('csv')], {
      default: 'json',
      description: 'csv: tải các chênh lệch dạng CSV / download the differences as CSV',
    }),
  },
  Strict,
);
export type ReconciliationQuery = Static<typeof ReconciliationQuery>;

const PlatformEntrySchema = Type.Object({
  id: Type.String(),
  messageId: Nullable(Type.String()),
  leg: Type.String({ description: 'sync | intake | delivery | ack' }),
  side: Type.String({ description: 'consumer | provider' }),
  time: Type.String({ format: 'date-time' }),
  service: Nullable(Type.String({ description: 'context/version' })),
  status: Nullable(Type.Integer()),
});
const PartyEntrySchema = Type.Object({
  line: Type.Integer({ description: 'Số dòng trong tệp / line number in the file' }),
  transactionId: Type.Optional(Type.String()),
  time: Type.Optional(Type.String({ format: 'date-time' })),
  service: Type.Optional(Type.String()),
  status: Nullable(Type.Integer()),
});
const PairSchema = Type.Object({ platform: PlatformEntrySchema, party: PartyEntrySchema });

export const ReconciliationSchema = Type.Object({
  party: Type.Object({
    systemId: Type.Optional(Type.String()),
    organizationCode: Type.Optional(Type.String()),
  }),
  role: Type.String(),
  from: Type.String({ format: 'date-time' }),
  to: Type.String({ format: 'date-time' }),
  form: Type.String({ description: 'transactionId | timeService' }),
  toleranceMs: Type.Integer(),
  counts: Type.Object({
    platform: Type.Integer(),
    party: Type.Integer(),
    matched: Type.Integer(),
    missingOnParty: Type.Integer(),
    missingOnPlatform: Type.Integer(),
    statusMismatch: Type.Integer(),
  }),
  matched: Type.Optional(Type.Array(PairSchema)),
  missingOnParty: Type.Array(PlatformEntrySchema),
  missingOnPlatform: Type.Array(PartyEntrySchema),
  statusMismatch: Type.Array(PairSchema),
});

/** Operator staff reconcile for any party, an agency user for its own organization; auditors change nothing. */
const reconcilers = requireRole('operator_admin', 'operator_reviewer', 'agency');

/**
 * Reconciliation: a party uploads its own list of transactions for a period and gets the platform's view
 * matched against it. It reads only: nothing is stored, neither the file nor the result.
 */
export async function reconciliationRoutes(
  app: FastifyInstance,
  { store, registry, config }: AdminDeps,
): Promise<void> {
  route<{ Body: ReconciliationBody; Querystring: ReconciliationQuery }>(
    app,
    'reconcileTransactions',
    {
      onRequest: reconcilers,
      // Up to 64 MiB of CSV, with room for its JSON escaping.
      bodyLimit: Math.max(config.admin.bodyLimitBytes, MAX_FILE_BYTES * 2),
      preHandler: async (request) => {
        const body = request.body;
        if ((body.systemId === undefined) === (body.organizationCode === undefined)) {
          throw new LgspError(
            'API_VALIDATION_FAILED',
            'cần đúng một trong systemId, organizationCode / exactly one of systemId, organizationCode',
          );
        }
        const user = currentUser(request);
        // Unknown ids answer the registry's own 404, for operators too, so a typo is not an empty result.
        const system = body.systemId !== undefined ? await registry.getSystem(body.systemId) : null;
        if (seesEverything(user)) return;
        const own = await registry.getOrganization(user.organizationId ?? '');
        const allowed = system ? system.organizationId === own.id : body.organizationCode === own.code;
        if (!allowed) {
          throw new LgspError(
            'API_FORBIDDEN',
            'chỉ đối soát cho cơ quan mình / only for your own organization',
          );
        }
      },
      schema: {
        tags: [TAGS.transactions],
        summary: 'Đối soát giao dịch / Reconcile transactions',
        description:
          'Bên đối soát (một hệ thống hoặc một cơ quan) gửi danh sách giao dịch của mình trong kỳ [from, to) ' +
          '(CSV theo mã giao dịch, hoặc theo thời gian + dịch vụ + trạng thái); kết quả: khớp, bên đối soát ' +
          'thiếu, LGSP không có, lệch trạng thái. Cơ quan chỉ đối soát cho mình. ?format=csv tải các chênh ' +
          'lệch. Xem docs/reconciliation.md. / A party uploads its own list for [from, to) and gets the match: ' +
          'matched, missingOnParty, missingOnPlatform, statusMismatch. An agency only for itself. ?format=csv ' +
          'downloads the differences (text/csv).',
        querystring: ReconciliationQuery,
        body: ReconciliationBody,
        response: {
          200: ReconciliationSchema,
          ...problemResponses(400, 401, 403, 404, 413, 415, 500),
        },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const party: Party =
        body.systemId !== undefined
          ? { systemId: body.systemId }
          : { organizationCode: body.organizationCode! };
      const result = await reconcile(store, {
        party,
        from: body.from,
        to: body.to,
        csv: body.csv,
        ...(body.role ? { role: body.role } : {}),
        ...(body.toleranceSeconds !== undefined
          ? { toleranceMs: Math.round(body.toleranceSeconds * 1000) }
          : {}),
      });
      if (request.query.format === 'csv') {
        const name = `doi-soat-${'systemId' in party ? party.systemId : party.organizationCode}-${result.from.slice(0, 10)}.csv`;
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="${name.replace(/[^A-Za-z0-9._-]/g, '_')}"`)
          .send(differencesCsv(result));
      }
      const { matched, ...rest } = result;
      return body.includeMatched ? result : rest;
    },
  );
}
