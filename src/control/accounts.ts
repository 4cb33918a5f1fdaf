import { randomBytes, scrypt as scryptCb, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import type { Static } from '@sinclair/typebox';
import { type Selectable, sql, type Transaction } from 'kysely';
import {
  type OwnSignInQuery,
  PASSWORD_CHANGE_REASON,
  PASSWORD_MIN_LENGTH,
  type PageOf,
  type PasswordReset,
  type Role,
  type Session,
  type SignInError,
  type SignInMethod,
  type SignInOutcome,
  type SignInPage,
  type SignInQuery,
  type User,
  type UserListItem,
  type UserQuery,
} from '../api/contract/index.ts';
import {
  type BackoffPolicy,
  backoffPolicies,
  blockMs,
  recentFailures,
  THROTTLE_SUBJECT,
  throttledAddress,
} from '../core/backoff.ts';
import type { Clock } from '../core/clock.ts';
import type { Config } from '../core/config.ts';
import { LgspError } from '../core/errors.ts';
import { sha256Hex } from '../core/hashing.ts';
import { newId, newSecret } from '../core/ids.ts';
import type { KeyEncryptionKey } from '../keys/index.ts';
import { byColumn, matchesAny, ordering, pageOf } from '../store/paging.ts';
import { isUniqueViolation, type Store } from '../store/port.ts';
import type { Database } from '../store/schema.ts';
import { auditOf, runChange } from './change.ts';
import { requireOrganization } from './registry/organizations.ts';
import {
  pageSignIns,
  recordSignIn,
  type SignInAttempt,
  type SignInClient,
  type SignInRecorded,
} from './sign-ins.ts';

const audit = auditOf('user');

const scrypt = promisify(scryptCb) as (pw: string, salt: Buffer, len: number) => Promise<Buffer>;

/** Passwords of people are low-entropy, so they get scrypt with a salt (unlike machine secrets: SHA-256). */
async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scrypt(password, salt, 32);
  return `scrypt$${salt.toString('base64url')}$${hash.toString('base64url')}`;
}

async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const actual = await scrypt(password, Buffer.from(salt, 'base64url'), expected.length);
  return timingSafeEqual(actual, expected);
}

/**
 * What is wrong with a new password, or null: the one rule for every way a password is set (an account created,
 * changed by its owner). The API's schema says the same (`NewPassword`); this holds for callers that bypass it.
 */
export function passwordProblem(password: string, field = 'password'): string | null {
  return password.length < PASSWORD_MIN_LENGTH
    ? `${field}: ≥ ${PASSWORD_MIN_LENGTH} ký tự / characters`
    : null;
}

/** A password the platform chooses (first start, a reset, the offline recovery): ~119 bits, shown once. */
export function generatePassword(): string {
  return newSecret().slice(0, 20);
}

/** Human accounts of the admin API and their bearer sessions (tokens stored as SHA-256 only). */
export class Accounts {
  private readonly userPolicy: BackoffPolicy;
  private readonly addressPolicy: BackoffPolicy;
  private lastSweepMs = 0;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly sessionTtlHours: number,
    limits: Config['limits'],
    /** Keys the digest of typed names no account has in the login counters (`THROTTLE_SUBJECT`). */
    private readonly kek: KeyEncryptionKey,
  ) {
    const policies = backoffPolicies(limits);
    this.userPolicy = policies.loginUser;
    this.addressPolicy = policies.loginAddress;
  }

  async hasOperator(): Promise<boolean> {
    const row = await this.store.db
      .selectFrom('users')
      .select('id')
      .where('role', '=', 'operator_admin')
      .executeTakeFirst();
    return row !== undefined;
  }

  /**
   * On first start there is no operator: create `admin` with the configured password, or with a generated one
   * that the caller prints once. Returns the generated password, or null when none was needed or generated. A
   * generated password has been on a terminal (and maybe in a service's log): like a reset one, it opens nothing
   * but changing it. One the operator configured (`LGSP_ADMIN_PASSWORD`) is theirs already.
   */
  async ensureOperator(
    configuredPassword: string,
  ): Promise<{ username: string; generatedPassword: string | null } | null> {
    if (await this.hasOperator()) return null;
    const generatedPassword = configuredPassword ? null : generatePassword();
    await this.createUser(
      {
        username: 'admin',
        displayName: 'Quản trị viên Sở TT&TT',
        password: configuredPassword || generatedPassword!,
        role: 'operator_admin',
        organizationId: null,
        mustChangePassword: generatedPassword !== null,
      },
      'system:first-start',
    );
    return { username: 'admin', generatedPassword };
  }

  async createUser(
    input: {
      username: string;
      displayName: string;
      password: string;
      role: Role;
      organizationId: string | null;
      /** The password was chosen by someone else than the user (the first start's generated one, an operator's). */
      mustChangePassword?: boolean;
    },
    actor: string,
  ): Promise<User> {
    // An agency user acts for exactly one organization; operator staff and auditors for none in particular.
    if ((input.role === 'agency') !== (input.organizationId !== null)) {
      throw new LgspError(
        'API_VALIDATION_FAILED',
        'organizationId: bắt buộc với vai trò agency, không dùng với vai trò khác / required for role agency only',
      );
    }
    const problem = passwordProblem(input.password);
    if (problem) throw new LgspError('API_VALIDATION_FAILED', problem);
    if (input.organizationId) await requireOrganization(this.store.db, input.organizationId);
    const passwordHash = await hashPassword(input.password);
    const id = await runChange(this.store, this.clock, async (trx, now) => {
      const id = newId('usr', now.getTime());
      await trx
        .insertInto('users')
        .values({
          id,
          username: input.username,
          display_name: input.displayName,
          password_hash: passwordHash,
          role: input.role,
          organization_id: input.organizationId,
          created_at: now,
          must_change_password: input.mustChangePassword === true,
        })
        .execute();
      return {
        result: id,
        events: [audit(actor, 'create', id, { username: input.username, role: input.role })],
      };
    }).catch((err) => {
      throw isUniqueViolation(err) ? new LgspError('CP_USER_EXISTS', input.username) : err;
    });
    return {
      id,
      username: input.username,
      displayName: input.displayName,
      role: input.role,
      organizationId: input.organizationId,
    };
  }

  /** One page of users (issue 11), by username by default, searched by username and display name. */
  async listUsers(query: Static<typeof UserQuery>): Promise<PageOf<UserListItem>> {
    let q = this.store.db
      .selectFrom('users')
      .select(['id', 'username', 'display_name', 'role', 'organization_id'])
      // A temporary password not changed yet (§2.11); an SSO-only account has no password here, so never one.
      .select((eb) =>
        eb
          .and([eb('must_change_password', '=', true), eb('password_hash', 'is not', null)])
          .as('temporary_password'),
      );
    if (query.role) q = q.where('role', '=', query.role);
    if (query.organizationId) q = q.where('organization_id', '=', query.organizationId);
    const search = query.q;
    if (search) q = q.where((eb) => matchesAny(eb, ['username', 'display_name'], search));
    const order = ordering(
      query.sort,
      'username',
      { username: byColumn('username'), createdAt: byColumn('created_at') },
      'id',
    );
    const { rows, total } = await pageOf(q, query, order);
    // The page's own sign-in lockouts (R-24): what the operator unlocks. Failures older than the counting window
    // no longer count (`recentFailures`, as `countAttempt` restarts them); a block in the past locks nothing.
    const nowMs = this.clock.nowMs();
    const throttled =
      rows.length === 0
        ? []
        : await this.store.db
            .selectFrom('login_throttle')
            .select(['subject', 'failures', 'last_failure_at', 'blocked_until'])
            .where(
              'subject',
              'in',
              rows.map((r) => THROTTLE_SUBJECT.account + r.username),
            )
            .execute();
    const bySubject = new Map(throttled.map((t) => [t.subject, t]));
    const items = rows.map((r): UserListItem => {
      const t = bySubject.get(THROTTLE_SUBJECT.account + r.username);
      const blockedUntilMs = t ? new Date(t.blocked_until).getTime() : 0;
      return {
        ...toUser(r),
        lockedUntil: blockedUntilMs > nowMs ? new Date(blockedUntilMs).toISOString() : null,
        failedSignIns: t
          ? recentFailures(t.failures, new Date(t.last_failure_at).getTime(), nowMs, this.userPolicy)
          : 0,
        mustChangePassword: r.temporary_password === true,
      };
    });
    return { items, total };
  }

  /**
   * Signs in. Brute-force limits (issue 10 item 5): failures are counted per username and per client address in
   * the store (so a restart does not lift a block); once either is blocked every attempt — the right password too
   * — is refused with 429 API_LOGIN_LOCKED and Retry-After, before the password is checked.
   */
  async login(username: string, password: string, client: SignInClient | string = ''): Promise<Session> {
    const from = clientOf(client);
    const row = await this.checkPassword(username, password, from, { method: 'password' });
    const { token, expiresAt } = await this.openSession(row.id, 'bearer', 'password', {
      username,
      method: 'password',
      client: from,
    });
    return {
      token,
      expiresAt: expiresAt.toISOString(),
      user: toUser(row),
      mustChangePassword: row.must_change_password,
    };
  }

  /**
   * Signs in to the web console (issue 11): the same checks and brute-force limits as `login`, but the session
   * is a console one — accepted only from the `lgsp_session` cookie, never as a bearer token, so its unsafe calls
   * always pass the CSRF check.
   */
  async openConsoleSession(
    username: string,
    password: string,
    client: SignInClient | string = '',
  ): Promise<ConsoleSession> {
    const from = clientOf(client);
    const row = await this.checkPassword(username, password, from, { method: 'console' });
    return {
      ...(await this.openSession(row.id, 'console', 'password', {
        username,
        method: 'console',
        client: from,
      })),
      user: toUser(row),
      mustChangePassword: row.must_change_password,
    };
  }

  /**
   * The user row when the password is right and the user may sign in; else records the refusal in the sign-in
   * history and throws — the failure was counted before the password was checked (`countAttempt`). `attempt` says how the password was typed: to sign
   * in (the method), or to change it (the session's method and `PASSWORD_CHANGE_REASON`).
   */
  private async checkPassword(
    username: string,
    password: string,
    client: SignInClient,
    attempt: Pick<SignInAttempt, 'method' | 'reason'>,
  ) {
    const address = client.address;
    const nowMs = this.clock.nowMs();
    // Read first, for the counters' subject: the answer below is the same whether an account has the name or not.
    const row = await this.store.db
      .selectFrom('users')
      .selectAll()
      .where('username', '=', username)
      .executeTakeFirst();
    const userSubject = row ? THROTTLE_SUBJECT.account + username : this.typedNameSubject(username);
    const addressSubject = THROTTLE_SUBJECT.address + throttledAddress(address);
    const counted = await this.countAttempt(userSubject, addressSubject, nowMs);
    if (counted.blockedUntilMs > nowMs) {
      // Who was refused, when the name is an account's.
      this.counted(
        await recordSignIn(
          this.store.db,
          { ...attempt, username, userId: row?.id ?? null, outcome: 'locked', client },
          new Date(nowMs),
        ),
      );
      const retryAfterSeconds = Math.ceil((counted.blockedUntilMs - nowMs) / 1000);
      throw new LgspError(
        'API_LOGIN_LOCKED',
        `thử lại sau ${retryAfterSeconds} giây / retry after ${retryAfterSeconds} s`,
        { retryAfterSeconds },
      );
    }
    // Verify against a dummy hash when the user does not exist (or signs in only through OIDC), so timing does
    // not tell which names exist. A disabled user fails alike: the answer does not say the account exists.
    const ok = await verifyPassword(password, row?.password_hash ?? DUMMY_HASH);
    if (!row || !ok || row.disabled_at !== null) {
      // What the history says; the answer below says none of it (the same for every failure). The failure itself
      // was counted before the check (`countAttempt`).
      const outcome: SignInOutcome = !row
        ? 'unknown_user'
        : row.disabled_at !== null
          ? 'disabled'
          : row.password_hash === null
            ? 'password_not_set'
            : 'wrong_password';
      this.counted(
        await recordSignIn(
          this.store.db,
          { ...attempt, username, userId: row?.id ?? null, outcome, client },
          new Date(nowMs),
        ),
      );
      throw new LgspError('API_LOGIN_FAILED');
    }
    await this.settleSuccess(userSubject, addressSubject, counted.address);
    return row;
  }

  /**
   * The counters' subject of a typed name no account has: its keyed digest, never the text — such a name is often a
   * password typed into the name box, and the table is in every backup (R-25). Counted all the same, so a name
   * locks out alike whether an account has it or not.
   */
  private typedNameSubject(username: string): string {
    return THROTTLE_SUBJECT.typedName + this.kek.digest(username, 'login_throttle.subject');
  }

  /** A new session of the user; only the token's SHA-256 is stored, the token is returned once. */
  private async openSession(
    userId: string,
    kind: 'bearer' | 'console',
    signedInWith: 'password' | 'oidc',
    signIn: Pick<SignInAttempt, 'username' | 'method' | 'client'>,
  ): Promise<{ token: string; expiresAt: Date }> {
    const nowMs = this.clock.nowMs();
    const token = `lgsp_${newSecret()}`;
    const expiresAt = new Date(nowMs + this.sessionTtlHours * 3_600_000);
    // The session and its line in the sign-in history, together: no session without its record.
    await this.store.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('sessions')
        .values({
          token_sha256: sha256Hex(token),
          user_id: userId,
          created_at: new Date(nowMs),
          expires_at: expiresAt,
          kind,
          signed_in_with: signedInWith,
        })
        .execute();
      await recordSignIn(trx, { ...signIn, userId, outcome: 'success' }, new Date(nowMs));
    });
    return { token, expiresAt };
  }

  /**
   * Records an attempt the accounts did not see through (a single sign-on the platform refused before or after
   * asking the accounts: the provider denied it, no claim rule matched, the user is disabled).
   */
  async recordSignIn(attempt: SignInAttempt): Promise<void> {
    this.counted(await recordSignIn(this.store.db, attempt, new Date(this.clock.nowMs())));
  }

  /**
   * Failed sign-ins that named no account and came beyond the hour's bound of rows (control/sign-ins.ts), since this
   * process started: counted in the hour's summary row, and here for `lgsp_sign_ins_overflow_total`.
   */
  get signInsOverflowed(): number {
    return this.overflowed;
  }

  private overflowed = 0;

  private counted(recorded: SignInRecorded): void {
    if (recorded === 'overflow') this.overflowed++;
  }

  /** One page of the sign-in history (operators, auditors), newest first. */
  async pageSignIns(query: SignInQuery): Promise<SignInPage> {
    return pageSignIns(this.store.db, query);
  }

  /** One page of the user's own sign-in history: attempts on their account, newest first. */
  async pageOwnSignIns(userId: string, query: OwnSignInQuery): Promise<SignInPage> {
    return pageSignIns(this.store.db, query, userId);
  }

  /**
   * Counts this attempt as a failure of the username and of the address **before** its password is checked — unless
   * either is blocked: then nothing is counted and the block's end is returned. Read and counted under a lock on both
   * subjects (every node sharing the store takes it), so attempts sent at once are counted one after another: each
   * sees the failures of those before it, and the one past the free failures is refused exactly as if they had come
   * in turn. Counted after the check (as it was), every attempt of a burst read "not blocked" before any failure was
   * written: 40 passwords sent at once were all tried, the right one among them signed in. A success gives its count
   * back (`settleSuccess`).
   */
  private async countAttempt(
    userSubject: string,
    addressSubject: string,
    nowMs: number,
  ): Promise<AttemptCounted> {
    const now = new Date(nowMs);
    return this.store.db.transaction().execute(async (trx) => {
      await lockThrottleSubjects(trx, [userSubject, addressSubject]);
      const rows = await trx
        .selectFrom('login_throttle')
        .selectAll()
        .where('subject', 'in', [userSubject, addressSubject])
        .execute();
      const blockedUntilMs = Math.max(0, ...rows.map((r) => new Date(r.blocked_until).getTime()));
      if (blockedUntilMs > nowMs) return { blockedUntilMs, address: null };
      let address: AttemptCounted['address'] = null;
      for (const [subject, policy] of [
        [userSubject, this.userPolicy],
        [addressSubject, this.addressPolicy],
      ] as const) {
        const before = rows.find((r) => r.subject === subject) ?? null;
        // Failures older than the window are forgotten: this one starts a new count.
        const failures =
          (before
            ? recentFailures(before.failures, new Date(before.last_failure_at).getTime(), nowMs, policy)
            : 0) + 1;
        const block = blockMs(failures, policy);
        const previousBlockMs = before ? new Date(before.blocked_until).getTime() : nowMs;
        const blockedUntil = new Date(block > 0 ? Math.max(previousBlockMs, nowMs + block) : previousBlockMs);
        const counted = { failures, last_failure_at: now, blocked_until: blockedUntil };
        await trx
          .insertInto('login_throttle')
          .values({ subject, ...counted })
          .onConflict((oc) => oc.column('subject').doUpdateSet(counted))
          .execute();
        if (subject === addressSubject) address = { before, counted };
      }
      // Subjects with no failure for a whole window and no block left are forgotten (at most once a minute), so
      // made-up usernames do not pile up.
      if (nowMs - this.lastSweepMs >= 60_000) {
        this.lastSweepMs = nowMs;
        await trx
          .deleteFrom('login_throttle')
          .where('last_failure_at', '<', new Date(nowMs - this.userPolicy.windowMs))
          .where('blocked_until', '<', now)
          .execute();
      }
      return { blockedUntilMs: 0, address };
    });
  }

  /**
   * The right password: the username's failures are forgotten, and the address gets back the failure counted for
   * this attempt — as it was before it when nothing came since; else one failure fewer, and the later attempts'
   * blocks stand (one known password must not wipe a spray from the same address).
   */
  private async settleSuccess(
    userSubject: string,
    addressSubject: string,
    address: AttemptCounted['address'],
  ): Promise<void> {
    await this.store.db.transaction().execute(async (trx) => {
      await lockThrottleSubjects(trx, [userSubject, addressSubject]);
      await trx.deleteFrom('login_throttle').where('subject', '=', userSubject).execute();
      if (!address) return;
      const now = await trx
        .selectFrom('login_throttle')
        .selectAll()
        .where('subject', '=', addressSubject)
        .executeTakeFirst();
      if (!now) return;
      const untouched =
        now.failures === address.counted.failures &&
        new Date(now.blocked_until).getTime() === address.counted.blocked_until.getTime();
      if (untouched && !address.before) {
        await trx.deleteFrom('login_throttle').where('subject', '=', addressSubject).execute();
      } else if (untouched && address.before) {
        const { failures, last_failure_at, blocked_until } = address.before;
        await trx
          .updateTable('login_throttle')
          .set({ failures, last_failure_at, blocked_until })
          .where('subject', '=', addressSubject)
          .execute();
      } else {
        await trx
          .updateTable('login_throttle')
          .set({ failures: Math.max(0, now.failures - 1) })
          .where('subject', '=', addressSubject)
          .execute();
      }
    });
  }

  /**
   * An operator lifts a lockout (`lgsp user unlock`): the username's failures are forgotten, and the address's
   * too when one is given. Audited; returns whether anything was blocked or counted.
   */
  async unlock(username: string, address: string | null, actor: string): Promise<{ cleared: number }> {
    // Both of a name's subjects: the account's, and its digest from failures before the account had the name.
    const subjects = [
      THROTTLE_SUBJECT.account + username,
      this.typedNameSubject(username),
      ...(address ? [THROTTLE_SUBJECT.address + throttledAddress(address)] : []),
    ];
    return runChange(this.store, this.clock, async (trx) => {
      const deleted = await trx.deleteFrom('login_throttle').where('subject', 'in', subjects).execute();
      const cleared = deleted.reduce((n, d) => n + Number(d.numDeletedRows), 0);
      return {
        result: { cleared },
        events: [audit(actor, 'unlock', username, { username, address, cleared })],
      };
    });
  }

  /**
   * A signed-in person changes their own password. The current password is checked exactly as a sign-in is, under
   * the same brute-force counters (a wrong one counts as a failure; while locked, even the right one is refused),
   * so a session left open is not a way to take the account over — and a refusal is in the account's sign-in
   * history, where its owner and the operator see someone trying it (`PASSWORD_CHANGE_REASON`, by the session's
   * method). Every OTHER session of the user ends in the same change (the one asking stays); audited, never the
   * password.
   */
  async changeOwnPassword(
    input: { userId: string; sessionToken: string | null; currentPassword: string; newPassword: string },
    client: SignInClient | string = '',
    method: SignInMethod = 'password',
  ): Promise<{ sessionsEnded: number }> {
    const user = await this.store.db
      .selectFrom('users')
      .select(['id', 'username', 'password_hash'])
      .where('id', '=', input.userId)
      .executeTakeFirst();
    if (!user) throw new LgspError('API_UNAUTHORIZED');
    if (user.password_hash === null) throw new LgspError('API_PASSWORD_NOT_LOCAL', user.username);
    const problem = passwordProblem(input.newPassword, 'newPassword');
    if (problem) throw new LgspError('API_VALIDATION_FAILED', problem);
    try {
      await this.checkPassword(user.username, input.currentPassword, clientOf(client), {
        method,
        reason: PASSWORD_CHANGE_REASON,
      });
    } catch (err) {
      // Not 401: the session is fine, only the password typed is wrong (a 401 would sign the console out).
      if (err instanceof LgspError && err.code === 'API_LOGIN_FAILED')
        throw new LgspError('API_CURRENT_PASSWORD_WRONG');
      throw err;
    }
    if (input.newPassword === input.currentPassword)
      throw new LgspError(
        'API_VALIDATION_FAILED',
        'newPassword: phải khác mật khẩu hiện tại / must differ from the current password',
      );
    const passwordHash = await hashPassword(input.newPassword);
    const keep = input.sessionToken ? sha256Hex(input.sessionToken) : '';
    return runChange(this.store, this.clock, async (trx) => {
      await trx
        .updateTable('users')
        .set({ password_hash: passwordHash, must_change_password: false })
        .where('id', '=', user.id)
        .execute();
      const ended = await trx
        .deleteFrom('sessions')
        .where('user_id', '=', user.id)
        .where('token_sha256', '!=', keep)
        .executeTakeFirst();
      const sessionsEnded = Number(ended.numDeletedRows);
      return {
        result: { sessionsEnded },
        events: [audit(user.id, 'password_change', user.id, { username: user.username, sessionsEnded })],
      };
    });
  }

  /**
   * Gives a user a new random password (an operator's reset, or `lgsp user reset-password --offline` on the
   * store itself): returned once to the caller and recorded nowhere (the audit says who and when, never the
   * password). Every session of the user ends, the username's sign-in lock is lifted, and the user must change
   * the password after signing in, since someone else has seen it. An SSO-only account has no password to reset.
   */
  async resetPassword(username: string, actor: string): Promise<PasswordReset> {
    const password = generatePassword();
    const passwordHash = await hashPassword(password);
    return runChange(this.store, this.clock, async (trx) => {
      const row = await trx
        .selectFrom('users')
        .select(['id', 'password_hash'])
        .where('username', '=', username)
        .forUpdate()
        .executeTakeFirst();
      if (!row) throw new LgspError('API_NOT_FOUND', `user ${username}`);
      if (row.password_hash === null) throw new LgspError('API_PASSWORD_NOT_LOCAL', username);
      await trx
        .updateTable('users')
        .set({ password_hash: passwordHash, must_change_password: true })
        .where('id', '=', row.id)
        .execute();
      const ended = await trx.deleteFrom('sessions').where('user_id', '=', row.id).executeTakeFirst();
      const unlocked = await trx
        .deleteFrom('login_throttle')
        .where('subject', '=', THROTTLE_SUBJECT.account + username)
        .executeTakeFirst();
      const sessionsEnded = Number(ended.numDeletedRows);
      return {
        result: { username, password, sessionsEnded, mustChangePassword: true as const },
        events: [
          audit(actor, 'password_reset', row.id, {
            username,
            sessionsEnded,
            lockCleared: Number(unlocked.numDeletedRows) > 0,
          }),
        ],
      };
    });
  }

  /** Whether the user must replace a password someone else set (a reset) before doing anything else. */
  async mustChangePassword(userId: string): Promise<boolean> {
    const row = await this.store.db
      .selectFrom('users')
      .select('must_change_password')
      .where('id', '=', userId)
      .executeTakeFirst();
    return row?.must_change_password === true;
  }

  /** The user behind a bearer token, or null if the token is unknown, expired, or not a bearer session. */
  async authenticate(token: string): Promise<User | null> {
    return (await this.sessionOf(token, 'bearer'))?.user ?? null;
  }

  /** The session behind a bearer token (CLI, scripts), or null (unknown, expired, not a bearer session). */
  async authenticateBearer(token: string): Promise<SessionHolder | null> {
    return this.sessionOf(token, 'bearer');
  }

  /** The session behind a console cookie, or null (unknown, expired, not a console session). */
  async authenticateConsole(token: string): Promise<SessionHolder | null> {
    return this.sessionOf(token, 'console');
  }

  /**
   * One query per request: the session joined to its user, so whether the user must change the password comes
   * with it — read fresh on every call, so a change clears it at once and a reset (which ends every session of
   * the user) needs nothing cached to be forgotten.
   */
  private async sessionOf(token: string, kind: 'bearer' | 'console'): Promise<SessionHolder | null> {
    const row = await this.store.db
      .selectFrom('sessions')
      .innerJoin('users', 'users.id', 'sessions.user_id')
      .selectAll('users')
      .select(['sessions.expires_at', 'sessions.signed_in_with'])
      .where('sessions.token_sha256', '=', sha256Hex(token))
      .where('sessions.kind', '=', kind)
      .where('users.disabled_at', 'is', null)
      .executeTakeFirst();
    if (!row || new Date(row.expires_at).getTime() <= this.clock.nowMs()) return null;
    return {
      user: toUser(row),
      signedInWith: row.signed_in_with,
      // A single sign-on session proved who it is at the identity provider: it has no password here to change.
      mustChangePassword: row.must_change_password && row.signed_in_with === 'password',
    };
  }

  /** Ends one session (bearer or console): the token is no longer accepted anywhere. */
  async logout(token: string): Promise<void> {
    await this.store.db.deleteFrom('sessions').where('token_sha256', '=', sha256Hex(token)).execute();
  }

  /**
   * Disables a user (R-24, someone who left or changed post): every session of theirs ends in the same change, and
   * neither a password nor the identity provider signs them in again. Audited; disabling twice changes nothing.
   */
  async disableUser(username: string, actor: string): Promise<User> {
    return runChange(this.store, this.clock, async (trx, now) => {
      const row = await trx
        .selectFrom('users')
        .selectAll()
        .where('username', '=', username)
        .forUpdate()
        .executeTakeFirst();
      if (!row) throw new LgspError('API_NOT_FOUND', `user ${username}`);
      if (row.id === actor)
        throw new LgspError(
          'API_VALIDATION_FAILED',
          'không thể tự vô hiệu hóa tài khoản của mình / you cannot disable your own account',
        );
      const ended = await trx.deleteFrom('sessions').where('user_id', '=', row.id).executeTakeFirst();
      if (row.disabled_at !== null) return { result: toUser(row), events: [] };
      await trx.updateTable('users').set({ disabled_at: now }).where('id', '=', row.id).execute();
      return {
        result: toUser(row),
        events: [audit(actor, 'disable', row.id, { username, sessionsEnded: Number(ended.numDeletedRows) })],
      };
    });
  }

  /**
   * Signs in a person the identity provider vouched for (issue 11, OIDC SSO): the local user linked to the
   * provider's `iss` + `sub` is created on the first sign-in and given the role and organization the claim rules
   * chose on every later one (both audited), then a console session is opened. The organization is named by its
   * official code (e.g. `000.00.12.H01`); an unknown code or a disabled user refuses the sign-in.
   */
  async signInWithOidc(
    identity: OidcIdentity,
    client: SignInClient = { address: '' },
  ): Promise<ConsoleSession> {
    const actor = `oidc:${identity.issuer}`;
    const user = await runChange(this.store, this.clock, async (trx, now) => {
      let organizationId: string | null = null;
      if (identity.organizationCode !== null) {
        const org = await trx
          .selectFrom('organizations')
          .select('id')
          .where('code', '=', identity.organizationCode)
          .executeTakeFirst();
        if (!org) throw new OidcSignInRefused('organization_unknown');
        organizationId = org.id;
      }
      const linked = await trx
        .selectFrom('users')
        .selectAll()
        .where('oidc_issuer', '=', identity.issuer)
        .where('oidc_subject', '=', identity.subject)
        .forUpdate()
        .executeTakeFirst();
      if (linked) {
        if (linked.disabled_at !== null)
          throw new OidcSignInRefused('user_disabled', { username: linked.username, userId: linked.id });
        const changed =
          linked.role !== identity.role ||
          linked.organization_id !== organizationId ||
          linked.display_name !== identity.displayName;
        const user = {
          ...toUser(linked),
          role: identity.role,
          organizationId,
          displayName: identity.displayName,
        };
        if (!changed) return { result: user, events: [] };
        await trx
          .updateTable('users')
          .set({ role: identity.role, organization_id: organizationId, display_name: identity.displayName })
          .where('id', '=', linked.id)
          .execute();
        return {
          result: user,
          events: [
            audit(actor, 'sso_update', linked.id, {
              username: linked.username,
              from: { role: linked.role, organizationId: linked.organization_id },
              to: { role: identity.role, organizationId },
            }),
          ],
        };
      }
      const id = newId('usr', now.getTime());
      // The provider's name for the person when it is free; a local account of that name is never taken over.
      const taken = await trx
        .selectFrom('users')
        .select('id')
        .where('username', '=', identity.username)
        .executeTakeFirst();
      const username = taken
        ? `${identity.username}-sso-${sha256Hex(`${identity.issuer} ${identity.subject}`).slice(0, 8)}`
        : identity.username;
      await trx
        .insertInto('users')
        .values({
          id,
          username,
          display_name: identity.displayName,
          password_hash: null,
          role: identity.role,
          organization_id: organizationId,
          created_at: now,
          oidc_issuer: identity.issuer,
          oidc_subject: identity.subject,
        })
        .execute();
      return {
        result: {
          id,
          username,
          displayName: identity.displayName,
          role: identity.role,
          organizationId,
        },
        events: [audit(actor, 'sso_create', id, { username, role: identity.role, organizationId })],
      };
    });
    return {
      ...(await this.openSession(user.id, 'console', 'oidc', {
        username: user.username,
        method: 'oidc',
        client,
      })),
      user,
      mustChangePassword: false,
    };
  }
}

/** A console session as opened: the token goes only into the cookie, never into a response body. */
export interface ConsoleSession {
  token: string;
  expiresAt: Date;
  user: User;
  /** The password was set by someone else (a reset): nothing but changing it is served until it is. */
  mustChangePassword: boolean;
}

/** Who holds a session, how they signed in, and whether they must change the password before anything else. */
export interface SessionHolder {
  user: User;
  signedInWith: 'password' | 'oidc';
  mustChangePassword: boolean;
}

/** Who the identity provider says signed in, with the role and organization code the claim rules chose. */
export interface OidcIdentity {
  issuer: string;
  subject: string;
  /** The provider's short name for the person (`preferred_username`, else `email`, else `sub`). */
  username: string;
  displayName: string;
  role: Role;
  organizationCode: string | null;
}

/** Why an OIDC sign-in was refused, as the short code the console is sent back with (`/?signin_error=…`). */
export class OidcSignInRefused extends Error {
  constructor(
    readonly reason: Extract<SignInError, 'organization_unknown' | 'user_disabled'>,
    /** The local account refused, when there is one (a disabled user), for the sign-in history. */
    readonly account: { username: string; userId: string } | null = null,
  ) {
    super(`OIDC sign-in refused: ${reason}`);
    this.name = 'OidcSignInRefused';
  }
}

/** The client of a sign-in: an address alone (older callers), or the address and the User-Agent. */
function clientOf(client: SignInClient | string): SignInClient {
  return typeof client === 'string' ? { address: client } : client;
}

/** One login counter's row as stored (`login_throttle`). */
type ThrottleRow = Selectable<Database['login_throttle']>;

/** What `countAttempt` did: the block refusing the attempt (0: none), or what it counted for the address. */
interface AttemptCounted {
  blockedUntilMs: number;
  address: {
    before: ThrottleRow | null;
    counted: { failures: number; last_failure_at: Date; blocked_until: Date };
  } | null;
}

/** The advisory-lock class of the login counters (the second key is the subject's). */
const LOGIN_THROTTLE_LOCK = 5207314;

/**
 * Locks the counters of `subjects` for the transaction, on every node sharing the store: one advisory lock per
 * subject, keyed by its digest and taken in the keys' order, so two attempts never wait on each other in a cycle.
 */
async function lockThrottleSubjects(trx: Transaction<Database>, subjects: string[]): Promise<void> {
  const keys = [...new Set(subjects.map((s) => Buffer.from(sha256Hex(s), 'hex').readInt32BE(0)))];
  for (const key of keys.sort((a, b) => a - b))
    await sql`SELECT pg_advisory_xact_lock(${LOGIN_THROTTLE_LOCK}::int4, ${key}::int4)`.execute(trx);
}

const DUMMY_HASH = 'scrypt$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

function toUser(r: {
  id: string;
  username: string;
  display_name: string;
  role: string;
  organization_id: string | null;
}): User {
  return {
    id: r.id,
    username: r.username,
    displayName: r.display_name,
    role: r.role as Role,
    organizationId: r.organization_id,
  };
}
