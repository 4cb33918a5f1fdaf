import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { type AdminHarness, openAdminHarness } from './helpers/admin-api.ts';
import { storeKinds } from './helpers/stores.ts';

// biome-ignore lint/suspicious/noExplicitAny: JSON bodies read in assertions
type Json = Record<string, any>;

/*
 * Issue 11: a Vietnamese operator searches a list with or without accents, in any case — `so tu phap`,
 * `SỞ TƯ PHÁP` and `Sở Tư pháp` all find "Sở Tư pháp tỉnh An Giang". One SQL function, `lgsp_fold` (migration
 * 0024), folds the column and the searched text alike (src/store/paging.ts), on PGlite and PostgreSQL.
 */

const VOWELS = 'aăâeêioôơuưy';
const TONES = ['', '\u0300', '\u0301', '\u0309', '\u0303', '\u0323'];
/** The plain base letter of a Vietnamese letter, worked out by Unicode decomposition (the test's own oracle). */
const plain = (text: string) =>
  text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[đĐ]/g, 'd')
    .toLowerCase();
/** Every letter of the Vietnamese alphabet with every tone, small and capital, precomposed (NFC). */
const ALPHABET = [
  ...[...VOWELS].flatMap((v) => TONES.map((t) => `${v}${t}`.normalize('NFC'))),
  ...'bcdđghklmnpqrstvx',
].flatMap((c) => [c, c.toUpperCase()]);

const ORGANIZATIONS: Array<[string, string]> = [
  ['000.00.31.H01', 'Sở Tư pháp tỉnh An Giang'],
  ['000.00.32.H01', 'Sở Thông tin và Truyền thông'],
  ['000.00.33.H01', 'Đài Phát thanh và Truyền hình An Giang'],
  ['000.00.34.H01', 'Ban Quản lý dự án 100% vốn'],
];

for (const kind of storeKinds) {
  describe(`search without regard to case or Vietnamese accents (${kind})`, () => {
    let h: AdminHarness;

    before(async () => {
      h = await openAdminHarness(kind);
      for (const [code, name] of ORGANIZATIONS) {
        const res = await h.call('POST', '/api/v1/organizations', {
          code,
          name,
          contact: { name: 'Nguyễn Văn A', email: 'dau-moi@angiang.gov.vn' },
        });
        assert.equal(res.statusCode, 201, res.body);
      }
    });
    after(async () => {
      await h?.dispose();
    });

    const fold = async (text: string): Promise<string> => {
      const { rows } = await sql<{ folded: string }>`SELECT lgsp_fold(${text}) AS folded`.execute(h.store.db);
      return rows[0]!.folded;
    };

    test('lgsp_fold: every Vietnamese letter, small or capital, precomposed or decomposed, to its plain base', async () => {
      const word = ALPHABET.join('');
      assert.equal(await fold(word), plain(word), 'precomposed (NFC)');
      assert.equal(
        await fold(word.normalize('NFD')),
        plain(word),
        'decomposed (NFD), as some keyboards type',
      );
      assert.equal(await fold('SỞ TƯ PHÁP Đồng Tháp'), 'so tu phap dong thap', 'a name');
      // Text outside the alphabet is left as it was, but for ASCII case.
      assert.equal(
        await fold('Mã 000.00.31.H01 — 100% _X_ \\'),
        'ma 000.00.31.h01 — 100% _x_ \\',
        'other text',
      );
    });

    const search = async (q: string): Promise<string[]> => {
      const res = await h.call('GET', `/api/v1/organizations?q=${encodeURIComponent(q)}&sort=code`);
      assert.equal(res.statusCode, 200, res.body);
      const body = res.json() as Json;
      assert.equal(body['total'], body['items'].length, `total agrees for ${q}`);
      return body['items'].map((o: Json) => o['name'] as string);
    };

    test('so tu phap, SỞ TƯ PHÁP and Sở Tư pháp each find "Sở Tư pháp tỉnh An Giang", and nothing else', async () => {
      for (const q of [
        'so tu phap',
        'SỞ TƯ PHÁP',
        'Sở Tư pháp',
        'SO TU PHAP',
        'sở tư pháp',
        'Sở Tư pháp'.normalize('NFD'),
      ]) {
        assert.deepEqual(await search(q), ['Sở Tư pháp tỉnh An Giang'], q);
      }
      assert.deepEqual(await search('tinh an giang'), ['Sở Tư pháp tỉnh An Giang'], 'tinh an giang');
    });

    test('đ and Đ are d; a word found in several names finds them all', async () => {
      assert.deepEqual(await search('dai phat thanh'), ['Đài Phát thanh và Truyền hình An Giang']);
      assert.deepEqual(await search('ĐÀI'), ['Đài Phát thanh và Truyền hình An Giang']);
      assert.deepEqual(await search('du an'), ['Ban Quản lý dự án 100% vốn']);
      assert.deepEqual(await search('truyen'), [
        'Sở Thông tin và Truyền thông',
        'Đài Phát thanh và Truyền hình An Giang',
      ]);
      assert.deepEqual(await search('AN GIANG'), [
        'Sở Tư pháp tỉnh An Giang',
        'Đài Phát thanh và Truyền hình An Giang',
      ]);
    });

    test("names sort as a Vietnamese reader expects: Đ among the D's, not after Z", async () => {
      for (const [code, name] of [
        ['000.00.35.H01', 'Điện lực An Giang'],
        ['000.00.36.H01', 'Zalo An Giang'],
        ['000.00.37.H01', 'Du lịch An Giang'],
      ]) {
        const res = await h.call('POST', '/api/v1/organizations', {
          code,
          name,
          contact: { name: 'Nguyễn Văn A', email: 'dau-moi@angiang.gov.vn' },
        });
        assert.equal(res.statusCode, 201, res.body);
      }
      const names = async (sort: string) => {
        const res = await h.call(
          'GET',
          `/api/v1/organizations?q=${encodeURIComponent('an giang')}&sort=${sort}`,
        );
        assert.equal(res.statusCode, 200, res.body);
        return (res.json() as Json)['items'].map((o: Json) => o['name'] as string);
      };
      const ascending = [
        'Đài Phát thanh và Truyền hình An Giang',
        'Điện lực An Giang',
        'Du lịch An Giang',
        'Sở Tư pháp tỉnh An Giang',
        'Zalo An Giang',
      ];
      assert.deepEqual(await names('name'), ascending);
      assert.deepEqual(await names('-name'), [...ascending].reverse(), 'descending, the same order reversed');
    });

    test('%, _ and \\ are still taken literally; a code is found in any case', async () => {
      assert.deepEqual(await search('100%'), ['Ban Quản lý dự án 100% vốn']);
      assert.deepEqual(await search('%'), ['Ban Quản lý dự án 100% vốn']);
      assert.deepEqual(await search('_'), []);
      assert.deepEqual(await search('\\'), []);
      assert.deepEqual(await search('31.h01'), ['Sở Tư pháp tỉnh An Giang']);
    });
  });
}
