import type { ServerResponse } from 'node:http';
import type { ServedCategory } from '../control/snapshot.ts';
import { EMPTY_SHA256, sha256Hex } from '../core/hashing.ts';
import type { TransactionRecord } from '../telemetry/record.ts';
import type { CompiledCategory } from './categories-table.ts';
import type { CompiledSnapshot } from './compiled-snapshot.ts';
import type { GatewayContext } from './context.ts';
import { endAfterRecord, finish, refuse } from './exchange.ts';
import { type Refusal, refusal } from './policy.ts';

/**
 * The built-in shared-category service `/dmdc/1.0` (issue 12 item 7), answered inside the gateway from the
 * configuration snapshot — never forwarded: the lists live in this platform's store, and the egress policy rightly
 * refuses the platform's own ports as an upstream. The call has passed every policy step a forwarded call passes
 * (token, subscription, time of use, quota: `proxy.ts`) and is recorded like one, its answer's size and SHA-256
 * included. The shape follows NGSP's DMDC API as its clients use it (docs/categories.md): PascalCase fields, paging
 * by `page` (from 1) and `pageSize`.
 */

const PAGE_SIZE_DEFAULT = 100;
const PAGE_SIZE_MAX = 1000;

/** `page`/`pageSize`, also as `pageIndex`, `PageIndex`, `PageSize` (names seen in provincial clients). */
function paging(params: URLSearchParams): { page: number; pageSize: number } | null {
  const pick = (...names: string[]) => {
    for (const [k, v] of params) if (names.includes(k.toLowerCase())) return v;
    return undefined;
  };
  const pageText = pick('page', 'pageindex');
  const sizeText = pick('pagesize');
  const page = pageText === undefined ? 1 : /^\d{1,7}$/.test(pageText) ? Number(pageText) : Number.NaN;
  const pageSize =
    sizeText === undefined ? PAGE_SIZE_DEFAULT : /^\d{1,4}$/.test(sizeText) ? Number(sizeText) : Number.NaN;
  if (!(page >= 1) || !(pageSize >= 1 && pageSize <= PAGE_SIZE_MAX)) return null;
  return { page, pageSize };
}

function summary(s: ServedCategory) {
  return {
    CategoryCode: s.code,
    CategoryName: s.nameVi,
    CategoryNameEn: s.nameEn,
    Description: s.description,
    Source: s.source,
    Version: s.version,
    EffectiveDate: new Date(s.effectiveAtMs).toISOString(),
    TotalRecord: s.items.length,
  };
}

/** A call to `/dmdc/1.0/…`, past every policy step: its answer from the snapshot, recorded once. */
export function categoriesEndpoint(
  ctx: GatewayContext,
  res: ServerResponse,
  rec: TransactionRecord,
  snapshot: CompiledSnapshot,
  resourcePath: string,
  query: string,
): void {
  const answer = categoryAnswer(snapshot.categories, resourcePath, query);
  if (answer.ok) reply(ctx, res, rec, answer.value);
  else refuse(ctx, res, rec, answer);
}

/**
 * What `/dmdc/1.0{resourcePath}{query}` answers (a pure decision, tested in tables): the lists, one list's
 * metadata, or a page of its items (or the one item whose key is `?code=`); else the refusal.
 */
export function categoryAnswer(
  categories: Map<string, CompiledCategory>,
  resourcePath: string,
  query: string,
): { ok: true; value: unknown } | Refusal {
  const params = new URLSearchParams(query.startsWith('?') ? query.slice(1) : query);
  const page = paging(params);
  if (page === null) return refusal('GW_CATEGORY_QUERY_INVALID');
  const [, resource, rawCode] = resourcePath.split('/');
  const start = (page.page - 1) * page.pageSize;
  if (resource === 'AllCategory') {
    const all = [...categories.values()].map((c) => summary(c.served));
    return {
      ok: true,
      value: {
        TotalRecord: all.length,
        Page: page.page,
        PageSize: page.pageSize,
        Data: all.slice(start, start + page.pageSize),
      },
    };
  }
  let code: string;
  try {
    code = decodeURIComponent(rawCode ?? '');
  } catch {
    return refusal('GW_CATEGORY_NOT_FOUND', rawCode);
  }
  const category = categories.get(code);
  if (category === undefined) return refusal('GW_CATEGORY_NOT_FOUND', code);
  const s = category.served;
  if (resource === 'Metadata') {
    return {
      ok: true,
      value: {
        ...summary(s),
        KeyField: s.fields[0]?.name ?? null,
        Fields: s.fields.map((f, i) => ({
          FieldName: f.name,
          DataType: f.type,
          Description: f.description,
          IsKey: i === 0,
        })),
      },
    };
  }
  let items = s.items;
  const wanted = params.get('code') ?? params.get('Code');
  if (wanted !== null) {
    const at = category.byKey.get(wanted);
    items = at === undefined ? [] : [s.items[at]!];
  }
  return {
    ok: true,
    value: {
      CategoryCode: s.code,
      Version: s.version,
      TotalRecord: items.length,
      Page: page.page,
      PageSize: page.pageSize,
      Data: items.slice(start, start + page.pageSize),
    },
  };
}

/** A 200 JSON answer of the built-in service, recorded with its size and SHA-256 as a forwarded one is. */
function reply(ctx: GatewayContext, res: ServerResponse, rec: TransactionRecord, value: unknown): void {
  const body = JSON.stringify(value);
  const now = ctx.clock.nowMs();
  rec.requestOutAt = now;
  rec.responseInAt = now;
  rec.providerStatus = 200;
  rec.requestBytes = 0;
  rec.requestSha256 = EMPTY_SHA256;
  rec.responseBytes = Buffer.byteLength(body);
  rec.responseSha256 = sha256Hex(body);
  res.writeHead(200, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': rec.responseBytes,
    'x-lgsp-transaction-id': rec.id,
  });
  endAfterRecord(res, finish(ctx, rec, 200, null), body);
}
