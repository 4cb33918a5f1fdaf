import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { type Browser, chromium, type Locator, type Page } from 'playwright-core';
import { VIETNAM_OFFSET_MINUTES } from '../../src/core/time.ts';

/**
 * Browser tests run in Debian's Chromium (`apt-get install -y chromium`), driven by playwright-core — never a
 * downloaded browser. The flags keep it from reaching the network on its own (updates, first-run pages).
 */
export function chromiumPath(): string {
  const fromEnv = process.env['LGSP_TEST_CHROMIUM'];
  if (fromEnv) return fromEnv;
  try {
    const found = execFileSync('which', ['chromium'], { encoding: 'utf8' }).trim();
    if (found) return found;
  } catch {
    // not on PATH; try Debian's location below
  }
  if (existsSync('/usr/bin/chromium')) return '/usr/bin/chromium';
  throw new Error('Chromium not found: apt-get install -y chromium (or set LGSP_TEST_CHROMIUM)');
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-dev-shm-usage',
    ],
  });
}

/** A fresh page (its own cookies) in Vietnam's time zone and language, as an operator in the province sees it. */
export async function openPage(
  browser: Browser,
  baseUrl: string,
  options: { reducedMotion?: 'reduce' | 'no-preference' } = {},
): Promise<Page> {
  const context = await browser.newContext({
    baseURL: baseUrl,
    locale: 'vi-VN',
    // The console formats every time as Vietnam time whatever the machine's zone: test it from another one.
    timezoneId: 'UTC',
    viewport: { width: 1366, height: 900 },
    // As a person who asked for less motion: the console then opens dialogs and menus without animating them
    // (web/src/main.tsx), so that a click never lands on a dialog still moving in — on a loaded machine such a
    // click was seen doing nothing. web.shell checks both ways.
    reducedMotion: options.reducedMotion ?? 'reduce',
    // Only so that the accessibility checker can be injected; the page's own CSP is asserted over HTTP.
    bypassCSP: true,
  });
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  // A screen that never shows what a test waits for often had its API call refused: the refusal, in the log.
  page.on('response', (r) => {
    const path = new URL(r.url()).pathname;
    if (r.status() >= 400 && path.startsWith('/api/'))
      process.stderr.write(`browser: ${r.request().method()} ${path} → ${r.status()}\n`);
  });
  return page;
}

/** Signs `username` in on the console's sign-in page, and waits for the signed-in console (its "Đăng xuất"). */
export async function signIn(page: Page, username: string, password: string): Promise<void> {
  await page.goto('/');
  await page.getByLabel('Tên đăng nhập').fill(username);
  await page.getByLabel('Mật khẩu').fill(password);
  await page.getByRole('button', { name: /Đăng nhập$/ }).click();
  await page.getByRole('button', { name: 'Đăng xuất' }).waitFor();
}

/** Screenshots of the main screens, kept as test artifacts (git-ignored `test-artifacts/`). */
export const ARTIFACTS_DIR = join(import.meta.dirname, '..', '..', 'test-artifacts', 'screens');

/**
 * The picture is an artifact for people, not an assertion: what a test checks is asserted on the page itself. On the
 * loaded 2-core CI machine Chromium once spent the whole 30 s on a full-page capture after its fonts had loaded
 * (web.registry, stop 32), which failed a screen that worked; a capture that does not finish in 15 s is tried once
 * more and then skipped with a line in the log.
 */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const path = join(ARTIFACTS_DIR, `${name}.png`);
  for (let attempt = 1; attempt <= 2; attempt++) {
    try {
      await page.screenshot({ path, fullPage: true, timeout: 15_000 });
      return;
    } catch (error) {
      if (!(error instanceof Error && error.name === 'TimeoutError')) throw error;
    }
  }
  process.stderr.write(`screenshot ${name}: not taken, Chromium did not finish it in 2 × 15 s\n`);
}

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: string[] }>;
}

/**
 * Accessibility basics on the page as it is now (axe-core injected into the page, WCAG 2.x A/AA rules): the
 * violations of impact serious or critical. `@axe-core/playwright` declares Node ≥ 22, so the engine is injected
 * directly.
 */
export async function seriousA11yViolations(page: Page): Promise<AxeViolation[]> {
  // A popup still closing or opening (Ant Design's `*-leave`, `*-appear` and `*-enter` motion classes: a date picker's
  // panel half gone, a toast half faded in with too little contrast) is a frame of an animation: judge the screen a
  // person sees once it has settled.
  await page
    .waitForFunction(
      '!document.querySelector(\'[class*="-leave"], [class*="-appear"], [class*="-enter"]\')',
      null,
      { timeout: 5_000 },
    )
    .catch(() => undefined);
  // The same for a CSS transition under way (a button leaving its loading state fades its text back in: axe caught
  // it at partial opacity on a loaded CI machine): every finite animation of the document has finished. Endless ones
  // (a spinner) are not waited for.
  await page
    .evaluate(`Promise.race([
      Promise.all(document.getAnimations()
        .filter((a) => a.effect && a.effect.getComputedTiming().iterations !== Infinity)
        .map((a) => a.finished.catch(() => undefined))),
      new Promise((settled) => setTimeout(settled, 3000)),
    ])`)
    .catch(() => undefined);
  // Once per document: the console navigates in the page, so the checker injected for its previous screen is there
  // still (parsing its 500 KB again cost ~0.1 s a screen).
  if (!(await page.evaluate('typeof globalThis.axe === "object"')))
    await page.addScriptTag({ content: AXE_SOURCE });
  // The checker runs inside the page; this process has no DOM types, so the page function is typed by hand.
  const violations = await page.evaluate(async () => {
    const scope = globalThis as unknown as {
      axe: { run: (context: unknown, options: unknown) => Promise<{ violations: AxeViolation[] }> };
      document: unknown;
    };
    const result = await scope.axe.run(scope.document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target })),
    }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** Ant Design draws a select's options apart from its (hidden) accessible list box: click the one drawn. */
export async function pickOption(page: Page, text: string | RegExp): Promise<void> {
  const dropdown = page.locator('.ant-select-dropdown:visible');
  const option = dropdown.locator('.ant-select-item-option').filter({ hasText: text }).first();
  // A server-searched list re-renders as its answer arrives: a click that lands mid-render leaves the list open (on a
  // loaded machine, seen in CI). The choice is made once the list has closed; the click is repeated until it does.
  for (let attempt = 1; ; attempt++) {
    await option.click();
    const closed = await dropdown
      .waitFor({ state: 'hidden', timeout: 3_000 })
      .then(() => true)
      .catch(() => false);
    if (closed) return;
    if (attempt === 3)
      throw new Error(`the option ${String(text)} was clicked three times and its list stayed open`);
  }
}

/**
 * Clicks `target` — a dialog's or popconfirm's confirming button — until `reached` is in the state named (visible
 * unless said), at most three clicks 15 s apart. On the loaded 2-core CI machine a click on a button that had just
 * appeared was seen lost now and then (the dialog stayed, no request went out). A click that did land leaves the
 * button loading or gone, so a repeat never acts twice: once `target` is gone the result is awaited, not clicked for.
 */
export async function clickUntil(
  target: Locator,
  reached: Locator,
  state: 'visible' | 'detached' = 'visible',
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    await target.click();
    const done = await reached
      .waitFor({ state, timeout: 15_000 })
      .then(() => true)
      .catch(() => false);
    if (done) return;
    if (!(await target.isVisible())) return reached.waitFor({ state, timeout: 30_000 });
    if (attempt === 3)
      throw new Error(`clicked three times and the page did not reach the next step (${state})`);
  }
}

/**
 * Ticks a checkbox and makes sure it stays ticked. On the loaded CI machine a dialog that had just opened re-rendered
 * under Playwright's click once, and `check()` found the box unticked ("clicking the checkbox did not change its
 * state"): the tick is tried again, at most three times, a moment apart.
 */
export async function tick(checkbox: Locator): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await checkbox.check();
      return;
    } catch (err) {
      if (attempt === 3) throw err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

const two = (n: number) => String(n).padStart(2, '0');

/** The Vietnam wall-clock time `ms` from now, to the minute, as the console's date field reads it and as an instant. */
export function vietnamIn(ms: number): { typed: string; iso: string } {
  const offsetMs = VIETNAM_OFFSET_MINUTES * 60_000;
  const wall = new Date(Math.floor((Date.now() + ms + offsetMs) / 60_000) * 60_000);
  return {
    typed: `${two(wall.getUTCDate())}/${two(wall.getUTCMonth() + 1)}/${wall.getUTCFullYear()} ${two(wall.getUTCHours())}:${two(wall.getUTCMinutes())}`,
    iso: new Date(wall.getTime() - offsetMs).toISOString(),
  };
}

/** Types a `dd/mm/yyyy HH:mm` value into the Ant Design date field labelled `label` and confirms it. */
export async function pickDateTime(page: Page, label: string, typed: string): Promise<void> {
  const field = page.getByLabel(label, { exact: true });
  await field.click();
  await field.fill(typed);
  await field.press('Enter');
}
