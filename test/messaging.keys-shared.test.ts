// Several nodes on one message key directory (issue 13: `lgsp start --role …` on one machine, or a directory shared
// across machines). Each node used to own the key file: at an epoch's turn two of them made their own random key
// under the same id — a message sealed on one node could not be opened on another — and an owner rewriting the file
// from its memory brought back a key another had destroyed. Now one node owns it at a time (the cluster's
// lease) and takes up the newest generation on disk before it writes.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { PayloadCipher } from '../src/messaging/payload-cipher.ts';
import { PayloadKeys, UPLOAD_GRACE_MS } from '../src/messaging/payload-keys.ts';
import { testKeyWrapper } from './helpers/payload-keys.ts';

const HOUR = 3_600_000;
const TTL_MS = 72 * HOUR;

test('two nodes on one key directory: the lease holder writes the keys, the other seals and opens with the same ones, and no destroyed key comes back', () => {
  const keyDir = mkdtempSync(join(tmpdir(), 'lgsp-keys-shared-'));
  try {
    const t0 = Date.parse('2026-12-01T08:20:00Z');
    const options = {
      dir: keyDir,
      wrapper: testKeyWrapper(),
      epochMs: HOUR,
      ttlMs: TTL_MS,
      role: 'owner' as const,
    };
    // The lease: node A holds it first, node B later.
    let holder: 'A' | 'B' = 'A';
    const a = PayloadKeys.open({ ...options, ownsNow: () => holder === 'A' }, t0);
    const b = PayloadKeys.open({ ...options, ownsNow: () => holder === 'B' }, t0);
    const cipherA = new PayloadCipher(a);
    const cipherB = new PayloadCipher(b);

    // B seals with the key A wrote; A opens it.
    const first = cipherB.sealWhole('msg_1', t0, Buffer.from('một'));
    assert.equal(cipherA.openWhole('msg_1', first.keyId, first.sealed, 5).toString(), 'một');

    // Two hours on, the lease has moved to B, which writes the keys of the new epoch; A, no longer the owner, seals
    // with B's key — not one of its own under the same id.
    holder = 'B';
    const t2 = t0 + 2 * HOUR;
    b.ensureAhead(t2);
    const second = cipherA.sealWhole('msg_2', t2, Buffer.from('hai'));
    assert.equal(second.keyId, b.sealingKey(t2).id);
    assert.equal(cipherB.openWhole('msg_2', second.keyId, second.sealed, 3).toString(), 'hai');

    // B destroys the first epoch's key (spent, no message needs it; msg_2 still needs its own) …
    const spentAt = t0 + HOUR + UPLOAD_GRACE_MS + 2 * HOUR;
    const destroyed = b.destroy(spentAt, new Set([second.keyId]));
    assert.ok(destroyed.includes(first.keyId), `${first.keyId} destroyed: ${destroyed.join(', ')}`);
    // … then the lease returns to A, whose memory still holds that key: what A writes is the file as B left it.
    holder = 'A';
    a.ensureAhead(spentAt + 2 * HOUR);
    const files = readdirSync(keyDir).filter((n) => n.startsWith('message-keys-'));
    assert.equal(files.length, 1, files.join(', '));
    const file = readFileSync(join(keyDir, files[0]!), 'utf8');
    assert.ok(!file.includes(first.keyId), `the destroyed key ${first.keyId} is back in ${files[0]}`);
    assert.ok(file.includes(second.keyId), `the key in use ${second.keyId} was kept`);
    const reopened = PayloadKeys.open({ ...options, role: 'reader' }, spentAt);
    assert.equal(reopened.openingKey(first.keyId), null);
    assert.equal(
      new PayloadCipher(reopened).openWhole('msg_2', second.keyId, second.sealed, 3).toString(),
      'hai',
    );
  } finally {
    rmSync(keyDir, { recursive: true, force: true });
  }
});
