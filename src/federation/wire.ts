import { createHash, createPublicKey, KeyObject, sign, type webcrypto } from 'node:crypto';
import { createVerifier, httpbis, type SigningKey } from 'http-message-signatures';
import { type Item, parseDictionary, serializeDictionary } from 'structured-headers';
import { MESSAGE_TTL_MAX_HOURS } from '../core/config.ts';

/**
 * What travels between platforms on a federated call (issue 12 items 2–4; docs/federation.md): the represented
 * party, the end-to-end transaction id, W3C Trace Context, RFC 9530 `Content-Digest`, and one RFC 9421 signature
 * per hop, made and checked by the `http-message-signatures` package (never a hand-written canonicalizer). This
 * file has no I/O: the gateway gives it the keys.
 */

export const HEADER = {
  representedOrganization: 'x-lgsp-represented-organization',
  representedSystem: 'x-lgsp-represented-system',
  endToEndId: 'x-lgsp-end-to-end-id',
  requestHash: 'x-lgsp-request-hash',
  traceparent: 'traceparent',
  contentDigest: 'content-digest',
  signature: 'signature',
  signatureInput: 'signature-input',
} as const;

/** The headers a consumer may not send in: only a peer platform names a represented party (the refusal is 403). */
export const REPRESENTED_HEADERS = [HEADER.representedOrganization, HEADER.representedSystem] as const;

/** RFC 9421 algorithm of the platforms' ES256 signing keys (src/control/signing-keys.ts). */
export const SIGNATURE_ALGORITHM = 'ecdsa-p256-sha256';
/** The `tag` parameter (RFC 9421 §2.3): a signature made for this protocol is never taken for another one's. */
export const SIGNATURE_TAG = 'lgsp-federation';
/** How old a hop's signature may be when it arrives (its `created`), in seconds, and the clock skew allowed. */
export const SIGNATURE_MAX_AGE_SECONDS = 300;
export const SIGNATURE_TOLERANCE_SECONDS = 30;
/**
 * How long an async message's hop signature may be valid at most (`expires` − `created`): the longest a message lives
 * on a platform (`messaging.ttlHours`' maximum). An earlier hop is accepted until its own `expires`, and the replay
 * memory keeps each until then: a peer signing for years would have it accepted, and remembered, for years.
 */
export const ASYNC_HOP_MAX_LIFETIME_SECONDS = MESSAGE_TTL_MAX_HOURS * 3600;

/**
 * The components every hop signs: the method, the body's digest and the identity headers — not the authority or
 * the path, which change at every hop (each platform publishes the service under its own context). A later hop
 * also signs the previous hop's signature (`"signature";key="<label>"`), so a stripped earlier signature breaks
 * every signature after it.
 */
const IDENTITY_COMPONENTS = [
  '@method',
  HEADER.contentDigest,
  HEADER.representedOrganization,
  HEADER.representedSystem,
  HEADER.endToEndId,
];

/** RFC 9530: `sha-256=:<base64>:` of the body as sent (empty body included). */
export function contentDigest(body: Buffer): string {
  return `sha-256=:${createHash('sha256').update(body).digest('base64')}:`;
}

/** Whether the `Content-Digest` field holds a SHA-256 that matches the body (other algorithms are not accepted). */
export function digestMatches(field: string | undefined, body: Buffer): boolean {
  const expected = sha256OfDigest(field);
  return expected?.equals(createHash('sha256').update(body).digest()) === true;
}

/** The SHA-256 a `Content-Digest` field names (RFC 9530 `sha-256=:…:`), or null when it names none. */
export function sha256OfDigest(field: string | undefined): Buffer | null {
  if (field === undefined) return null;
  try {
    const entry = parseDictionary(field).get('sha-256');
    return entry && entry[0] instanceof ArrayBuffer ? Buffer.from(entry[0]) : null;
  } catch {
    return null;
  }
}

/** W3C Trace Context: keep the caller's trace id when it sent a valid `traceparent`, start one otherwise. */
export function traceparentFor(
  incoming: string | undefined,
  spanId: string,
): { header: string; traceId: string } {
  const match = incoming ? /^00-([0-9a-f]{32})-[0-9a-f]{16}-([0-9a-f]{2})$/.exec(incoming) : null;
  const traceId =
    match && match[1] !== '0'.repeat(32)
      ? match[1]!
      : createHash('sha256').update(spanId).digest('hex').slice(0, 32);
  const span = createHash('sha256').update(`${spanId}:span`).digest('hex').slice(0, 16);
  return { header: `00-${traceId}-${span}-${match?.[2] ?? '01'}`, traceId };
}

export function traceIdOf(traceparent: string | undefined): string | null {
  const match = traceparent ? /^00-([0-9a-f]{32})-/.exec(traceparent) : null;
  return match ? match[1]! : null;
}

/** The labels of a request's signatures, in the order the hops added them (dictionary order, RFC 9421 §4.2). */
export function signatureLabels(signatureInput: string | undefined): string[] {
  if (!signatureInput) return [];
  try {
    return [...parseDictionary(signatureInput).keys()];
  } catch {
    return [];
  }
}

/**
 * Every member's label of a dictionary field (`Signature`, `Signature-Input`), in order and repeats included — a
 * parsed dictionary keeps only the last of two members with one label (RFC 8941 §4.2.2), so a repeat would go
 * unnoticed there; null when the field does not parse. The field is cut at its top-level commas (outside strings,
 * display strings and inner lists) and each piece parsed on its own — the package does the parsing, this only cuts —
 * and each piece must be one member: a cut in the wrong place is refused, never a repeat hidden in one piece.
 */
export function dictionaryLabels(field: string): string[] | null {
  try {
    if (parseDictionary(field).size === 0) return [];
    const labels: string[] = [];
    let start = 0;
    let depth = 0;
    /** Inside a string: `"` for an sf-string (backslash escapes), `%` for a display string (percent escapes). */
    let quoted: '"' | '%' | null = null;
    for (let i = 0; i <= field.length; i++) {
      const c = field[i];
      if (quoted !== null) {
        if (c === '\\' && quoted === '"') i++;
        else if (c === '"') quoted = null;
      } else if (c === '"') quoted = field[i - 1] === '%' ? '%' : '"';
      else if (c === '(') depth++;
      else if (c === ')') depth--;
      else if ((c === ',' && depth === 0) || c === undefined) {
        const members = [...parseDictionary(field.slice(start, i)).keys()];
        if (members.length !== 1) return null;
        labels.push(members[0]!);
        start = i + 1;
      }
    }
    return labels;
  } catch {
    return null;
  }
}

/**
 * Why a request's `Signature` and `Signature-Input` do not describe the same hops, or null when each label is once
 * in each (RFC 9421 §4: a signature and its input share their label). A member of one without the other — a
 * `Signature` member slipped in that no input describes, an input whose signature is gone — or a label twice is
 * nothing a platform sends: refused whole, never checked around or handed on to the next platform.
 */
export function unpairedSignatureMember(
  signatureField: string,
  signatureInputField: string,
): { label: string; reason: string } | null {
  const inputs = dictionaryLabels(signatureInputField);
  if (inputs === null) return { label: '?', reason: 'Signature-Input không đọc được / unparsable' };
  const signatures = dictionaryLabels(signatureField);
  if (signatures === null) return { label: '?', reason: 'Signature không đọc được / unparsable' };
  const repeated = (labels: string[]) => labels.find((label, i) => labels.indexOf(label) !== i);
  const twiceInInput = repeated(inputs);
  if (twiceInInput !== undefined)
    return {
      label: twiceInInput,
      reason: 'nhãn lặp lại trong Signature-Input / label repeated in Signature-Input',
    };
  const twiceInSignature = repeated(signatures);
  if (twiceInSignature !== undefined)
    return { label: twiceInSignature, reason: 'nhãn lặp lại trong Signature / label repeated in Signature' };
  const noInput = signatures.find((label) => !inputs.includes(label));
  if (noInput !== undefined)
    return {
      label: noInput,
      reason:
        'chữ ký không có Signature-Input đi kèm / a Signature member without its Signature-Input member',
    };
  const noSignature = inputs.find((label) => !signatures.includes(label));
  if (noSignature !== undefined)
    return {
      label: noSignature,
      reason:
        'Signature-Input không có chữ ký đi kèm / a Signature-Input member without its Signature member',
    };
  return null;
}

/**
 * The hash that binds an answer to its request (like X-Road's `X-Road-Request-Hash`): SHA-256 of the origin hop's
 * signature — it covers the body's digest, the represented party and the end-to-end id, and every platform of the
 * path has it (the origin made it, the others received it). The origin hop is the first label of `Signature-Input`
 * (the hops that are checked), not whatever member comes first in `Signature`: a member no input describes — one a
 * hop slipped in ahead of the origin's — is never taken for it.
 */
export function requestHash(
  signatureField: string | undefined,
  signatureInputField: string | undefined,
): string | null {
  const origin = signatureLabels(signatureInputField)[0];
  if (origin === undefined) return null;
  const bytes = signatureBytesOf(signatureField, origin);
  return bytes === null ? null : `sha-256=:${createHash('sha256').update(bytes).digest('base64')}:`;
}

/**
 * The bytes of one hop's signature (its `Signature` member), or null when there is none: what makes a signed
 * request unique — every hop signs anew (ECDSA, a new `created`), so the same bytes twice are a replay.
 */
export function signatureBytesOf(signatureField: string | undefined, label: string): Buffer | null {
  if (!signatureField) return null;
  try {
    const member = parseDictionary(signatureField).get(label);
    return member && member[0] instanceof ArrayBuffer ? Buffer.from(member[0]) : null;
  } catch {
    return null;
  }
}

export interface HopSigner {
  /** This platform's label (its code at its peers). */
  label: string;
  keyId: string;
  /** The ES256 private key of the platform's JWKS-published signing key. */
  privateKey: KeyObject;
}

/**
 * Adds this hop's signature to `headers` (a plain object of the headers to send, lower-case names): a new
 * `Signature`/`Signature-Input` member under our label, after those of the hops before us.
 */
export async function signHop(
  signer: HopSigner,
  method: string,
  url: string,
  headers: Record<string, string>,
  nowMs: number,
  /**
   * When the signature stops being valid; 5 minutes by default (a sync call). An async hop (item 10b) signs until
   * the message expires, since the next platform may hand it on hours later with this signature in the chain.
   */
  expiresAtMs: number = nowMs + SIGNATURE_MAX_AGE_SECONDS * 1000,
): Promise<Record<string, string>> {
  const previous = signatureLabels(headers[HEADER.signatureInput]);
  const last = previous[previous.length - 1];
  const fields =
    last === undefined ? IDENTITY_COMPONENTS : [...IDENTITY_COMPONENTS, `signature;key="${last}"`];
  const key: SigningKey = {
    id: signer.keyId,
    alg: SIGNATURE_ALGORITHM,
    sign: async (data) => sign('sha256', data, { key: signer.privateKey, dsaEncoding: 'ieee-p1363' }),
  };
  const signed = await httpbis.signMessage(
    {
      key,
      name: signer.label,
      fields,
      params: ['created', 'expires', 'keyid', 'alg', 'tag'],
      paramValues: {
        created: new Date(nowMs),
        expires: new Date(expiresAtMs),
        tag: SIGNATURE_TAG,
      },
    },
    { method, url, headers },
  );
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(signed.headers)) {
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/** A peer's public keys by `kid`, as its JWKS publishes them. */
export type KeyFinder = (label: string, keyId: string) => Promise<KeyObject | null>;

export interface HopResult {
  label: string;
  keyId: string | null;
  verified: boolean;
  reason?: string;
  /** The hop's `created` (seconds), when it has one. */
  created?: number;
  /** The hop's `expires` (seconds), when it has one: how long an async message's hop may come again. */
  expires?: number;
}

/**
 * Checks every hop's signature of a received request, each on its own (its `Signature-Input` member alone, all
 * the `Signature` members present so a later hop's chained component resolves). Returns one result per label, in
 * hop order; never throws for a bad signature — the caller refuses and records.
 */
export async function verifyHops(
  method: string,
  url: string,
  headers: Record<string, string>,
  findKey: KeyFinder,
  nowMs: number,
  /**
   * Store-and-forward (item 10b): an async message may wait at an intermediate for hours before it is handed on,
   * so the hops before the calling one are held to their own `expires` (the message's expiry), not to 5 minutes.
   * The calling hop — the last label — is always fresh: it signed this very delivery attempt.
   */
  options: { earlierHopsUntilExpiry?: boolean } = {},
): Promise<HopResult[]> {
  const inputField = headers[HEADER.signatureInput];
  const signatureField = headers[HEADER.signature];
  if (!inputField || !signatureField) return [];
  let inputs: ReturnType<typeof parseDictionary>;
  try {
    inputs = parseDictionary(inputField);
  } catch {
    return [
      { label: '?', keyId: null, verified: false, reason: 'Signature-Input không đọc được / unparsable' },
    ];
  }
  // Checked before any hop: a call whose two fields do not pair up is refused whole (no key fetched for it).
  const unpaired = unpairedSignatureMember(signatureField, inputField);
  if (unpaired !== null)
    return [{ label: unpaired.label, keyId: null, verified: false, reason: unpaired.reason }];
  const results: HopResult[] = [];
  const labels = [...inputs.keys()];
  const lastLabel = labels.at(-1);
  for (const [index, [label, member]] of [...inputs].entries()) {
    const strict = !options.earlierHopsUntilExpiry || label === lastLabel;
    const params = member[1];
    const keyId = typeof params.get('keyid') === 'string' ? (params.get('keyid') as string) : null;
    const items = Array.isArray(member[0]) ? member[0] : [];
    const covered = items.map((item) => item[0]);
    const result: HopResult = { label, keyId, verified: false };
    results.push(result);
    if (params.get('tag') !== SIGNATURE_TAG) {
      result.reason = 'tag';
      continue;
    }
    if (!IDENTITY_COMPONENTS.every((c) => covered.includes(c))) {
      result.reason = 'thiếu thành phần được ký / identity components not all signed';
      continue;
    }
    // The chain (docs/federation.md §4): from the second hop on, a hop signs the previous hop's signature — the
    // `signature` field's member under the previous label, that parameter alone — so an earlier signature cannot
    // be stripped, swapped or slipped in without breaking every later one.
    const previous = index > 0 ? labels[index - 1]! : null;
    if (previous !== null && !items.some((item) => chainsTo(item, previous))) {
      result.reason = `không ký chữ ký của chặng trước / does not sign the previous hop’s signature ("signature";key="${previous}")`;
      continue;
    }
    if (keyId === null) {
      result.reason = 'keyid';
      continue;
    }
    // Freshness on the gateway's clock (the package checks it again on the system clock).
    const created = params.get('created');
    if (typeof created === 'number') result.created = created;
    const nowSeconds = Math.floor(nowMs / 1000);
    const expires = params.get('expires');
    if (typeof expires === 'number') result.expires = expires;
    if (
      typeof created !== 'number' ||
      (strict && nowSeconds - created > SIGNATURE_MAX_AGE_SECONDS + SIGNATURE_TOLERANCE_SECONDS) ||
      (!strict && (typeof expires !== 'number' || expires + SIGNATURE_TOLERANCE_SECONDS < nowSeconds)) ||
      created > nowSeconds + SIGNATURE_TOLERANCE_SECONDS
    ) {
      result.reason = 'chữ ký quá cũ hoặc chưa tới hạn / signature too old or from the future';
      continue;
    }
    if (
      options.earlierHopsUntilExpiry &&
      typeof expires === 'number' &&
      expires - created > ASYNC_HOP_MAX_LIFETIME_SECONDS + SIGNATURE_TOLERANCE_SECONDS
    ) {
      result.reason = `hạn chữ ký quá xa (tối đa ${MESSAGE_TTL_MAX_HOURS} giờ) / signature valid too long (at most ${MESSAGE_TTL_MAX_HOURS} hours)`;
      continue;
    }
    const publicKey = await findKey(label, keyId);
    if (publicKey === null) {
      result.reason = 'khoá không rõ / unknown signer or key';
      continue;
    }
    const single = new Map([[label, member]]);
    const alone = { ...headers, [HEADER.signatureInput]: serializeDictionary(single) };
    try {
      const ok = await httpbis.verifyMessage(
        {
          keyLookup: async () => ({
            id: keyId,
            algs: [SIGNATURE_ALGORITHM],
            verify: createVerifier(publicKey, SIGNATURE_ALGORITHM),
          }),
          requiredParams: ['created', 'keyid'],
          ...(strict ? { maxAge: SIGNATURE_MAX_AGE_SECONDS } : {}),
          tolerance: SIGNATURE_TOLERANCE_SECONDS,
          notAfter: Math.floor(nowMs / 1000) + SIGNATURE_TOLERANCE_SECONDS,
        },
        { method, url, headers: alone },
      );
      result.verified = ok === true;
      if (!result.verified) result.reason = 'chữ ký sai / signature does not verify';
    } catch (err) {
      result.reason = (err as Error).message.slice(0, 200);
    }
  }
  return results;
}

/** Whether a covered component is `"signature";key="<label>"` exactly: the field `signature`, only a `key` parameter. */
function chainsTo(item: Item, label: string): boolean {
  const params = item[1];
  return item[0] === HEADER.signature && params.size === 1 && params.get('key') === label;
}

/** A JWK (from a peer's JWKS) as a Node public key. */
export function publicKeyOf(jwk: Record<string, unknown>): KeyObject {
  return createPublicKey({ key: jwk as never, format: 'jwk' });
}

const privateKeys = new WeakMap<object, KeyObject>();

/** The platform's signing key as node:crypto wants it (jose imports it as a WebCrypto key); converted once per key. */
export function signingKeyObject(key: object): KeyObject {
  let found = privateKeys.get(key);
  if (!found) {
    found = key instanceof KeyObject ? key : KeyObject.from(key as webcrypto.CryptoKey);
    privateKeys.set(key, found);
  }
  return found;
}
