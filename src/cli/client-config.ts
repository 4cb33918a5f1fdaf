import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { UsageError } from './args.ts';

export const DEFAULT_ADMIN_URL = 'http://127.0.0.1:9080';

/** What the client needs from its environment; read in one place, see `clientEnvironment`. */
export interface ClientEnvironment {
  adminUrl: string | undefined;
  adminToken: string | undefined;
  configHome: string;
}

/**
 * The CLI client's own settings, read from the environment here and nowhere else. These are settings of the
 * client on an operator's machine — which platform to talk to, and as whom — not platform settings, which only
 * src/core/config.ts reads (it lists LGSP_ADMIN_URL and LGSP_ADMIN_TOKEN as belonging to another reader).
 */
export function clientEnvironment(env: Record<string, string | undefined> = process.env): ClientEnvironment {
  const xdg = env['XDG_CONFIG_HOME'];
  return {
    adminUrl: env['LGSP_ADMIN_URL'] || undefined,
    adminToken: env['LGSP_ADMIN_TOKEN'] || undefined,
    configHome: xdg ? xdg : join(env['HOME'] || homedir(), '.config'),
  };
}

export interface ClientSettings {
  /** Base URL of the admin API, without a trailing slash. */
  url: string;
  token: string | null;
  tokenSource: 'flag' | 'env' | 'session' | null;
  sessionFile: string;
  /** Set when the saved session for this URL has expired, so the CLI can say so instead of a bare 401. */
  sessionExpired: boolean;
}

export function normalizeUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`--url: địa chỉ không hợp lệ / not a valid URL: ${raw}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`--url: chỉ http(s) / http(s) only: ${raw}`);
  }
  return url.toString().replace(/\/+$/, '');
}

/** --url, else LGSP_ADMIN_URL, else the default; --token, else LGSP_ADMIN_TOKEN, else the saved session. */
export function resolveSettings(
  flags: { url?: string | undefined; token?: string | undefined },
  environment: ClientEnvironment,
  nowMs: number = Date.now(),
): ClientSettings {
  const url = normalizeUrl(flags.url ?? environment.adminUrl ?? DEFAULT_ADMIN_URL);
  const sessionFile = join(environment.configHome, 'lgsp', 'session.json');
  if (flags.token)
    return { url, token: flags.token, tokenSource: 'flag', sessionFile, sessionExpired: false };
  if (environment.adminToken) {
    return { url, token: environment.adminToken, tokenSource: 'env', sessionFile, sessionExpired: false };
  }
  const saved = readSessions(sessionFile)[url];
  if (saved && Date.parse(saved.expiresAt) > nowMs) {
    return { url, token: saved.token, tokenSource: 'session', sessionFile, sessionExpired: false };
  }
  return { url, token: null, tokenSource: null, sessionFile, sessionExpired: saved !== undefined };
}

export interface SavedSession {
  token: string;
  expiresAt: string;
  username: string;
}

type SessionFile = { sessions: Record<string, SavedSession> };

export function readSessions(file: string): Record<string, SavedSession> {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<SessionFile>;
    return parsed.sessions && typeof parsed.sessions === 'object' ? parsed.sessions : {};
  } catch {
    return {};
  }
}

/**
 * Saves (or, with null, forgets) the session for one URL. The file holds bearer tokens, so it is created 0600
 * in a 0700 directory and replaced atomically, never left half-written or readable by others.
 */
export function writeSession(file: string, url: string, session: SavedSession | null): void {
  const sessions = readSessions(file);
  if (session) sessions[url] = session;
  else delete sessions[url];
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  if (Object.keys(sessions).length === 0) {
    rmSync(file, { force: true });
    return;
  }
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify({ sessions } satisfies SessionFile, null, 2)}\n`, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
}
