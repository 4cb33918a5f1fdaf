import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { OPERATIONS } from '../src/api/contract/operations.ts';
import { main } from '../src/cli/main.ts';

/**
 * docs/regulation.md is where an inspector walks the regulation, R-01 … R-27, against a fresh clone: for each
 * requirement what the platform does, where to see it, the docs and the tests. This keeps it true when the repository
 * moves: every requirement has one entry, in order, and every file, anchor, command and operation it names exists.
 * No platform is needed: the commands are checked by asking `lgsp` itself for their help.
 */

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DOCS = join(ROOT, 'docs');
const PAGE = join(DOCS, 'regulation.md');
const page = readFileSync(PAGE, 'utf8');

const REQUIREMENT_IDS = Array.from({ length: 27 }, (_, i) => `R-${String(i + 1).padStart(2, '0')}`);

/** The page's entries: each `### R-nn …` heading with the text up to the next heading. */
function entries(): Array<{ id: string; body: string }> {
  const found: Array<{ id: string; body: string }> = [];
  const sections = page.split(/^(?=#{1,6} )/m);
  for (const section of sections) {
    const id = /^### (R-\d\d)\b/.exec(section)?.[1];
    if (id) found.push({ id, body: section });
  }
  return found;
}

/** The page's text outside fenced code blocks, where links, commands and operations are named. */
function proseOf(markdown: string): string {
  return markdown.replace(/^```[\s\S]*?^```/gm, '');
}

/** GitHub's anchor for a heading: lower case, punctuation dropped (letters of any script kept), spaces → hyphens. */
function slug(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** Every anchor a Markdown file offers: its headings' slugs, repeats numbered as GitHub numbers them. */
function anchorsOf(file: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const [, text] of proseOf(readFileSync(file, 'utf8')).matchAll(/^#{1,6} +(.+?) *#* *$/gm)) {
    const base = slug(text as string);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}

/** What `lgsp` prints and returns for argv, without a platform: only `--help` is ever asked. */
async function lgsp(argv: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const code = await main(argv, {
    out: (text) => {
      out += text;
    },
    err: (text) => {
      out += text;
    },
    env: {},
  });
  return { code, out };
}

describe('docs/regulation.md: the regulation, article by article, stays true', () => {
  test('R-01 … R-27 each have exactly one entry, in order, each naming its docs and its tests', () => {
    const found = entries();
    assert.deepEqual(
      found.map((e) => e.id),
      REQUIREMENT_IDS,
      'the page has one `### R-nn` entry per requirement, R-01 to R-27 in order',
    );
    for (const { id, body } of found) {
      assert.match(body, /\*\*Yêu cầu \/ Requirement\*\*/, `${id}: the requirement in one line`);
      assert.match(body, /\*\*Nền tảng \/ Platform\*\*/, `${id}: what the platform does`);
      assert.match(body, /\*\*Ở đâu \/ Where\*\*/, `${id}: where a person sees or does it`);
      assert.match(body, /\*\*Tài liệu \/ Docs\*\*.*\]\(/, `${id}: a link to the docs with the details`);
      assert.match(
        body,
        /\*\*Kiểm chứng \/ Tests\*\*.*`test\/[\w.-]+\.test\.ts`/,
        `${id}: a test file that proves it`,
      );
    }
  });

  test('every relative link resolves to a file of the repository, and every #anchor to a heading of it', () => {
    const links = [...proseOf(page).matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1] as string);
    assert.ok(links.length >= 27, `links found on the page: ${links.length}`);
    const broken: string[] = [];
    for (const link of links) {
      if (/^[a-z][a-z+.-]*:/i.test(link)) continue; // https:, mailto: — not files of the repository
      const [path = '', anchor] = link.split('#');
      const target = path === '' ? PAGE : resolve(DOCS, decodeURIComponent(path));
      if (relative(ROOT, target).startsWith('..') || !existsSync(target)) {
        broken.push(`${link}: no such file in the repository`);
        continue;
      }
      if (anchor === undefined) continue;
      if (!statSync(target).isFile() || !target.endsWith('.md'))
        broken.push(`${link}: an anchor into a non-Markdown file`);
      else if (!anchorsOf(target).has(decodeURIComponent(anchor)))
        broken.push(`${link}: ${relative(ROOT, target)} has no heading with that anchor`);
    }
    assert.deepEqual(broken, [], 'every link of docs/regulation.md resolves');
  });

  test('every test file named exists', () => {
    const named = new Set([...page.matchAll(/\btest\/[\w.-]+\.test\.ts\b/g)].map((m) => m[0]));
    assert.ok(named.size >= 27, `test files named on the page: ${named.size}`);
    const missing = [...named].filter((file) => !existsSync(join(ROOT, file)));
    assert.deepEqual(missing, [], 'test files named by docs/regulation.md that are not in the repository');
  });

  test('every `lgsp …` command named is one that lgsp knows', async () => {
    const commands = new Set<string>();
    for (const [, text] of proseOf(page).matchAll(/`lgsp ([^`]*)`/g)) {
      if (text === '…') continue; // "`lgsp …` commands" in the introduction: any command, not one
      // The command's words: up to the first option, placeholder or alternative (`--role gateway|…`, `<id>`).
      const words: string[] = [];
      for (const word of (text as string).split(/\s+/)) {
        if (!/^[a-z][a-z-]*$/.test(word)) break;
        words.push(word);
      }
      commands.add(words.join(' '));
    }
    assert.ok(commands.size >= 27, `commands named on the page: ${commands.size}`);
    const overview = (await lgsp(['--help'])).out;
    const unknown: string[] = [];
    for (const command of commands) {
      const words = command.split(' ');
      // Running the platform is not a management command: `lgsp --help` lists those, and asking them for help
      // would load the whole platform.
      if (['start', 'demo', 'cluster'].includes(words[0] ?? '')) {
        if (words.length !== 1 || !new RegExp(`^ +${words[0]} `, 'm').test(overview)) unknown.push(command);
        continue;
      }
      const { code, out } = await lgsp([...words, '--help']);
      // The help names the command as given: an extra word after a single command would be a positional.
      if (code !== 0 || !new RegExp(`lgsp ${command}(\\s|$)`).test(out)) unknown.push(command);
    }
    assert.deepEqual(unknown, [], 'commands named by docs/regulation.md that lgsp does not know');
  });

  test('every console or portal screen named in bold is a menu entry, in the words the menu shows', () => {
    // The menus are declared once, in the console's and the portal's route tables: `vi: '…', en: '…'`.
    const menus = [
      'console/routes-agency.tsx',
      'console/routes-operator.tsx',
      'console/routes-registry.tsx',
      'portal/routes.tsx',
    ]
      .map((file) => readFileSync(join(ROOT, 'web', 'src', file), 'utf8'))
      .join('\n');
    const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const screens = new Set<string>();
    for (const [, line] of page.matchAll(/^- \*\*Ở đâu \/ Where\*\*:(.*)$/gm)) {
      for (const [, screen] of (line as string).matchAll(/\*\*([^*]+)\*\*/g)) screens.add(screen as string);
    }
    assert.ok(screens.size >= 20, `screens named on the page: ${screens.size}`);
    const unknown = [...screens].filter((screen) => {
      const [vi, en] = screen.split(' / ');
      return !en || !new RegExp(`vi: '${literal(vi ?? '')}',\\s*en: '${literal(en)}'`).test(menus);
    });
    assert.deepEqual(unknown, [], 'screens named by docs/regulation.md that no console or portal menu shows');
  });

  test('every admin API operation named (a one-word camelCase name in backticks) is in the contract', () => {
    const named = new Set(
      [...proseOf(page).matchAll(/`([a-z]+(?:[A-Z][a-z0-9]*)+)`/g)].map((m) => m[1] as string),
    );
    assert.ok(named.size >= 27, `operations named on the page: ${named.size}`);
    const unknown = [...named].filter((name) => !Object.hasOwn(OPERATIONS, name));
    assert.deepEqual(
      unknown,
      [],
      'operationIds named by docs/regulation.md that src/api/contract/operations.ts lacks',
    );
  });
});

// The page links from the README, so a reader finds it.
test('README.md links docs/regulation.md', () => {
  const readme = readFileSync(join(dirname(DOCS), 'README.md'), 'utf8');
  assert.match(readme, /\]\(docs\/regulation\.md\)/, 'README.md has a link to docs/regulation.md');
});
