import { createPrivateKey, randomUUID } from 'node:crypto';
import type { Agent } from 'undici';
import type { CategorySyncBody, CategorySyncResult } from '../api/contract/index.ts';
import type { Categories, PeerCategoryAnswer } from '../control/categories/index.ts';
import { readSigningKeys } from '../control/signing-keys.ts';
import type { Clock } from '../core/clock.ts';
import { LgspError } from '../core/errors.ts';
import type { KeyEncryptionKey } from '../keys/index.ts';
import { withinDeadline } from '../net/deadlines.ts';
import type { EgressPolicy } from '../net/egress.ts';
import { readAtMost, tooLargeReason } from '../net/read-limit.ts';
import type { Store } from '../store/port.ts';
import { PeerClients } from './peer-clients.ts';
import { loadFederationSnapshot, type PeerData } from './snapshot.ts';
import { contentDigest, HEADER, signHop } from './wire.ts';

/**
 * Shared category lists synchronized from a peer (issue 12 item 7, docs/categories.md): the operator pulls the lists
 * NDXP/NGSP or another OpenLGSP serves in the DMDC shape (`AllCategory`, `Metadata/{code}`, `Category/{code}` with
 * paging) through federation — our own token at that peer, an RFC 9421 signature as the first hop with our platform
 * as the represented party, every connection under the egress policy — reads and checks everything, then writes each
 * list as a new local version in one change (`Categories.importFromPeers`). The code mappings stay as they are.
 *
 * A hostile or broken peer costs a bounded read: each answer at most `ANSWER_MAX_BYTES`, whole within `timeoutMs`
 * (the gateway's answer limit, R-03), at most `PAGES_MAX` pages
 * of a list and `ITEMS_MAX` items (the file import's row limit), and any answer not in the DMDC shape stops the sync
 * with 502 CP_CATEGORY_SYNC_FAILED before anything is written.
 */
const PAGE_SIZE = 1000;
const PAGES_MAX = 60;
const ITEMS_MAX = 50_000;
/**
 * One answer (a page of `PAGE_SIZE` items, or a list's metadata), counted as it is read. The largest list the file
 * import takes is 5 MiB (`CATEGORY_FILE_MAX_BYTES`), and all of it may be on one page; as JSON each item repeats its
 * field names and a peer may escape every Vietnamese letter as `\uXXXX` (6 bytes for 2–3): about three times the
 * file, so 16 MiB holds such a page with margin, and past it the answer is no list we would take.
 */
const ANSWER_MAX_BYTES = 16 * 1024 * 1024;

export interface CategorySyncDeps {
  store: Store;
  kek: KeyEncryptionKey;
  egress: EgressPolicy;
  clock: Clock;
  categories: Categories;
  /** Our federation code: our signature label and our organization code at the peer. */
  federationCode: string;
  timeoutMs: number;
}

const failed = (detail: string) => new LgspError('CP_CATEGORY_SYNC_FAILED', detail.slice(0, 300));

export async function syncCategoriesFromPeer(
  deps: CategorySyncDeps,
  input: CategorySyncBody,
  actor: string,
): Promise<CategorySyncResult> {
  const { peer, signing } = await deps.store.db.transaction().execute(async (trx) => {
    const federation = await loadFederationSnapshot(trx, deps.kek);
    return {
      peer: federation.peers.find((p) => p.id === input.peerId),
      signing: (await readSigningKeys(trx, deps.kek)).signing,
    };
  });
  // Suspended peers are not in the federation data: they are neither called nor call us.
  if (!peer) throw new LgspError('CP_PEER_NOT_FOUND', input.peerId);
  const clients = new PeerClients(deps.egress, deps.clock, deps.timeoutMs);
  const signer = {
    label: deps.federationCode,
    keyId: signing.kid,
    privateKey: createPrivateKey({ key: signing.privateJwk as never, format: 'jwk' }),
  };
  const base = `/${input.context ?? 'dmdc'}/${input.version ?? '1.0'}`;
  try {
    let token: string;
    try {
      token = await clients.tokenFor(peer);
    } catch (err) {
      throw failed(`token: ${(err as Error).message}`);
    }
    const get = (resource: string) =>
      signedGet(deps, clients.agentFor(peer), peer, signer, token, `${base}${resource}`);

    const available: Array<{ CategoryCode: string }> = [];
    for (let page = 1; ; page++) {
      const answer = await get(`/AllCategory?page=${page}&pageSize=${PAGE_SIZE}`);
      const data = pageData(answer, 'AllCategory');
      for (const entry of data) {
        if (typeof entry?.['CategoryCode'] !== 'string') throw failed('AllCategory: CategoryCode');
        available.push({ CategoryCode: entry['CategoryCode'] });
      }
      if (data.length < PAGE_SIZE || available.length >= total(answer) || page >= PAGES_MAX) break;
    }
    const known = new Set(available.map((c) => c.CategoryCode));
    const codes = input.codes ?? [...known];
    const missing = codes.filter((c) => !known.has(c));
    if (missing.length > 0)
      throw new LgspError('CP_CATEGORY_NOT_FOUND', `${peer.code}: ${missing.join(', ').slice(0, 200)}`);

    const answers: PeerCategoryAnswer[] = [];
    for (const code of codes) {
      const name = encodeURIComponent(code);
      const metadata = (await get(`/Metadata/${name}`)) as Record<string, unknown>;
      const fields = metadata['Fields'];
      if (
        metadata['CategoryCode'] !== code ||
        !Array.isArray(fields) ||
        fields.length === 0 ||
        !fields.every((f) => typeof f?.FieldName === 'string' && typeof f?.DataType === 'string')
      )
        throw failed(`Metadata/${code}: CategoryCode, Fields`);
      const items: Array<Record<string, unknown>> = [];
      for (let page = 1; ; page++) {
        const answer = await get(`/Category/${name}?page=${page}&pageSize=${PAGE_SIZE}`);
        const data = pageData(answer, `Category/${code}`);
        items.push(...data);
        if (items.length > ITEMS_MAX) throw failed(`Category/${code}: > ${ITEMS_MAX}`);
        if (data.length < PAGE_SIZE || items.length >= total(answer)) break;
        if (page >= PAGES_MAX) throw failed(`Category/${code}: > ${PAGES_MAX} pages`);
      }
      answers.push({
        peer: peer.code,
        metadata: {
          CategoryCode: code,
          ...(typeof metadata['CategoryName'] === 'string' ? { CategoryName: metadata['CategoryName'] } : {}),
          ...(typeof metadata['CategoryNameEn'] === 'string'
            ? { CategoryNameEn: metadata['CategoryNameEn'] }
            : {}),
          Fields: fields.map((f: Record<string, unknown>) => ({
            FieldName: String(f['FieldName']),
            DataType: String(f['DataType']),
            ...(typeof f['Description'] === 'string' ? { Description: f['Description'] } : {}),
          })),
        },
        items,
      });
    }
    const written = await deps.categories.importFromPeers(answers, actor);
    return {
      peerId: peer.id,
      peerCode: peer.code,
      lists: written.map((v) => ({
        code: v.listCode,
        version: v.version,
        itemCount: v.itemCount,
        itemsSha256: v.itemsSha256,
        created: v.created,
      })),
    };
  } finally {
    await clients.close();
  }
}

/** One signed GET at the peer, its JSON answer; anything else is CP_CATEGORY_SYNC_FAILED naming the resource. */
async function signedGet(
  deps: CategorySyncDeps,
  agent: Agent,
  peer: PeerData,
  signer: Parameters<typeof signHop>[0],
  token: string,
  path: string,
): Promise<unknown> {
  const url = new URL(peer.gatewayUrl);
  const prefix = url.pathname === '/' ? '' : url.pathname.replace(/\/$/, '');
  const headers = await signHop(
    signer,
    'GET',
    `${url.origin}${prefix}${path}`,
    {
      accept: 'application/json',
      authorization: `Bearer ${token}`,
      // The platform itself asks, for its operator: it is the represented party (our organization code there).
      [HEADER.representedOrganization]: deps.federationCode,
      [HEADER.representedSystem]: 'lgsp:category-sync',
      [HEADER.endToEndId]: `catsync-${randomUUID()}`,
      [HEADER.contentDigest]: contentDigest(Buffer.alloc(0)),
    },
    deps.clock.nowMs(),
  );
  const resource = path.split('?')[0]!;
  let text: string;
  try {
    // R-03: each answer whole within the limit (the agent's own timeouts are per read): a peer that trickles a page
    // or sends `103 Early Hints` without end fails the sync at the limit, before anything is written.
    const answer = await withinDeadline(deps.timeoutMs, async (deadline) => {
      const res = await agent.request({
        origin: url.origin,
        path: `${prefix}${path}`,
        method: 'GET',
        headers,
        signal: deadline.signal,
      });
      const bytes = await readAtMost(res.body, ANSWER_MAX_BYTES);
      if (bytes === null) throw new Error(tooLargeReason(ANSWER_MAX_BYTES));
      return { status: res.statusCode, text: bytes.toString('utf8') };
    });
    text = answer.text;
    if (answer.status !== 200) {
      let code = '';
      try {
        code = String((JSON.parse(text) as { code?: unknown }).code ?? '');
      } catch {}
      throw new Error(`HTTP ${answer.status}${code ? ` ${code}` : ''}`);
    }
  } catch (err) {
    throw failed(`${resource}: ${(err as Error).message}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw failed(`${resource}: không phải JSON / not JSON`);
  }
}

function pageData(answer: unknown, resource: string): Array<Record<string, unknown>> {
  const data = (answer as { Data?: unknown } | null)?.['Data'];
  if (!Array.isArray(data) || !data.every((d) => d !== null && typeof d === 'object' && !Array.isArray(d)))
    throw failed(`${resource}: Data`);
  return data as Array<Record<string, unknown>>;
}

function total(answer: unknown): number {
  const value = (answer as { TotalRecord?: unknown })['TotalRecord'];
  return typeof value === 'number' && Number.isFinite(value) ? value : Number.POSITIVE_INFINITY;
}
