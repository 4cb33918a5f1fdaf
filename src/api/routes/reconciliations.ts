import type { FastifyInstance, FastifyRequest } from 'fastify';
import { LgspError } from '../../core/errors.ts';
import { MAX_FILE_BYTES } from '../../reports/party-file.ts';
import { type Party, reconciliationFile } from '../../reports/reconciliation.ts';
import { currentUser, requireRole, seesEverything } from '../auth.ts';
import { RECONCILIATION_QUERY_FIELDS } from '../contract/index.ts';
import type { AdminDeps } from '../deps.ts';
import { parseFormData } from '../form-data.ts';
import { reconciliationJson } from '../reconciliation-json.ts';
import { route, TAGS } from './common.ts';

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
  // The uploads' own body readers (CSV, multipart) are this route's alone: every other route still takes JSON only.
  await app.register(async (upload) => {
    acceptFileUploads(upload);
    reconciliationRoute(upload, { store, registry, config });
  });
}

function reconciliationRoute(
  app: FastifyInstance,
  { store, registry, config }: Pick<AdminDeps, 'store' | 'registry' | 'config'>,
): void {
  route(app, TAGS.transactions, 'reconcileTransactions', {
    onRequest: reconcilers,
    // Up to 64 MiB of CSV, with room for its JSON escaping.
    bodyLimit: Math.max(config.admin.bodyLimitBytes, MAX_FILE_BYTES * 2),
    preHandler: async (request) => {
      const body = request.body;
      if (!isCsvUpload(request)) {
        const repeated = RECONCILIATION_QUERY_FIELDS.filter((f) => f in (request.query as object));
        if (repeated.length > 0) {
          throw new LgspError(
            'API_VALIDATION_FAILED',
            `${repeated.join(', ')}: gửi trong nội dung, không trong query (chỉ text/csv dùng query) / send in the ` +
              'body, not the query (only a text/csv upload uses the query)',
          );
        }
      }
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
      // Another organization's system is not public (docs/security.md §2.10): it answers as an unknown id does.
      if (system && system.organizationId !== own.id) throw new LgspError('CP_SYSTEM_NOT_FOUND', system.id);
      // Organizations are public: another one's code is a plain refusal.
      if (!system && body.organizationCode !== own.code) {
        throw new LgspError(
          'API_FORBIDDEN',
          'chỉ đối soát cho cơ quan mình / only for your own organization',
        );
      }
    },
    handler: async (request, reply) => {
      const body = request.body;
      const party: Party =
        body.systemId !== undefined
          ? { systemId: body.systemId }
          : { organizationCode: body.organizationCode! };
      const csv = request.query.format === 'csv';
      // The file is read, matched and its answer written on a thread of its own (src/reports/reconciliation.ts):
      // what comes back is the answer's bytes, sent as they are.
      const bytes = await reconciliationFile(
        store,
        {
          party,
          from: body.from,
          to: body.to,
          csv: uploadedFiles.get(request) ?? body.csv,
          includeTokenRequests: request.query.includeTokenRequests ?? false,
          localOffsetMinutes: config.timezoneOffsetMinutes,
          ...(body.role ? { role: body.role } : {}),
          ...(body.toleranceSeconds !== undefined
            ? { toleranceMs: Math.round(body.toleranceSeconds * 1000) }
            : {}),
        },
        csv ? { as: 'csv' } : { as: 'json', includeMatched: body.includeMatched ?? false },
      );
      const answer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      if (csv) {
        const name = `doi-soat-${'systemId' in party ? party.systemId : party.organizationCode}-${new Date(Date.parse(body.from)).toISOString().slice(0, 10)}.csv`;
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="${name.replace(/[^A-Za-z0-9._-]/g, '_')}"`)
          .send(answer);
      }
      return reply.type('application/json; charset=utf-8').send(answer);
    },
  });
}

/**
 * The party's file as uploaded (`text/csv`, the `file` of a multipart form, or the JSON body's `csv`), kept as bytes for the
 * reconciliation's thread to decode: decoding 64 MB here took 0.1–0.3 s of the event loop. The body's `csv` — the
 * schema's one required field for the file — is then empty, and this is the file.
 */
const uploadedFiles = new WeakMap<FastifyRequest, Uint8Array>();

function isCsvUpload(request: FastifyRequest): boolean {
  return /^text\/csv\s*(;|$)/i.test(request.headers['content-type'] ?? '');
}

/**
 * Text fields (query parameters of a CSV upload, form fields of a multipart one) in the JSON body's types, so one
 * schema validates all three forms: a number and a boolean are read from their text; anything else stays text and
 * the schema says what is wrong with it.
 */
function typedField(name: string, text: string): unknown {
  if (name === 'toleranceSeconds' && /^\d+(\.\d+)?$/.test(text)) return Number(text);
  if (name === 'includeMatched' && (text === 'true' || text === 'false')) return text === 'true';
  return text;
}

/**
 * Besides the JSON body (the file in `csv`, parsed off the event loop when large), the party's file comes as it
 * is (issue 11): `Content-Type: text/csv`
 * with the other fields in the query string, or `multipart/form-data` with the file in the field `file` and the
 * other fields as form fields. Both become the JSON body's shape, so one schema and one handler serve the three.
 */
function acceptFileUploads(app: FastifyInstance): void {
  // The JSON body too: parsed on a thread of its own when large (src/api/reconciliation-json.ts), its file then
  // takes the uploads' path; the fields beside it reach the schema as they were sent.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, bytes, done) => {
    reconciliationJson(bytes as Buffer).then(
      ({ body, file }) => {
        if (file) uploadedFiles.set(request, file);
        done(null, body);
      },
      (err: Error) => done(err, undefined),
    );
  });
  app.addContentTypeParser('text/csv', { parseAs: 'buffer' }, (request, bytes, done) => {
    try {
      const fields: Record<string, unknown> = {};
      const query = request.query as Record<string, unknown>;
      for (const name of RECONCILIATION_QUERY_FIELDS) {
        if (typeof query[name] === 'string') fields[name] = typedField(name, query[name]);
      }
      uploadedFiles.set(request, bytes as Buffer);
      done(null, { ...fields, csv: '' });
    } catch (err) {
      done(err as Error, undefined);
    }
  });
  app.addContentTypeParser('multipart/form-data', { parseAs: 'buffer' }, (request, bytes, done) => {
    try {
      const body: Record<string, unknown> = {};
      for (const part of parseFormData(bytes as Buffer, request.headers['content-type'] ?? '')) {
        const name = part.name === 'file' ? 'csv' : part.name;
        if (part.name === 'csv' || name in body) {
          throw new LgspError(
            'API_VALIDATION_FAILED',
            `multipart/form-data: trường "${part.name}" lặp lại hoặc không dùng được / field repeated or not usable`,
          );
        }
        if (part.name === 'file') {
          uploadedFiles.set(request, part.data);
          body[name] = '';
        } else body[name] = typedField(name, part.data.toString('utf8'));
      }
      if (!('csv' in body)) {
        throw new LgspError(
          'API_VALIDATION_FAILED',
          'multipart/form-data: thiếu tệp "file" / no "file" field',
        );
      }
      done(null, body);
    } catch (err) {
      done(err as Error, undefined);
    }
  });
}
