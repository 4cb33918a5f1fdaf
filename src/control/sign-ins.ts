import type { Kysely } from 'kysely';
import type {
  OwnSignInQuery,
  SignIn,
  SignInMethod,
  SignInOutcome,
  SignInPage,
  SignInQuery,
} from '../api/contract/index.ts';
import { isoOf } from '../core/time.ts';
import type { Database } from '../store/schema.ts';

/**
 * The sign-in history (R-24, R-20; migrations/0044_sign_ins.sql): one row per attempt to sign in, written by
 * `Accounts` in the request that made it — with the session it opened, or with the brute-force counters a failure
 * bumped — so a busy node loses none (no queue, no batch). Not the audit trail: that bumps the config revision.
 */

/** How much of what the client typed or sent is kept: the username field's own bound, and a User-Agent's. */
export const SIGN_IN_USERNAME_MAX = 100;
export const SIGN_IN_USER_AGENT_MAX = 300;

/** Who tried, how, and what came of it. Never a password or a token: there is no field for one. */
export interface SignInAttempt {
  username: string | null;
  userId: string | null;
  method: SignInMethod;
  outcome: SignInOutcome;
  /** Why single sign-on was refused (the `signin_error` code), else null. */
  reason?: string | null;
  client: SignInClient;
}

/** The client as the brute-force limits see it: the socket's address, and the User-Agent it sent. */
export interface SignInClient {
  address: string;
  userAgent?: string;
}

/**
 * The name kept of an attempt: as typed when it names an account, or as the identity provider said it (SSO). A typed
 * name no account has is not kept: it is often a password typed into the name box, and the history is read by
 * administrators and auditors for two years (R-25: no secret in a log). The address and the outcome still show a
 * guesser.
 */
function keptName(attempt: SignInAttempt): string | null {
  if (attempt.username === null) return null;
  if (attempt.userId === null && attempt.method !== 'oidc') return null;
  return attempt.username.slice(0, SIGN_IN_USERNAME_MAX);
}

export async function recordSignIn(db: Kysely<Database>, attempt: SignInAttempt, at: Date): Promise<void> {
  await db
    .insertInto('sign_ins')
    .values({
      at,
      username: keptName(attempt),
      user_id: attempt.userId,
      method: attempt.method,
      outcome: attempt.outcome,
      reason: attempt.reason ?? null,
      address: attempt.client.address.slice(0, 100),
      user_agent: (attempt.client.userAgent ?? '').slice(0, SIGN_IN_USER_AGENT_MAX),
    })
    .execute();
}

/**
 * One page of the history, newest first, keyset-paged on its sequence (as the audit trail, docs/api-lists.md): a
 * deep page costs what the first does, and there is no total. `onlyUserId` scopes it to one account's own history.
 */
export async function pageSignIns(
  db: Kysely<Database>,
  query: Partial<SignInQuery> & Partial<OwnSignInQuery>,
  onlyUserId?: string,
): Promise<SignInPage> {
  const limit = query.limit ?? 100;
  let q = db.selectFrom('sign_ins').selectAll();
  if (onlyUserId !== undefined) q = q.where('user_id', '=', onlyUserId);
  if (query.username) q = q.where('username', '=', query.username);
  if (query.userId) q = q.where('user_id', '=', query.userId);
  if (query.outcome) q = q.where('outcome', '=', query.outcome);
  if (query.method) q = q.where('method', '=', query.method);
  if (query.from) q = q.where('at', '>=', new Date(query.from));
  if (query.to) q = q.where('at', '<', new Date(query.to));
  if (query.cursor) q = q.where('seq', '<', Number(query.cursor));
  const rows = await q
    .orderBy('seq', 'desc')
    .limit(limit + 1)
    .execute();
  const page = rows.slice(0, limit);
  const items = page.map(
    (r): SignIn => ({
      id: String(r.seq),
      at: isoOf(r.at),
      username: r.username,
      userId: r.user_id,
      method: r.method as SignInMethod,
      outcome: r.outcome as SignInOutcome,
      reason: r.reason,
      address: r.address,
      userAgent: r.user_agent,
    }),
  );
  return { items, nextCursor: rows.length > limit ? String(page[page.length - 1]!.seq) : null };
}
