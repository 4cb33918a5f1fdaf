import { type Kysely, sql } from 'kysely';
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
 * bumped — so a busy node loses none (no queue, no batch). Failures that name no account, and refusals while an
 * account is locked, are folded (`recordSignIn`). Not the audit trail: that bumps the config revision.
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

/**
 * Failed attempts that name no account — a typed name no account has (not kept, above), an SSO callback refused
 * before the provider named anyone — are what anyone on the internet can send, from many addresses, forever. Each
 * is folded into one row per hour, source address, method, outcome and reason, which counts them (`attempts`) and
 * keeps the first and the last time; and at most `SIGN_IN_FOLDED_ROWS_PER_HOUR` such rows are opened an hour —
 * beyond them the attempts are counted in one summary row of that hour (address `*`) per method, outcome and
 * reason. The history thus grows by a bounded number of rows an hour however many strangers try, the operator still
 * reads when, from where and how many, and an attempt on a real account keeps a row of its own: that is what is
 * investigated — but for refusals while it is locked, folded the same way per account (`hasOwnRow`).
 */
export const SIGN_IN_FOLD_WINDOW_MS = 3_600_000;
export const SIGN_IN_FOLDED_ROWS_PER_HOUR = 100;
/** The address of an hour's summary row: the attempts beyond the bound, from whichever addresses. */
export const SIGN_IN_OVERFLOW_ADDRESS = '*';

/** Where an attempt went: a row of its own, folded into its address's row, or into the hour's summary row. */
export type SignInRecorded = 'row' | 'folded' | 'overflow';

/**
 * The row an attempt folds into: its hour, method, outcome, reason, address — and the account's name for a refusal
 * while locked (below), so each account keeps rows of its own.
 */
function foldKey(
  windowStartMs: number,
  attempt: SignInAttempt,
  address: string,
  username: string | null,
): string {
  return [
    new Date(windowStartMs).toISOString(),
    attempt.method,
    attempt.outcome,
    attempt.reason ?? '',
    address,
    username ?? '',
  ].join('|');
}

/**
 * Whether an attempt is a row of its own: a success, and a failure on a real account — except a refusal while locked
 * (`locked`). That one checked no password: the lock refuses before it, at once, as often as it is asked, and nothing
 * else bounds how often (the §2.5 limits slow the guesses, and a locked account's are all refused). One row each let
 * whoever knows an account's name write rows kept two years as fast as the port answers; folded per hour, address and
 * account, the history still says who was tried, from where, when and how many times.
 */
function hasOwnRow(attempt: SignInAttempt, username: string | null): boolean {
  if (attempt.outcome === 'success') return true;
  return attempt.outcome !== 'locked' && (username !== null || attempt.userId !== null);
}

export async function recordSignIn(
  db: Kysely<Database>,
  attempt: SignInAttempt,
  at: Date,
): Promise<SignInRecorded> {
  const username = keptName(attempt);
  const address = attempt.client.address.slice(0, 100);
  const row = {
    at,
    username,
    user_id: attempt.userId,
    method: attempt.method,
    outcome: attempt.outcome,
    reason: attempt.reason ?? null,
    address,
    user_agent: (attempt.client.userAgent ?? '').slice(0, SIGN_IN_USER_AGENT_MAX),
  };
  if (hasOwnRow(attempt, username)) {
    await db.insertInto('sign_ins').values(row).execute();
    return 'row';
  }
  const windowStartMs = Math.floor(at.getTime() / SIGN_IN_FOLD_WINDOW_MS) * SIGN_IN_FOLD_WINDOW_MS;
  const own = foldKey(windowStartMs, attempt, address, username);
  // The address's row of this hour, when it has one: one more attempt on it.
  const bumped = await db
    .updateTable('sign_ins')
    .set({ attempts: sql`attempts + 1`, last_at: at })
    .where('fold_key', '=', own)
    .executeTakeFirst();
  if (Number(bumped.numUpdatedRows) > 0) return 'folded';
  // A new address this hour: its own row while the hour has fewer than the bound (the `at` index bounds the count
  // to this hour's rows). One opening at a time, on every node sharing the store, under an advisory lock held to the
  // end of the transaction: concurrent strangers (ten at once in test/sign-ins, on PostgreSQL) each opened one past
  // the bound when the count and the insert were two free steps.
  const open = async (tx: Kysely<Database>): Promise<SignInRecorded> => {
    await sql`SELECT pg_advisory_xact_lock(5207300013)`.execute(tx);
    const opened = await tx
      .selectFrom('sign_ins')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('at', '>=', new Date(windowStartMs))
      .where('at', '<', new Date(windowStartMs + SIGN_IN_FOLD_WINDOW_MS))
      .where('fold_key', 'is not', null)
      .where('address', '!=', SIGN_IN_OVERFLOW_ADDRESS)
      .executeTakeFirstOrThrow();
    const overflow = Number(opened.n) >= SIGN_IN_FOLDED_ROWS_PER_HOUR;
    const key = overflow ? foldKey(windowStartMs, attempt, SIGN_IN_OVERFLOW_ADDRESS, username) : own;
    await tx
      .insertInto('sign_ins')
      .values({
        ...row,
        address: overflow ? SIGN_IN_OVERFLOW_ADDRESS : address,
        user_agent: overflow ? '' : row.user_agent,
        fold_key: key,
      })
      .onConflict((oc) =>
        oc.column('fold_key').doUpdateSet({ attempts: sql`sign_ins.attempts + 1`, last_at: at }),
      )
      .execute();
    return overflow ? 'overflow' : 'folded';
  };
  // A failed login records its refusal inside the transaction that counts it (Accounts.loginFailed): the lock is then
  // that transaction's.
  return db.isTransaction ? open(db) : db.transaction().execute(open);
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
      attempts: r.attempts,
      lastAt: r.last_at === null ? null : isoOf(r.last_at),
      folded: r.fold_key === null ? null : r.address === SIGN_IN_OVERFLOW_ADDRESS ? 'overflow' : 'address',
    }),
  );
  return { items, nextCursor: rows.length > limit ? String(page[page.length - 1]!.seq) : null };
}
