import { DEFAULT_TOLERANCE_MS, MAX_TOLERANCE_MS } from '../api/contract/reconciliations.ts';
import { LgspError } from '../core/errors.ts';
import { runOffThread } from '../core/off-thread.ts';
import { isoOf } from '../core/time.ts';
import type { Store } from '../store/port.ts';
import type { TransactionKind, TransactionLeg } from '../store/schema.ts';
import { csvFile } from './csv.ts';
import { type FileForm, type PartyEntry, parsePartyFile, partyFileText } from './party-file.ts';

/**
 * Reconciliation: a party — one connected system, or every system of one organization — uploads its own
 * list of transactions for a period and gets the platform's view matched against it: matched, missing on its
 * side, missing on ours, status mismatch. docs/reconciliation.md describes the two file forms and the result.
 *
 * Which records are the party's. Every record is one HTTP exchange; async messages have one record per leg,
 * linked by `message_id`, and every leg names the source system as consumer and the destination as provider
 * (src/messaging/delivery.ts). A party is counted on the side of the exchange it took part in:
 *  - `sync`: the consumer (it called LGSP) and the provider (LGSP called it — only when the call was forwarded,
 *    `request_out_at` set: a call refused at the gateway never reached the provider);
 *  - `intake` (source → LGSP): the consumer side only;
 *  - `delivery` (LGSP → destination: each push, each pull) and `ack` (the destination acknowledges a pull): the
 *    provider side only.
 * A record where the party is on both sides (a system calling its own service) counts once, on the consumer side.
 *
 * The status compared is the HTTP status the party itself saw on that exchange: as the caller, the status LGSP
 * answered it (`consumer_status`: consumer side, pulled deliveries, acks); as the called, the status it answered
 * LGSP (`provider_status`: provider side of sync calls and pushed deliveries; empty when no answer came). The time
 * is the one the party saw: when LGSP received the request, or — when LGSP called the party — when LGSP sent it.
 *
 * Token requests (`POST /token`, kind `token_request`) are the consumer's too, but no call to a service: a party
 * lists its service calls, so they are left out unless `includeTokenRequests` (issue 11 item 6). Included, they
 * are consumer-side entries of no service: matched by transaction id (the time + service form names a service).
 */

export type PartySide = 'consumer' | 'provider';
export type PartyRole = PartySide | 'any';

export type Party = { systemId: string } | { organizationCode: string };

export interface ReconcileInput {
  party: Party;
  /** Default `any`: both sides. */
  role?: PartyRole;
  /** ISO times on the time the request came in: inclusive `from`, exclusive `to`. */
  from: string;
  to: string;
  /**
   * The party's file, CSV (see `parsePartyFile`): its text, or its bytes as uploaded (UTF-8, read on the
   * reconciliation's thread; the bytes are moved there, not copied, and are unusable here afterwards).
   */
  csv: string | Uint8Array;
  /** For the time + service form: how far apart the party's time and the platform's may be. Default 2000 ms. */
  toleranceMs?: number;
  /** Reconcile the party's `/token` requests too; default false (service calls only). */
  includeTokenRequests?: boolean;
  /**
   * The platform's local time, minutes east of UTC (`timezoneOffsetMinutes`): the file's `dd/mm/yyyy HH:mm:ss`
   * times are read in it. Without it, every time in the file must carry its zone.
   */
  localOffsetMinutes?: number;
}

/** One record of the platform's view of the party. */
export interface PlatformEntry {
  id: string;
  messageId: string | null;
  leg: TransactionLeg;
  kind: TransactionKind;
  side: PartySide;
  /** ISO time as the party saw it (see above). */
  time: string;
  /** `context/version`. */
  service: string | null;
  status: number | null;
}

export interface Pair {
  platform: PlatformEntry;
  party: PartyEntry;
}

export interface Reconciliation {
  party: Party;
  role: PartyRole;
  from: string;
  to: string;
  form: FileForm;
  toleranceMs: number;
  includeTokenRequests: boolean;
  counts: {
    platform: number;
    party: number;
    matched: number;
    missingOnParty: number;
    missingOnPlatform: number;
    statusMismatch: number;
  };
  matched: Pair[];
  /** The platform has it, the party's file does not. */
  missingOnParty: PlatformEntry[];
  /** The party's file has it, the platform does not. */
  missingOnPlatform: PartyEntry[];
  /** Both have it, with a different status. */
  statusMismatch: Pair[];
}

/** Bound on the platform's side: a period holding more of the party's records must be split. */
export const MAX_PLATFORM_RECORDS = 2_000_000;
const PAGE = 10_000;

// ── The platform's view ───────────────────────────────────────────────────────────────────────────────────

interface ViewRow {
  id: string;
  leg: TransactionLeg;
  kind: TransactionKind;
  message_id: string | null;
  consumer_system_id: string | null;
  consumer_org_code: string | null;
  provider_system_id: string | null;
  provider_org_code: string | null;
  service_context: string | null;
  version: string | null;
  method: string;
  consumer_status: number;
  provider_status: number | null;
  request_in_at: Date | string;
  request_out_at: Date | string | null;
}

/** The record as the party saw it, or null when the party took no part in it (see the module comment). */
function asSeenBy(r: ViewRow, party: Party, role: PartyRole): PlatformEntry | null {
  const isConsumer =
    'systemId' in party
      ? r.consumer_system_id === party.systemId
      : r.consumer_org_code === party.organizationCode;
  const isProvider =
    'systemId' in party
      ? r.provider_system_id === party.systemId
      : r.provider_org_code === party.organizationCode;
  const asConsumer = isConsumer && role !== 'provider' && (r.leg === 'sync' || r.leg === 'intake');
  const asProvider =
    isProvider &&
    role !== 'consumer' &&
    (r.leg === 'delivery' || r.leg === 'ack' || (r.leg === 'sync' && r.request_out_at !== null));
  if (!asConsumer && !asProvider) return null;
  const service = r.service_context ? `${r.service_context}/${r.version ?? ''}` : null;
  const base = { id: r.id, messageId: r.message_id, leg: r.leg, kind: r.kind, service };
  if (asConsumer) {
    return { ...base, side: 'consumer', time: isoOf(r.request_in_at), status: r.consumer_status };
  }
  // The provider as the caller: it pulled a message (GET /_lgsp/inbox) or acknowledged one.
  const providerCalled = r.leg === 'ack' || (r.leg === 'delivery' && r.method === 'GET');
  return providerCalled
    ? { ...base, side: 'provider', time: isoOf(r.request_in_at), status: r.consumer_status }
    : {
        ...base,
        side: 'provider',
        time: isoOf(r.request_out_at ?? r.request_in_at),
        status: r.provider_status,
      };
}

/** Where the next page of the platform's view starts: after this (request_in_at, id). */
export type ViewCursor = [Date, string];

/** One page of the platform's view of the party, and where the next starts (null: this was the last). */
export interface ViewPage {
  entries: PlatformEntry[];
  next: ViewCursor | null;
}

/** The platform's side of a reconciliation: the party, the side it is reconciled on, the period. */
export interface ViewScope {
  party: Party;
  role: PartyRole;
  /** ISO times, inclusive `from`, exclusive `to`. */
  from: string;
  to: string;
  includeTokenRequests: boolean;
}

/**
 * One page of the platform's records of the party in [from, to), oldest first, in keyset order on
 * (request_in_at, id) — a plain query on `transactions`, whatever its partitioning.
 */
export async function platformViewPage(
  store: Store,
  { party, role, from, to, includeTokenRequests }: ViewScope,
  after: ViewCursor | null,
): Promise<ViewPage> {
  let q = store.db
    .selectFrom('transactions')
    .select([
      'id',
      'leg',
      'kind',
      'message_id',
      'consumer_system_id',
      'consumer_org_code',
      'provider_system_id',
      'provider_org_code',
      'service_context',
      'version',
      'method',
      'consumer_status',
      'provider_status',
      'request_in_at',
      'request_out_at',
    ])
    .where('request_in_at', '>=', new Date(from))
    .where('request_in_at', '<', new Date(to))
    // Requests to /_lgsp/… (kind platform_call, migration 0040) were service calls here before: they stay in.
    .$if(!includeTokenRequests, (qb) => qb.where('kind', '<>', 'token_request'));
  q =
    'systemId' in party
      ? q.where((eb) =>
          eb.or([
            ...(role !== 'provider' ? [eb('consumer_system_id', '=', party.systemId)] : []),
            ...(role !== 'consumer' ? [eb('provider_system_id', '=', party.systemId)] : []),
          ]),
        )
      : q.where((eb) =>
          eb.or([
            ...(role !== 'provider' ? [eb('consumer_org_code', '=', party.organizationCode)] : []),
            ...(role !== 'consumer' ? [eb('provider_org_code', '=', party.organizationCode)] : []),
          ]),
        );
  if (after) {
    const [at, id] = after;
    q = q.where((eb) =>
      eb.or([eb('request_in_at', '>', at), eb.and([eb('request_in_at', '=', at), eb('id', '>', id)])]),
    );
  }
  const rows = (await q.orderBy('request_in_at').orderBy('id').limit(PAGE).execute()) as ViewRow[];
  const entries: PlatformEntry[] = [];
  for (const r of rows) {
    const entry = asSeenBy(r, party, role);
    if (entry) entries.push(entry);
  }
  const last = rows[rows.length - 1];
  return { entries, next: rows.length < PAGE || !last ? null : [new Date(last.request_in_at), last.id] };
}

/** The whole view, page after page, bounded by MAX_PLATFORM_RECORDS; `nextPage` reads one page. */
async function wholeView(
  nextPage: (after: ViewCursor | null) => Promise<ViewPage>,
): Promise<PlatformEntry[]> {
  const out: PlatformEntry[] = [];
  for (let after: ViewCursor | null = null; ; ) {
    const page: ViewPage = await nextPage(after);
    for (const e of page.entries) out.push(e);
    if (out.length > MAX_PLATFORM_RECORDS) {
      throw new LgspError(
        'RP_RECONCILIATION_PERIOD_INVALID',
        `> ${MAX_PLATFORM_RECORDS} giao dịch trong kỳ, hãy chia nhỏ kỳ / records in the period: split it`,
      );
    }
    if (page.next === null) return out;
    after = page.next;
  }
}

/** The platform's records of the party in [from, to), oldest first (see `platformViewPage`). */
export function platformView(
  store: Store,
  party: Party,
  role: PartyRole,
  from: string,
  to: string,
  includeTokenRequests = false,
): Promise<PlatformEntry[]> {
  const scope = { party, role, from, to, includeTokenRequests };
  return wholeView((after) => platformViewPage(store, scope, after));
}

// ── Matching ──────────────────────────────────────────────────────────────────────────────────────────────

const statusDiffers = (platform: PlatformEntry, party: PartyEntry) =>
  party.status !== null && party.status !== platform.status;

function matchById(platform: PlatformEntry[], party: PartyEntry[]): Map<PartyEntry, PlatformEntry> {
  const byId = new Map(platform.map((p) => [p.id, p]));
  const pairs = new Map<PartyEntry, PlatformEntry>();
  for (const e of party) {
    const p = byId.get(e.transactionId!);
    if (p) pairs.set(e, p);
  }
  return pairs;
}

/** How many nearest candidates each party line gets in the first pass of the time matching. */
const CANDIDATES_PER_LINE = 4;

/**
 * Time + service matching, one-to-one, nearest first. Per service, both sides sorted by time. Pass 1: for every
 * party line, its (up to 4) nearest platform records of that service within ±tolerance become candidate pairs;
 * all candidates are sorted by time distance (ties: same status first, then line number, then the earlier record) and
 * taken greedily, skipping a pair whose line or record is already taken — so the closest pairs anywhere are
 * made first, and an exact match is never displaced by a near one. Pass 2: a line left without a partner (all its
 * first candidates were taken, a burst of calls in the same seconds) takes, in line order, the nearest record
 * still free within the tolerance. Everything is deterministic: the same files give the same result.
 */
export function matchByTime(
  platform: PlatformEntry[],
  party: PartyEntry[],
  toleranceMs: number,
): Map<PartyEntry, PlatformEntry> {
  const pairs = new Map<PartyEntry, PlatformEntry>();
  const byService = new Map<string, { platform: PlatformEntry[]; party: PartyEntry[] }>();
  const group = (service: string) => {
    let g = byService.get(service);
    if (!g) {
      g = { platform: [], party: [] };
      byService.set(service, g);
    }
    return g;
  };
  for (const p of platform) if (p.service) group(p.service).platform.push(p);
  for (const e of party) group(e.service!).party.push(e);

  for (const g of byService.values()) {
    if (g.platform.length === 0 || g.party.length === 0) continue;
    const ps = g.platform
      .map((p) => ({ p, ms: Date.parse(p.time) }))
      .sort((a, b) => a.ms - b.ms || (a.p.id < b.p.id ? -1 : 1));
    const times = ps.map((x) => x.ms);
    const lowerBound = (ms: number) => {
      let lo = 0;
      let hi = times.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (times[mid]! < ms) lo = mid + 1;
        else hi = mid;
      }
      return lo;
    };
    /** Indices of records within the tolerance of `ms`, nearest first, at most `limit` (0: all). */
    const nearest = (ms: number, limit: number, free?: (i: number) => boolean) => {
      const out: number[] = [];
      let right = lowerBound(ms);
      let left = right - 1;
      while (limit === 0 || out.length < limit) {
        const dl = left >= 0 ? ms - times[left]! : Number.POSITIVE_INFINITY;
        const dr = right < times.length ? times[right]! - ms : Number.POSITIVE_INFINITY;
        const d = Math.min(dl, dr);
        if (d > toleranceMs) break;
        const i = dl <= dr ? left-- : right++;
        if (!free || free(i)) {
          out.push(i);
          if (free) break;
        }
      }
      return out;
    };
    // Candidates in typed arrays: up to 4 per line, so a million-line file stays within memory.
    const cap = g.party.length * CANDIDATES_PER_LINE;
    const candParty = new Int32Array(cap);
    const candRecord = new Int32Array(cap);
    const candDistance = new Float64Array(cap);
    const candDiffers = new Uint8Array(cap);
    let n = 0;
    g.party.forEach((e, j) => {
      const ms = Date.parse(e.time!);
      for (const i of nearest(ms, CANDIDATES_PER_LINE)) {
        candParty[n] = j;
        candRecord[n] = i;
        candDistance[n] = Math.abs(times[i]! - ms);
        candDiffers[n] = statusDiffers(ps[i]!.p, e) ? 1 : 0;
        n++;
      }
    });
    const order = Int32Array.from({ length: n }, (_, x) => x).sort(
      (a, b) =>
        candDistance[a]! - candDistance[b]! ||
        candDiffers[a]! - candDiffers[b]! ||
        g.party[candParty[a]!]!.line - g.party[candParty[b]!]!.line ||
        candRecord[a]! - candRecord[b]!,
    );
    const taken = new Uint8Array(ps.length);
    for (const c of order) {
      const e = g.party[candParty[c]!]!;
      const i = candRecord[c]!;
      if (pairs.has(e) || taken[i]) continue;
      pairs.set(e, ps[i]!.p);
      taken[i] = 1;
    }
    for (const e of [...g.party].sort((a, b) => a.line - b.line)) {
      if (pairs.has(e)) continue;
      const [i] = nearest(Date.parse(e.time!), 0, (j) => taken[j] === 0);
      if (i === undefined) continue;
      pairs.set(e, ps[i]!.p);
      taken[i] = 1;
    }
  }
  return pairs;
}

function checkPeriod(from: string, to: string): { fromMs: number; toMs: number } {
  const fromMs = Date.parse(from);
  const toMs = Date.parse(to);
  if (Number.isNaN(fromMs) || Number.isNaN(toMs) || fromMs >= toMs) {
    throw new LgspError(
      'RP_RECONCILIATION_PERIOD_INVALID',
      'cần from < to, thời gian ISO-8601 / from must be before to, ISO-8601 times',
    );
  }
  return { fromMs, toMs };
}

/** How the reconciliation's thread answers: the result itself, or the bytes the API sends (JSON or CSV). */
export type ReconciliationAnswer = { as: 'result' } | { as: 'json'; includeMatched: boolean } | { as: 'csv' };

/** What the reconciliation's thread is given (see `reconcileOnThread`). */
export interface ReconciliationTask {
  scope: ViewScope;
  csv: string | Uint8Array;
  toleranceMs: number;
  period: { fromMs: number; toMs: number; toleranceMs: number };
  localOffsetMinutes?: number;
  answer: ReconciliationAnswer;
}

/**
 * The most heap a reconciliation's thread may take: a 60 MB file of a million lines read, matched and its answer
 * written took ≈ 1.1 GB (measured), two million platform records add ≈ 0.5 GB, the matching's arrays some more.
 */
const RECONCILE_HEAP_MB = 3072;
/** The longest a reconciliation may take, the platform's pages read included. */
const RECONCILE_TIME_MS = 180_000;
/**
 * Reconciliations running at once on this node: each may take RECONCILE_HEAP_MB, so without a bound a few parties
 * uploading large files together (or one user sending the same upload twenty times) could take the whole machine's
 * memory, and the gateway with it. Past the bound a reconciliation is refused with Retry-After, never queued: the
 * upload is already in memory, and waiting requests would hold it.
 */
const RECONCILIATIONS_AT_ONCE = 2;
let reconciliationsRunning = 0;

/**
 * The reconciliation itself, on a thread of its own (`reconcile`): the file is read first — a malformed one is
 * refused before the platform's records are read — then the platform's view, a page at a time from the calling
 * thread (`ask`: it alone has the store), then the matching and the answer. Reading 64 MB of CSV and matching a
 * million lines is seconds of one thread: here, not on the event loop that also serves the gateway.
 */
export async function reconcileOnThread(
  task: ReconciliationTask,
  ask: (after: ViewCursor | null) => Promise<ViewPage>,
): Promise<Reconciliation | Uint8Array> {
  const text = typeof task.csv === 'string' ? task.csv : partyFileText(task.csv);
  const file = parsePartyFile(text, task.period, task.localOffsetMinutes);
  const platform = await wholeView(ask);
  const result = compare(task.scope, task.toleranceMs, file, platform);
  const answer = task.answer;
  if (answer.as === 'result') return result;
  if (answer.as === 'csv') return new TextEncoder().encode(differencesCsv(result));
  const { matched, ...rest } = result;
  return new TextEncoder().encode(JSON.stringify(answer.includeMatched ? result : rest));
}

/** The party's file matched against the platform's records of the party. */
function compare(
  { party, role, from, to, includeTokenRequests }: ViewScope,
  toleranceMs: number,
  file: { form: FileForm; entries: PartyEntry[] },
  platform: PlatformEntry[],
): Reconciliation {
  const pairs =
    file.form === 'transactionId'
      ? matchById(platform, file.entries)
      : matchByTime(platform, file.entries, toleranceMs);
  const matched: Pair[] = [];
  const statusMismatch: Pair[] = [];
  const missingOnPlatform: PartyEntry[] = [];
  const paired = new Set<PlatformEntry>();
  for (const e of file.entries) {
    const p = pairs.get(e);
    if (!p) {
      missingOnPlatform.push(e);
      continue;
    }
    paired.add(p);
    (statusDiffers(p, e) ? statusMismatch : matched).push({ platform: p, party: e });
  }
  const missingOnParty = platform.filter((p) => !paired.has(p));
  return {
    party,
    role,
    from,
    to,
    form: file.form,
    toleranceMs,
    includeTokenRequests,
    counts: {
      platform: platform.length,
      party: file.entries.length,
      matched: matched.length,
      missingOnParty: missingOnParty.length,
      missingOnPlatform: missingOnPlatform.length,
      statusMismatch: statusMismatch.length,
    },
    matched,
    missingOnParty,
    missingOnPlatform,
    statusMismatch,
  };
}

/**
 * Runs a reconciliation on its thread (`reconcileOnThread`), answering its questions for the platform's pages
 * from `store`. The period and tolerance are checked here first: a wrong one costs no thread.
 */
async function runReconciliation<T>(
  store: Store,
  input: ReconcileInput,
  answer: ReconciliationAnswer,
): Promise<T> {
  const role = input.role ?? 'any';
  const toleranceMs = input.toleranceMs ?? DEFAULT_TOLERANCE_MS;
  if (!Number.isInteger(toleranceMs) || toleranceMs < 0 || toleranceMs > MAX_TOLERANCE_MS) {
    throw new LgspError(
      'RP_RECONCILIATION_PERIOD_INVALID',
      `độ lệch cho phép / tolerance 0…${MAX_TOLERANCE_MS} ms`,
    );
  }
  const { fromMs, toMs } = checkPeriod(input.from, input.to);
  const scope: ViewScope = {
    party: input.party,
    role,
    from: new Date(fromMs).toISOString(),
    to: new Date(toMs).toISOString(),
    includeTokenRequests: input.includeTokenRequests ?? false,
  };
  const csv = input.csv;
  // The uploaded bytes move to the thread; a view into a larger buffer (a multipart body) is copied out first.
  const bytes =
    typeof csv === 'string' || (csv.byteOffset === 0 && csv.byteLength === csv.buffer.byteLength)
      ? csv
      : new Uint8Array(csv);
  const task: ReconciliationTask = {
    scope,
    csv: bytes,
    toleranceMs,
    period: { fromMs, toMs, toleranceMs },
    ...(input.localOffsetMinutes !== undefined ? { localOffsetMinutes: input.localOffsetMinutes } : {}),
    answer,
  };
  if (reconciliationsRunning >= RECONCILIATIONS_AT_ONCE) {
    throw new LgspError(
      'RP_RECONCILIATION_BUSY',
      `đang chạy ${RECONCILIATIONS_AT_ONCE} phiên đối soát, hãy thử lại sau ít phút / ${RECONCILIATIONS_AT_ONCE} reconciliations are running: try again in a few minutes`,
      { retryAfterSeconds: 60 },
    );
  }
  reconciliationsRunning++;
  return runOffThread<T, ViewCursor | null, ViewPage>(
    { module: new URL('./reconciliation.ts', import.meta.url), name: 'reconcileOnThread' },
    task,
    {
      heapMb: RECONCILE_HEAP_MB,
      timeMs: RECONCILE_TIME_MS,
      tooLarge: ({ vi, en }) =>
        new LgspError(
          'RP_RECONCILIATION_FILE_TOO_LARGE',
          `đối soát ${vi}, hãy chia nhỏ kỳ / the reconciliation ${en}: split the period`,
        ),
      unreadable: () =>
        new LgspError('RP_RECONCILIATION_FILE_INVALID', 'không đọc được tệp / the file could not be read'),
    },
    {
      transfer: typeof bytes === 'string' ? [] : [bytes.buffer as ArrayBuffer],
      answer: (after) => platformViewPage(store, scope, after),
    },
  ).finally(() => {
    reconciliationsRunning--;
  });
}

/** Matches the party's file against the platform's records of that party in [from, to). Reads only. */
export function reconcile(store: Store, input: ReconcileInput): Promise<Reconciliation> {
  return runReconciliation<Reconciliation>(store, input, { as: 'result' });
}

/**
 * The reconciliation as the API answers it, made on the reconciliation's thread: its JSON (without the matched
 * pairs unless `includeMatched`) or the CSV of its differences — a million differences are some 100 MB of JSON,
 * whose writing would hold the event loop too. The bytes come back moved, not copied.
 */
export function reconciliationFile(
  store: Store,
  input: ReconcileInput,
  format: { as: 'json'; includeMatched: boolean } | { as: 'csv' },
): Promise<Uint8Array> {
  return runReconciliation<Uint8Array>(store, input, format);
}

// ── Export ────────────────────────────────────────────────────────────────────────────────────────────────

export const DIFFERENCE_HEADINGS = [
  'Loại chênh lệch / Difference',
  'Mã giao dịch LGSP / Platform transaction id',
  'Mã thông điệp / Message id',
  'Chặng / Leg',
  'Phía / Side',
  'Thời điểm LGSP / Platform time',
  'Dịch vụ / Service',
  'Trạng thái LGSP / Platform status',
  'Dòng trong tệp / File line',
  'Mã giao dịch trong tệp / File transaction id',
  'Thời điểm trong tệp / File time',
  'Dịch vụ trong tệp / File service',
  'Trạng thái trong tệp / File status',
];

export const DIFFERENCE_KINDS = {
  missingOnParty: 'Bên đối soát thiếu / missingOnParty',
  missingOnPlatform: 'LGSP không có / missingOnPlatform',
  statusMismatch: 'Lệch trạng thái / statusMismatch',
} as const;

/** The differences as CSV (UTF-8 with BOM, so spreadsheet programs read the Vietnamese), one line each. */
export function differencesCsv(
  r: Pick<Reconciliation, 'missingOnParty' | 'missingOnPlatform' | 'statusMismatch'>,
) {
  const row = (kind: keyof typeof DIFFERENCE_KINDS, p: PlatformEntry | null, e: PartyEntry | null) => [
    DIFFERENCE_KINDS[kind],
    p?.id,
    p?.messageId,
    p?.leg,
    p?.side,
    p?.time,
    p?.service,
    p?.status,
    e?.line,
    e?.transactionId,
    e?.time,
    e?.service,
    e?.status,
  ];
  return csvFile([
    DIFFERENCE_HEADINGS,
    ...r.missingOnParty.map((p) => row('missingOnParty', p, null)),
    ...r.missingOnPlatform.map((e) => row('missingOnPlatform', null, e)),
    ...r.statusMismatch.map((m) => row('statusMismatch', m.platform, m.party)),
  ]);
}
