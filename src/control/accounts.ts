import { randomBytes, scrypt as scryptCb, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import type { Role, Session, User } from '../api/contract/index.ts';
import type { Clock } from '../core/clock.ts';
import { LgspError } from '../core/errors.ts';
import { sha256Hex } from '../core/hashing.ts';
import { newId, newSecret } from '../core/ids.ts';
import { isUniqueViolation, type Store } from '../store/port.ts';
import { auditOf, runChange } from './change.ts';
import { requireOrganization } from './registry/organizations.ts';

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

/** Human accounts of the admin API and their bearer sessions (tokens stored as SHA-256 only). */
export class Accounts {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly sessionTtlHours: number,
  ) {}

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
   * that the caller prints once. Returns the generated password, or null when none was needed or generated.
   */
  async ensureOperator(
    configuredPassword: string,
  ): Promise<{ username: string; generatedPassword: string | null } | null> {
    if (await this.hasOperator()) return null;
    const generatedPassword = configuredPassword ? null : newSecret().slice(0, 20);
    await this.createUser(
      {
        username: 'admin',
        displayName: 'Quản trị viên Sở TT&TT',
        password: configuredPassword || generatedPassword!,
        role: 'operator_admin',
        organizationId: null,
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
    if (input.password.length < 10)
      throw new LgspError('API_VALIDATION_FAILED', 'password: ≥ 10 ký tự / characters');
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

  async listUsers(): Promise<User[]> {
    const rows = await this.store.db.selectFrom('users').selectAll().orderBy('username').execute();
    return rows.map(toUser);
  }

  async login(username: string, password: string): Promise<Session> {
    const row = await this.store.db
      .selectFrom('users')
      .selectAll()
      .where('username', '=', username)
      .executeTakeFirst();
    // Verify against a dummy hash when the user does not exist, so timing does not tell which names exist.
    const ok = await verifyPassword(password, row?.password_hash ?? DUMMY_HASH);
    if (!row || !ok) throw new LgspError('API_LOGIN_FAILED');
    const token = `lgsp_${newSecret()}`;
    const nowMs = this.clock.nowMs();
    const expiresAt = new Date(nowMs + this.sessionTtlHours * 3_600_000);
    await this.store.db
      .insertInto('sessions')
      .values({
        token_sha256: sha256Hex(token),
        user_id: row.id,
        created_at: new Date(nowMs),
        expires_at: expiresAt,
      })
      .execute();
    return { token, expiresAt: expiresAt.toISOString(), user: toUser(row) };
  }

  /** The user behind a bearer token, or null if the token is unknown or expired. */
  async authenticate(token: string): Promise<User | null> {
    const row = await this.store.db
      .selectFrom('sessions')
      .innerJoin('users', 'users.id', 'sessions.user_id')
      .selectAll('users')
      .select('sessions.expires_at')
      .where('sessions.token_sha256', '=', sha256Hex(token))
      .executeTakeFirst();
    if (!row || new Date(row.expires_at).getTime() <= this.clock.nowMs()) return null;
    return toUser(row);
  }

  async logout(token: string): Promise<void> {
    await this.store.db.deleteFrom('sessions').where('token_sha256', '=', sha256Hex(token)).execute();
  }
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
