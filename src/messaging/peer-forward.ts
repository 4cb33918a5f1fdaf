import { createHash, type KeyObject } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import type { Selectable } from 'kysely';
import { request } from 'undici';
import { isAcceptedDateTime } from '../core/date-time.ts';
import { LgspError } from '../core/errors.ts';
import type { PeerClients } from '../federation/peer-clients.ts';
import type { PeerData, PeerRoute } from '../federation/snapshot.ts';
import { HEADER, requestHash, signatureLabels, signHop, traceIdOf } from '../federation/wire.ts';
import { withinDeadline } from '../net/deadlines.ts';
import { readAtMost } from '../net/read-limit.ts';
import type { Store } from '../store/port.ts';
import type { Database, FederationEvidence } from '../store/schema.ts';
import type { Destinations } from './messaging.ts';
import type { MessageMeta } from './port.ts';

/**
 * Federated async messages (issue 12 item 10b, R-15, R-02, R-23; docs/federation.md "Thông điệp bất đồng bộ"): a
 * message for a version imported from a peer is stored here like any other, then *handed on* — the deliverer sends
 * it to the peer's gateway as an async send, signed like a sync federated call (wire.ts), and deletes its payload
 * once the peer has stored it (202). The peer does the same until the final platform delivers it to its provider.
 * The outcome travels back the way our receipts already work: each platform polls the status endpoint
 * (`GET /_lgsp/messages/{id}`) of the peer it handed the message to, as that message's source — the same call a
 * source system makes, with our platform token; no platform has to be reachable by the ones after it (like an
 * X-Road security server, a province only makes outgoing connections to its peers).
 */

export type MessageFederationRow = Selectable<Database['message_federation']>;

/** What a federated message carries across platforms, kept beside its queue metadata (migration 0032). */
export interface MessageFederation {
  /** The peer that sent it to us; null when our own consumer sent it (we are the origin). */
  fromPeerId: string | null;
  representedOrg: string | null;
  representedSystem: string | null;
  /** The end-to-end id; '' at the origin, where it is the message id itself. */
  endToEndId: string;
  traceparent: string | null;
  /** The hops' signatures as received (a peer's message), handed on with ours added last. */
  signature: string | null;
  signatureInput: string | null;
}

/** Written before the message is enqueued (its id is minted first), so a stored message never lacks it. */
export async function saveMessageFederation(
  store: Store,
  messageId: string,
  f: MessageFederation,
  nowMs: number,
): Promise<void> {
  await store.db
    .insertInto('message_federation')
    .values({
      message_id: messageId,
      from_peer_id: f.fromPeerId,
      represented_org: f.representedOrg,
      represented_system: f.representedSystem,
      end_to_end_id: f.endToEndId || messageId,
      traceparent: f.traceparent,
      signature: f.signature,
      signature_input: f.signatureInput,
      created_at: new Date(nowMs),
    })
    .execute();
}

/** The row of a message that was not stored after all (refused, failed, or a duplicate of an earlier one). */
export async function dropMessageFederation(store: Store, messageId: string): Promise<void> {
  await store.db.deleteFrom('message_federation').where('message_id', '=', messageId).execute();
}

export async function messageFederationOf(
  store: Store,
  messageId: string,
): Promise<MessageFederationRow | null> {
  return (
    (await store.db
      .selectFrom('message_federation')
      .selectAll()
      .where('message_id', '=', messageId)
      .executeTakeFirst()) ?? null
  );
}

/**
 * Checks a peer's message body against the `Content-Digest` its hops signed, as it streams into the queue: a
 * mismatch fails the stream before its end, so the engine stores nothing (the refusal is 400).
 */
export class DigestCheck extends Transform {
  private readonly hash = createHash('sha256');
  constructor(private readonly expected: Buffer | null) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.hash.update(chunk);
    done(null, chunk);
  }
  override _flush(done: TransformCallback): void {
    const got = this.hash.digest();
    if (this.expected === null || !got.equals(this.expected)) {
      done(new LgspError('GW_FED_CONTENT_DIGEST_MISMATCH'));
      return;
    }
    done();
  }
}

/** What the deliverer needs to hand a message on to a peer. */
export interface PeerHandOff {
  peers: PeerClients;
  /** This platform's federation code: its signature label. */
  code: string;
  signing: { kid: string; privateKey: KeyObject };
}

/** One signed async send to a peer, ready for undici: where, and with which headers. */
export interface PeerSend {
  url: string;
  headers: Record<string, string>;
  evidence: FederationEvidence;
  representedOrg: string | null;
  representedSystem: string | null;
  endToEndId: string;
  token: string;
}

/**
 * The request that hands `meta` to the peer of `route`: our token for that peer, the represented party, the
 * end-to-end id and trace, the payload's digest (its SHA-256 is known: no need to read it twice), the earlier hops'
 * signatures and ours last — signed until the message expires, since the peer may wait before handing it on. The
 * message id is the `Idempotency-Key`: a send repeated after a lost answer is the same message at the peer.
 */
export async function peerSend(
  handOff: PeerHandOff,
  peerRoute: PeerRoute,
  meta: MessageMeta,
  target: string,
  fed: MessageFederationRow | null,
  source: { systemId: string; organizationCode: string | null },
  nowMs: number,
): Promise<PeerSend> {
  const token = await handOff.peers.tokenFor(peerRoute.peer);
  const representedOrg = fed ? fed.represented_org : source.organizationCode;
  const representedSystem = fed ? fed.represented_system : source.systemId;
  const endToEndId = fed?.end_to_end_id ?? meta.id;
  const traceparent = fed?.traceparent ?? null;
  const headers: Record<string, string> = {
    authorization: `Bearer ${token}`,
    'content-type': meta.contentType,
    'content-length': String(meta.sizeBytes),
    'idempotency-key': meta.id,
    [HEADER.representedOrganization]: representedOrg ?? '',
    [HEADER.representedSystem]: representedSystem ?? '',
    [HEADER.endToEndId]: endToEndId,
    [HEADER.contentDigest]: `sha-256=:${Buffer.from(meta.sha256, 'hex').toString('base64')}:`,
  };
  if (traceparent) headers[HEADER.traceparent] = traceparent;
  if (fed?.signature && fed.signature_input) {
    headers[HEADER.signature] = fed.signature;
    headers[HEADER.signatureInput] = fed.signature_input;
  }
  const url = `${peerRoute.origin}${target}`;
  const signed = await signHop(
    { label: handOff.code, keyId: handOff.signing.kid, privateKey: handOff.signing.privateKey },
    'POST',
    url,
    headers,
    nowMs,
    meta.expiresAtMs,
  );
  const hops = signatureLabels(signed[HEADER.signatureInput]).map((label) => ({
    label,
    keyId: label === handOff.code ? handOff.signing.kid : null,
    // Earlier hops were verified when the message was taken in (that intake's record holds their result).
    verified: label === handOff.code ? null : true,
  }));
  return {
    url,
    headers: signed,
    token,
    representedOrg,
    representedSystem,
    endToEndId,
    evidence: {
      direction: 'outbound',
      traceId: traceIdOf(traceparent ?? undefined),
      hops,
      signatures: 'signed',
      requestHash: requestHash(signed[HEADER.signature], signed[HEADER.signatureInput]),
    },
  };
}

/**
 * The peer stored the message (its 202 named its own message id): we remember it, to poll the peer's receipt.
 * Written before our copy is acknowledged, so a crash in between only repeats the send (the peer deduplicates).
 */
export async function noteHandedOn(
  store: Store,
  meta: MessageMeta,
  peerId: string,
  remoteMessageId: string,
  firstCheckAtMs: number,
  nowMs: number,
): Promise<void> {
  const values = {
    to_peer_id: peerId,
    remote_message_id: remoteMessageId,
    remote_state: 'accepted' as const,
    receipt_checks: 0,
    next_check_at: new Date(firstCheckAtMs),
  };
  await store.db
    .insertInto('message_federation')
    .values({
      message_id: meta.id,
      from_peer_id: null,
      represented_org: null,
      represented_system: null,
      end_to_end_id: meta.id,
      traceparent: null,
      signature: null,
      signature_input: null,
      created_at: new Date(nowMs),
      ...values,
    })
    .onConflict((oc) => oc.column('message_id').doUpdateSet(values))
    .execute();
}

/** A peer's receipt is a small JSON object: an answer longer than this is not one, and is not read further. */
const RECEIPT_LIMIT_BYTES = 256 * 1024;

/** A peer's answer to `GET /_lgsp/messages/{id}` (its status of the message we handed it). */
export interface PeerReceipt {
  state: 'accepted' | 'delivering' | 'delivered' | 'dead';
  deliveredAt: string | null;
  receipt: string | null;
}

/**
 * Asks the peer what became of the message we handed it, as its source, with our platform token. Null when the
 * peer could not say (down, refused our token — forgotten for the next try — or an answer we cannot read). Its whole
 * answer must be in within `timeoutMs` (R-03; undici's own limits are per read), or the look fails and is tried again.
 */
export async function fetchPeerReceipt(
  peers: PeerClients,
  peer: PeerData,
  remoteMessageId: string,
  timeoutMs: number,
): Promise<PeerReceipt | null> {
  const token = await peers.tokenFor(peer);
  const base = peer.gatewayUrl.replace(/\/$/, '');
  const { status, bytes } = await withinDeadline(timeoutMs, async (deadline) => {
    const res = await request(`${base}/_lgsp/messages/${encodeURIComponent(remoteMessageId)}`, {
      dispatcher: peers.agentFor(peer),
      headers: { authorization: `Bearer ${token}` },
      signal: deadline.signal,
    });
    return { status: res.statusCode, bytes: await readAtMost(res.body, RECEIPT_LIMIT_BYTES) };
  });
  if (status === 401) peers.forgetToken(peer.id, token);
  if (status !== 200 || bytes === null) return null;
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
  } catch {
    return null;
  }
  if (body === null || typeof body !== 'object') return null;
  const state = body['state'];
  if (state !== 'accepted' && state !== 'delivering' && state !== 'delivered' && state !== 'dead')
    return null;
  // The time is stored (timestamptz) and shown to our source: an instant both stores and `Date` hold alike, as the
  // admin API takes date-times (core/time.ts). Anything else — year 0, "abc", a number — is no receipt: the stores
  // parted on it (PGlite and PostgreSQL refused the write, and with it every receipt after it in the round).
  const deliveredAt = body['deliveredAt'] ?? null;
  if (deliveredAt !== null && (typeof deliveredAt !== 'string' || !isAcceptedDateTime(deliveredAt)))
    return null;
  return {
    state,
    deliveredAt,
    receipt: typeof body['receipt'] === 'string' ? body['receipt'] : null,
  };
}

/** Handed-on messages whose receipt is due a look. */
export async function dueReceiptChecks(
  store: Store,
  nowMs: number,
  limit: number,
): Promise<MessageFederationRow[]> {
  return store.db
    .selectFrom('message_federation')
    .selectAll()
    .where('remote_state', 'in', ['accepted', 'delivering'])
    .where('next_check_at', '<=', new Date(nowMs))
    .orderBy('next_check_at')
    .limit(limit)
    .execute();
}

export async function noteReceipt(
  store: Store,
  messageId: string,
  receipt: PeerReceipt | null,
  checks: number,
  nextCheckAtMs: number | null,
): Promise<void> {
  await store.db
    .updateTable('message_federation')
    .set({
      receipt_checks: checks,
      next_check_at: nextCheckAtMs === null ? null : new Date(nextCheckAtMs),
      ...(receipt
        ? {
            remote_state: receipt.state,
            remote_delivered_at: receipt.deliveredAt,
            remote_receipt: receipt.receipt,
          }
        : {}),
    })
    .where('message_id', '=', messageId)
    .execute();
}

/**
 * What a source reads of a message we handed on (issue 12 item 10b): the end-to-end outcome — `delivering` until the
 * final platform delivered it (`delivered`, with its time) or gave up (`dead`) — and where it went.
 */
export function handedOnView(
  meta: MessageMeta,
  fed: MessageFederationRow | null,
  peerCode: string | null,
): {
  state: MessageMeta['state'];
  deliveredAtMs: number | null;
  federation: {
    peer: string | null;
    remoteMessageId: string;
    remoteState: string;
    handedOnAt: string | null;
    remoteReceipt: string | null;
  } | null;
} {
  if (!fed?.remote_message_id || meta.state !== 'delivered') {
    return { state: meta.state, deliveredAtMs: meta.deliveredAtMs, federation: null };
  }
  const remote = fed.remote_state ?? 'accepted';
  return {
    state: remote === 'delivered' ? 'delivered' : remote === 'dead' ? 'dead' : 'delivering',
    deliveredAtMs:
      remote === 'delivered' && fed.remote_delivered_at ? new Date(fed.remote_delivered_at).getTime() : null,
    federation: {
      peer: peerCode,
      remoteMessageId: fed.remote_message_id,
      remoteState: remote,
      handedOnAt: meta.deliveredAtMs === null ? null : new Date(meta.deliveredAtMs).toISOString(),
      remoteReceipt: fed.remote_receipt ?? null,
    },
  };
}

/**
 * What our provider learns of a message a peer platform sent us, as on a sync federated call (docs/federation.md
 * section 3) — pushed, or pulled from its inbox: whom the peer represents, the end-to-end id, the peer, the trace.
 */
export function representedHeaders(
  fed: MessageFederationRow,
  destinations: Pick<Destinations, 'federation'>,
): Record<string, string> {
  const headers: Record<string, string> = {
    [HEADER.representedOrganization]: fed.represented_org ?? '',
    [HEADER.representedSystem]: fed.represented_system ?? '',
    [HEADER.endToEndId]: fed.end_to_end_id,
    'x-lgsp-peer': destinations.federation?.peersById.get(fed.from_peer_id ?? '')?.code ?? '',
  };
  if (fed.traceparent) headers[HEADER.traceparent] = fed.traceparent;
  return headers;
}
