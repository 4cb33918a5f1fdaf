import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { describe, test } from 'node:test';
import { httpbis } from 'http-message-signatures';
import { parseDictionary, serializeDictionary } from 'structured-headers';
import { MESSAGE_TTL_MAX_HOURS } from '../src/core/config.ts';
import {
  ASYNC_HOP_MAX_LIFETIME_SECONDS,
  contentDigest,
  dictionaryLabels,
  SIGNATURE_ALGORITHM,
  SIGNATURE_TAG,
  signHop,
  unpairedSignatureMember,
  verifyHops,
} from '../src/federation/wire.ts';

/**
 * The hop chain as `verifyHops` holds it (docs/federation.md §4): from the second hop on, a hop must sign the
 * previous hop's signature — `"signature";key="<previous label>"`, that item and that parameter — and `Signature`
 * and `Signature-Input` must name the same labels, each once. Pure functions, real keys; the platform's answers to
 * the same probes are in test/federation.hostile.test.ts.
 */

const labels = ['lgsp-a', 'ndxp', 'lgsp-c'] as const;
type Label = (typeof labels)[number];
const keys = Object.fromEntries(
  labels.map((l) => [l, generateKeyPairSync('ec', { namedCurve: 'P-256' })]),
) as Record<Label, ReturnType<typeof generateKeyPairSync>>;
const findKey = async (label: string, keyId: string) =>
  label in keys && keyId === `k-${label}` ? keys[label as Label].publicKey : null;
const url = 'http://x.invalid/a';
const now = Date.now();
const IDENTITY = [
  '@method',
  'content-digest',
  'x-lgsp-represented-organization',
  'x-lgsp-represented-system',
  'x-lgsp-end-to-end-id',
];
const base = {
  'x-lgsp-represented-organization': '000.00.21.H01',
  'x-lgsp-represented-system': 'sys_1',
  'x-lgsp-end-to-end-id': 'txn_1',
  'content-digest': contentDigest(Buffer.from('{}')),
};

const hop = (label: Label, headers: Record<string, string>) =>
  signHop({ label, keyId: `k-${label}`, privateKey: keys[label].privateKey }, 'POST', url, headers, now);

/** A hop signed over the components given — what a platform that breaks the chain on purpose would send. */
async function hopCovering(label: Label, headers: Record<string, string>, fields: string[]) {
  const signed = await httpbis.signMessage(
    {
      key: {
        id: `k-${label}`,
        alg: SIGNATURE_ALGORITHM,
        sign: async (data) =>
          sign('sha256', data, { key: keys[label].privateKey, dsaEncoding: 'ieee-p1363' }),
      },
      name: label,
      fields,
      params: ['created', 'expires', 'keyid', 'alg', 'tag'],
      paramValues: {
        created: new Date(now),
        expires: new Date(now + 300_000),
        tag: SIGNATURE_TAG,
      },
    },
    { method: 'POST', url, headers },
  );
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(signed.headers))
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
  return out;
}

const verdicts = async (headers: Record<string, string>) =>
  (await verifyHops('POST', url, headers, findKey, now)).map((h) => [h.label, h.verified, h.reason ?? '']);

describe('the hop chain: each later hop signs the previous hop’s signature (verifyHops)', () => {
  test('a real chain of three verifies', async () => {
    const chain = await hop('lgsp-c', await hop('ndxp', await hop('lgsp-a', base)));
    assert.deepEqual(
      (await verifyHops('POST', url, chain, findKey, now)).map((h) => [h.label, h.verified]),
      [
        ['lgsp-a', true],
        ['ndxp', true],
        ['lgsp-c', true],
      ],
    );
  });

  test('a later hop that does not sign the previous one is refused, saying so', async () => {
    const first = await hop('lgsp-a', base);
    // NDXP signs the identity only (each verifies alone), its members set after A's.
    const unchained = await hopCovering('ndxp', base, IDENTITY);
    const headers = {
      ...first,
      signature: `${first.signature}, ${unchained.signature}`,
      'signature-input': `${first['signature-input']}, ${unchained['signature-input']}`,
    };
    const [a, n] = await verdicts(headers);
    assert.deepEqual(a, ['lgsp-a', true, '']);
    assert.equal(n![0], 'ndxp');
    assert.equal(n![1], false);
    assert.match(String(n![2]), /chặng trước .* previous hop’s signature \("signature";key="lgsp-a"\)/);
  });

  test('the previous hop, not another one: the third hop signing the first is refused', async () => {
    const two = await hop('ndxp', await hop('lgsp-a', base));
    const skipping = await hopCovering('lgsp-c', two, [...IDENTITY, 'signature;key="lgsp-a"']);
    const results = await verdicts(skipping);
    assert.deepEqual(
      results.map((r) => [r[0], r[1]]),
      [
        ['lgsp-a', true],
        ['ndxp', true],
        ['lgsp-c', false],
      ],
    );
    assert.match(String(results[2]![2]), /key="ndxp"/);
  });

  test('the item and its parameter are read, not the text: another parameter beside `key` is not the chain', async () => {
    const first = await hop('lgsp-a', base);
    // `;bs` wraps the field as a byte sequence: a different component, whose text still says `key="lgsp-a"`.
    const withBs = await hopCovering('ndxp', first, [...IDENTITY, 'signature;key="lgsp-a";bs']).catch(
      () => null,
    );
    if (withBs !== null) {
      const [, n] = await verdicts(withBs);
      assert.equal(n![1], false, String(n![2]));
    }
    // A component named like the field with the label as its own name, not as its `key`.
    const named = await hopCovering('ndxp', first, [...IDENTITY, 'signature-input;key="lgsp-a"']);
    const [, n] = await verdicts(named);
    assert.equal(n![1], false);
    assert.match(String(n![2]), /previous hop/);
  });

  test('the first hop needs no chain: one hop alone verifies', async () => {
    assert.deepEqual(await verdicts(await hop('lgsp-a', base)), [['lgsp-a', true, '']]);
  });
});

describe('Signature and Signature-Input name the same labels, each once', () => {
  test('dictionaryLabels keeps repeats and order; strings and inner lists with commas are one member', () => {
    assert.deepEqual(dictionaryLabels('a=1, b=("x" "y,z");p="q,r", a=:AAAA:'), ['a', 'b', 'a']);
    assert.deepEqual(dictionaryLabels('a="say \\"hi, there\\""'), ['a']);
    // A display string has no backslash escapes: its closing quote ends it, and the repeat after it is seen.
    assert.deepEqual(dictionaryLabels('a=1;p=%"x\\", a=2'), ['a', 'a']);
    assert.deepEqual(dictionaryLabels('a=1;p=%"x, y", a=2'), ['a', 'a']);
    assert.equal(dictionaryLabels('((('), null);
    assert.deepEqual(dictionaryLabels(''), []);
  });

  test('a Signature member with no input, an input with no Signature member, a label twice: refused before any hop', async () => {
    const chain = await hop('ndxp', await hop('lgsp-a', base));
    const junk = `junk=:${Buffer.from('not a signature').toString('base64')}:`;
    const cases: Array<[string, Record<string, string>, RegExp]> = [
      ['a slipped-in Signature member', { ...chain, signature: `${junk}, ${chain.signature}` }, /junk/],
      [
        'an input whose Signature member is gone',
        {
          ...chain,
          signature: serializeDictionary(
            new Map([...parseDictionary(chain.signature!)].filter(([l]) => l !== 'lgsp-a')),
          ),
        },
        /lgsp-a/,
      ],
      [
        'a label twice in Signature (the last one real)',
        { ...chain, signature: `lgsp-a=:${Buffer.from('x').toString('base64')}:, ${chain.signature}` },
        /lgsp-a/,
      ],
      [
        'a label twice in Signature-Input (the last one real)',
        {
          ...chain,
          'signature-input': `ndxp=("@method");created=1, ${chain['signature-input']}`,
        },
        /ndxp/,
      ],
    ];
    for (const [name, headers, label] of cases) {
      const results = await verdicts(headers);
      assert.equal(results.length, 1, name);
      assert.match(String(results[0]![0]), label, name);
      assert.equal(results[0]![1], false, name);
      assert.match(String(results[0]![2]), / \/ /, `${name}: a bilingual reason`);
    }
    assert.equal(unpairedSignatureMember(chain.signature!, chain['signature-input']!), null);
  });
});

describe('an async message’s hop is valid at most as long as a message lives (messaging.ttlHours’ maximum)', () => {
  const asyncHop = (label: Label, headers: Record<string, string>, lifetimeSeconds: number) =>
    signHop(
      { label, keyId: `k-${label}`, privateKey: keys[label].privateKey },
      'POST',
      url,
      headers,
      now,
      now + lifetimeSeconds * 1000,
    );
  const asyncVerdicts = async (headers: Record<string, string>) =>
    (await verifyHops('POST', url, headers, findKey, now, { earlierHopsUntilExpiry: true })).map((h) => [
      h.label,
      h.verified,
      h.reason ?? '',
    ]);

  test('a hop signed for the longest message lifetime verifies; one signed for longer is refused, saying so', async () => {
    const longest = ASYNC_HOP_MAX_LIFETIME_SECONDS;
    const fine = await asyncHop('ndxp', await asyncHop('lgsp-a', base, longest), longest);
    assert.deepEqual(await asyncVerdicts(fine), [
      ['lgsp-a', true, ''],
      ['ndxp', true, ''],
    ]);
    // Ten years: accepted, an earlier hop would be replayable (and remembered) for as long.
    const tenYears = 10 * 365 * 86_400;
    const far = await asyncHop('ndxp', await asyncHop('lgsp-a', base, tenYears), longest);
    const [origin, calling] = await asyncVerdicts(far);
    assert.equal(origin![1], false);
    assert.match(String(origin![2]), /quá xa .* \/ signature valid too long \(at most 2160 hours\)/);
    assert.equal(calling![1], true);
    // A sync call holds every hop to 5 minutes from `created`; its `expires` is not read this way.
    assert.equal(ASYNC_HOP_MAX_LIFETIME_SECONDS, MESSAGE_TTL_MAX_HOURS * 3600);
  });
});
