import type { Transaction } from 'kysely';
import { sql } from 'kysely';
import type {
  IssuedCredential,
  Notice,
  NoticeKind,
  Service,
  ServiceVersion,
  TechnicalDescription,
  VersionStatus,
} from '../api/contract/index.ts';
import type { Clock } from '../core/clock.ts';
import { LgspError } from '../core/errors.ts';
import { isoOrNull } from '../core/time.ts';
import type { Store } from '../store/port.ts';
import type { Database } from '../store/schema.ts';
import { publishNotice } from './notices.ts';
import { insertCredential, type Registry } from './registry.ts';

const DAY_MS = 86_400_000;
/** the current version keeps running at least 180 days after its successor is published. */
export const MIN_SUNSET_DAYS = 180;
/** R-21: a provider stopping a service gives at least 60 days' notice. */
export const MIN_DECOMMISSION_NOTICE_DAYS = 60;
/** how long both secrets work after a rotation, unless the operator says otherwise. */
export const DEFAULT_ROTATION_OVERLAP_HOURS = 72;

/** The items of the technical description a provider must give before submitting (R-11, Decree 47/2020 Art. 24). */
const R11_ITEMS: Array<keyof TechnicalDescription> = [
  'addressAndInterface',
  'communicationStandards',
  'encryptionAndSecurity',
  'capacity',
  'connectionProcedure',
  'dataQuality',
  'dataPresentation',
];

/** A light check that the document is what it says: OpenAPI 3 (JSON or YAML) or WSDL 1.1/2.0. */
function looksLike(type: 'openapi' | 'wsdl', text: string): boolean {
  if (type === 'wsdl') return /<(\w+:)?(definitions|description)[\s>]/.test(text);
  try {
    return String((JSON.parse(text) as { openapi?: unknown }).openapi ?? '').startsWith('3');
  } catch {
    return /^openapi:\s*["']?3\./m.test(text);
  }
}

/**
 * The changing and ending of services and credentials (Articles 13–15): versions side by side with a sunset,
 * credential rotation with an overlap, decommissioning with 60 days' notice, announced maintenance. Every step is
 * one transaction with its audit event (through `Registry.change`), and what the public must know is published
 * as a notice in that same transaction. Dates are enforced by the gateway per request from its snapshot; `runDue`
 * then tidies the records (retires, revokes) once the dates have passed.
 */
export class Lifecycle {
  constructor(
    private readonly store: Store,
    private readonly registry: Registry,
    private readonly clock: Clock,
  ) {}

  /**
   * A provider submits a version: its service must carry every item of the technical description
   * (Decree 47/2020 Art. 24), and the version its OpenAPI 3 or WSDL document.
   */
  async submitVersion(
    versionId: string,
    input: { technicalDocument: string; documentType: 'openapi' | 'wsdl' },
    actor: string,
  ): Promise<ServiceVersion> {
    const version = await this.registry.getVersion(versionId);
    const service = await this.registry.getService(version.serviceId);
    const missing = R11_ITEMS.filter((item) => !service.description[item]?.trim());
    if (missing.length > 0)
      throw new LgspError('CP_DESCRIPTION_INCOMPLETE', `description: ${missing.join(', ')}`);
    if (!looksLike(input.documentType, input.technicalDocument)) {
      throw new LgspError(
        'CP_DESCRIPTION_INCOMPLETE',
        `technicalDocument: not an ${input.documentType === 'openapi' ? 'OpenAPI 3' : 'WSDL'} document`,
      );
    }
    return this.moveVersion(versionId, ['draft'], 'submitted', actor, (now) => ({
      technical_document: input.technicalDocument,
      technical_document_type: input.documentType,
      submitted_at: now,
      rejection_reason: null,
    }));
  }

  /**
   * The operator has configured the version and opens the sandbox test: a sync version needs a sandbox
   * upstream; an async one may have none (its provider then pulls its sandbox messages from its inbox).
   */
  async startSandboxTest(versionId: string, actor: string): Promise<ServiceVersion> {
    const version = await this.registry.getVersion(versionId);
    if (version.mode === 'sync' && !version.upstreams.sandbox) {
      throw new LgspError('CP_UPSTREAM_URL_INVALID', 'sandbox: chưa cấu hình / not configured');
    }
    return this.moveVersion(versionId, ['submitted'], 'sandbox_test', actor, () => ({}));
  }

  /** The operator refuses a submitted or tested version, saying why (the provider reads it and reworks). */
  async rejectVersion(versionId: string, reason: string, actor: string): Promise<ServiceVersion> {
    if (!reason.trim()) throw new LgspError('API_VALIDATION_FAILED', 'reason: bắt buộc / required');
    return this.moveVersion(versionId, ['submitted', 'sandbox_test'], 'rejected', actor, () => ({
      rejection_reason: reason,
    }));
  }

  private async moveVersion(
    versionId: string,
    from: VersionStatus[],
    to: VersionStatus,
    actor: string,
    columns: (now: Date) => Record<string, unknown>,
  ): Promise<ServiceVersion> {
    await this.registry.change(async (trx, now) => {
      const current = await trx
        .selectFrom('service_versions')
        .select('status')
        .where('id', '=', versionId)
        .executeTakeFirst();
      if (!current) throw new LgspError('CP_VERSION_NOT_FOUND', versionId);
      if (!from.includes(current.status))
        throw new LgspError('CP_VERSION_STATE', `${current.status} → ${to}`);
      await trx
        .updateTable('service_versions')
        .set({ ...columns(now), status: to, updated_at: now })
        .where('id', '=', versionId)
        .execute();
      return {
        result: null,
        event: {
          actor,
          action: `version.${to}`,
          objectType: 'service_version',
          objectId: versionId,
          details: { from: current.status },
        },
      };
    });
    return this.registry.getVersion(versionId);
  }

  /**
   * Publishes a version: only from the sandbox test, and only once a successful call through the gateway
   * in the sandbox has been recorded — that record is kept as the evidence. Every other published version of the
   * service becomes deprecated with a sunset no earlier than 180 days from now — `previousSunsetAt` may
   * set a later one — and points at this one.
   */
  async publishVersion(
    versionId: string,
    options: { previousSunsetAt?: string },
    actor: string,
  ): Promise<ServiceVersion> {
    const nowMs = this.clock.nowMs();
    const earliest = nowMs + MIN_SUNSET_DAYS * DAY_MS;
    const sunsetMs = options.previousSunsetAt ? Date.parse(options.previousSunsetAt) : earliest;
    if (Number.isNaN(sunsetMs) || sunsetMs < earliest) {
      throw new LgspError('CP_SUNSET_TOO_EARLY', `≥ ${new Date(earliest).toISOString()}`);
    }
    await this.registry.change(async (trx, now) => {
      const version = await trx
        .selectFrom('service_versions')
        .innerJoin('services', 'services.id', 'service_versions.service_id')
        .select([
          'service_versions.id',
          'service_versions.status',
          'service_versions.version',
          'services.id as service_id',
          'services.context',
          'services.name',
        ])
        .where('service_versions.id', '=', versionId)
        .executeTakeFirst();
      if (!version) throw new LgspError('CP_VERSION_NOT_FOUND', versionId);
      if (version.status !== 'sandbox_test') {
        throw new LgspError('CP_SANDBOX_TEST_REQUIRED', `status ${version.status}`);
      }
      const evidence = await trx
        .selectFrom('transactions')
        .select('id')
        .where('version_id', '=', versionId)
        .where('environment', '=', 'sandbox')
        .where('provider_status', '>=', 200)
        .where('provider_status', '<', 300)
        .where('consumer_status', '>=', 200)
        .where('consumer_status', '<', 300)
        .orderBy('request_in_at', 'desc')
        .limit(1)
        .executeTakeFirst();
      if (!evidence)
        throw new LgspError('CP_SANDBOX_TEST_REQUIRED', 'no successful sandbox call recorded yet');
      await trx
        .updateTable('service_versions')
        .set({
          status: 'published',
          published_at: now,
          sandbox_evidence_txn_id: evidence.id,
          updated_at: now,
        })
        .where('id', '=', versionId)
        .execute();
      const previous = await trx
        .selectFrom('service_versions')
        .select(['id', 'version'])
        .where('service_id', '=', version.service_id)
        .where('status', '=', 'published')
        .where('id', '!=', versionId)
        .execute();
      const sunset = new Date(sunsetMs);
      for (const old of previous) {
        await trx
          .updateTable('service_versions')
          .set({
            status: 'deprecated',
            deprecated_at: now,
            sunset_at: sunset,
            successor_version_id: versionId,
            updated_at: now,
          })
          .where('id', '=', old.id)
          .execute();
        await publishNotice(
          trx,
          {
            kind: 'deprecation',
            serviceId: version.service_id,
            versionId: old.id,
            title: `Ngừng khuyến nghị ${version.context} ${old.version} / ${version.context} ${old.version} deprecated`,
            body:
              `Dịch vụ "${version.name}" phiên bản ${old.version} được thay bằng ${version.version}; phiên bản cũ ngừng hoạt động ngày ${sunset.toISOString().slice(0, 10)}. ` +
              `Version ${old.version} is replaced by ${version.version} and stops on ${sunset.toISOString().slice(0, 10)}.`,
          },
          [old.id],
          now,
          actor,
        );
      }
      return {
        result: null,
        event: {
          actor,
          action: 'version.publish',
          objectType: 'service_version',
          objectId: versionId,
          details: {
            deprecated: previous.map((p) => p.id),
            sunsetAt: previous.length ? sunset.toISOString() : null,
          },
        },
      };
    });
    return this.registry.getVersion(versionId);
  }

  /**
   * Rotates a credential: a new key and secret for the same system and environment; the old pair keeps
   * working for `overlapHours` so the consumer can switch without downtime, then stops.
   */
  async rotateCredential(
    credentialId: string,
    overlapHours: number,
    actor: string,
  ): Promise<IssuedCredential & { previousExpiresAt: string }> {
    const old = await this.registry.getCredential(credentialId);
    if (old.status === 'revoked') throw new LgspError('CP_CREDENTIAL_REVOKED', credentialId);
    if (old.replacedBy) throw new LgspError('CP_CREDENTIAL_ROTATED', `${credentialId} → ${old.replacedBy}`);
    const expiresAt = new Date(this.clock.nowMs() + overlapHours * 3_600_000);
    // One transaction: the new pair exists exactly when the old one has its end date.
    const issued = await this.registry.change(async (trx, now) => {
      const fresh = await insertCredential(trx, old.systemId, old.environment, now);
      await trx
        .updateTable('credentials')
        .set({ expires_at: expiresAt, replaced_by: fresh.id })
        .where('id', '=', credentialId)
        .execute();
      return {
        result: fresh,
        event: {
          actor,
          action: 'credential.rotate',
          objectType: 'credential',
          objectId: credentialId,
          details: {
            replacedBy: fresh.id,
            consumerKey: fresh.consumerKey,
            expiresAt: expiresAt.toISOString(),
          },
        },
      };
    });
    return { ...issued, previousExpiresAt: expiresAt.toISOString() };
  }

  /** Schedules a service's end at least 60 days ahead and publishes the notice at once. */
  async scheduleDecommission(
    serviceId: string,
    input: { at: string; reason: string },
    actor: string,
  ): Promise<Service> {
    const nowMs = this.clock.nowMs();
    const atMs = Date.parse(input.at);
    const earliest = nowMs + MIN_DECOMMISSION_NOTICE_DAYS * DAY_MS;
    if (Number.isNaN(atMs) || atMs < earliest) {
      throw new LgspError('CP_DECOMMISSION_TOO_EARLY', `≥ ${new Date(earliest).toISOString()}`);
    }
    await this.registry.change(async (trx, now) => {
      const service = await trx
        .selectFrom('services')
        .select(['id', 'context', 'name', 'decommissioned_at'])
        .where('id', '=', serviceId)
        .executeTakeFirst();
      if (!service) throw new LgspError('CP_SERVICE_NOT_FOUND', serviceId);
      const at = new Date(atMs);
      await trx
        .updateTable('services')
        .set({ decommission_at: at, decommission_reason: input.reason, updated_at: now })
        .where('id', '=', serviceId)
        .execute();
      await publishNotice(
        trx,
        {
          kind: 'decommission',
          serviceId,
          startsAt: at,
          title: `Ngừng cung cấp dịch vụ ${service.context} / Service ${service.context} ends`,
          body: `Dịch vụ "${service.name}" ngừng cung cấp từ ${at.toISOString().slice(0, 10)}. Lý do: ${input.reason}. / The service ends on ${at.toISOString().slice(0, 10)}.`,
        },
        await versionIdsOf(trx, serviceId),
        now,
        actor,
      );
      return {
        result: null,
        event: {
          actor,
          action: 'service.decommission.schedule',
          objectType: 'service',
          objectId: serviceId,
          details: { at: at.toISOString(), reason: input.reason },
        },
      };
    });
    return this.registry.getService(serviceId);
  }

  /** Announces a maintenance window ahead of time; inside it the gateway answers 503 with Retry-After. */
  async announceMaintenance(
    input: { serviceId: string | null; startsAt: string; endsAt: string; title: string; body: string },
    actor: string,
  ): Promise<Notice> {
    const nowMs = this.clock.nowMs();
    const startsMs = Date.parse(input.startsAt);
    const endsMs = Date.parse(input.endsAt);
    if (Number.isNaN(startsMs) || Number.isNaN(endsMs) || startsMs <= nowMs || endsMs <= startsMs) {
      throw new LgspError('CP_MAINTENANCE_NOT_AHEAD', `${input.startsAt} – ${input.endsAt}`);
    }
    const id = await this.registry.change(async (trx, now) => {
      if (input.serviceId) {
        const service = await trx
          .selectFrom('services')
          .select('id')
          .where('id', '=', input.serviceId)
          .executeTakeFirst();
        if (!service) throw new LgspError('CP_SERVICE_NOT_FOUND', input.serviceId);
      }
      const noticeId = await publishNotice(
        trx,
        {
          kind: 'maintenance',
          serviceId: input.serviceId,
          startsAt: new Date(startsMs),
          endsAt: new Date(endsMs),
          title: input.title,
          body: input.body,
        },
        input.serviceId ? await versionIdsOf(trx, input.serviceId) : 'all',
        now,
        actor,
      );
      return {
        result: noticeId,
        event: {
          actor,
          action: 'maintenance.announce',
          objectType: 'notice',
          objectId: noticeId,
          details: { serviceId: input.serviceId, startsAt: input.startsAt, endsAt: input.endsAt },
        },
      };
    });
    return this.getNotice(id);
  }

  /**
   * A consumer stops using a service: the subscription is revoked, and so, at once, are the system's
   * credentials in that environment if no other active subscription still needs them.
   */
  async cancelSubscription(subscriptionId: string, actor: string): Promise<{ revokedCredentials: string[] }> {
    return this.registry.change(async (trx, now) => {
      const sub = await trx
        .selectFrom('subscriptions')
        .selectAll()
        .where('id', '=', subscriptionId)
        .executeTakeFirst();
      if (!sub) throw new LgspError('CP_SUBSCRIPTION_NOT_FOUND', subscriptionId);
      await trx
        .updateTable('subscriptions')
        .set({ status: 'revoked', updated_at: now })
        .where('id', '=', subscriptionId)
        .execute();
      const revokedCredentials = await revokeUnneededCredentials(
        trx,
        [{ systemId: sub.system_id, environment: sub.environment }],
        now,
      );
      return {
        result: { revokedCredentials },
        event: {
          actor,
          action: 'subscription.cancel',
          objectType: 'subscription',
          objectId: subscriptionId,
          details: { revokedCredentials },
        },
      };
    });
  }

  /**
   * Carries out what has fallen due: versions past their sunset are retired, services past their decommission
   * date are ended (versions retired, subscriptions and the credentials they alone needed revoked), rotated
   * credentials past their overlap are revoked. The gateway already refuses these from its snapshot at the due
   * time; this makes the registry say so too. Returns what it did.
   */
  async runDue(
    actor = 'system:scheduler',
  ): Promise<{ retiredVersions: string[]; decommissionedServices: string[]; revokedCredentials: string[] }> {
    const now = new Date(this.clock.nowMs());
    const out = {
      retiredVersions: [] as string[],
      decommissionedServices: [] as string[],
      revokedCredentials: [] as string[],
    };
    const sunset = await this.store.db
      .selectFrom('service_versions')
      .select('id')
      .where('status', '=', 'deprecated')
      .where('sunset_at', '<=', now)
      .execute();
    for (const { id } of sunset) {
      await this.registry.change(async (trx, at) => {
        await trx
          .updateTable('service_versions')
          .set({ status: 'retired', updated_at: at })
          .where('id', '=', id)
          .execute();
        return {
          result: null,
          event: {
            actor,
            action: 'version.retire',
            objectType: 'service_version',
            objectId: id,
            details: { reason: 'sunset' },
          },
        };
      });
      out.retiredVersions.push(id);
    }
    const ending = await this.store.db
      .selectFrom('services')
      .select('id')
      .where('decommission_at', '<=', now)
      .where('decommissioned_at', 'is', null)
      .execute();
    for (const { id } of ending) {
      const revoked = await this.registry.change(async (trx, at) => {
        const versions = await trx
          .selectFrom('service_versions')
          .select('id')
          .where('service_id', '=', id)
          .execute();
        const versionIds = versions.map((v) => v.id);
        if (versionIds.length > 0) {
          await trx
            .updateTable('service_versions')
            .set({ status: 'retired', updated_at: at })
            .where('id', 'in', versionIds)
            .where('status', '!=', 'rejected')
            .execute();
        }
        const subs = versionIds.length
          ? await trx
              .updateTable('subscriptions')
              .set({ status: 'revoked', updated_at: at })
              .where('version_id', 'in', versionIds)
              .where('status', '!=', 'revoked')
              .returning(['system_id', 'environment'])
              .execute()
          : [];
        const revokedCredentials = await revokeUnneededCredentials(
          trx,
          subs.map((s) => ({ systemId: s.system_id, environment: s.environment })),
          at,
        );
        await trx
          .updateTable('services')
          .set({ decommissioned_at: at, updated_at: at })
          .where('id', '=', id)
          .execute();
        return {
          result: revokedCredentials,
          event: {
            actor,
            action: 'service.decommission',
            objectType: 'service',
            objectId: id,
            details: { revokedSubscriptions: subs.length, revokedCredentials },
          },
        };
      });
      out.decommissionedServices.push(id);
      out.revokedCredentials.push(...revoked);
    }
    const overlapOver = await this.store.db
      .selectFrom('credentials')
      .select('id')
      .where('status', '=', 'active')
      .where('expires_at', '<=', now)
      .execute();
    for (const { id } of overlapOver) {
      await this.registry.change(async (trx, at) => {
        await trx
          .updateTable('credentials')
          .set({ status: 'revoked', revoked_at: at })
          .where('id', '=', id)
          .execute();
        return {
          result: null,
          event: {
            actor,
            action: 'credential.revoke',
            objectType: 'credential',
            objectId: id,
            details: { reason: 'rotation overlap ended' },
          },
        };
      });
      out.revokedCredentials.push(id);
    }
    return out;
  }

  /**
   * Who still calls a version, per environment, from the transaction records since `sinceIso` (by default since
   * it was deprecated) — R-18: whom to chase before the sunset.
   */
  async consumersOfVersion(versionId: string, sinceIso?: string) {
    const version = await this.registry.getVersion(versionId);
    let q = this.store.db
      .selectFrom('transactions')
      .select([
        'consumer_system_id',
        'consumer_org_code',
        'environment',
        sql<number>`count(*)`.as('calls'),
        sql<Date>`max(request_in_at)`.as('last_call_at'),
      ])
      .where('version_id', '=', versionId)
      .where('consumer_system_id', 'is not', null)
      .groupBy(['consumer_system_id', 'consumer_org_code', 'environment']);
    const since = sinceIso ?? version.deprecatedAt;
    if (since) q = q.where('request_in_at', '>=', new Date(since));
    const rows = await q.orderBy('calls', 'desc').execute();
    return rows.map((r) => ({
      systemId: r.consumer_system_id!,
      organizationCode: r.consumer_org_code,
      environment: r.environment,
      calls: Number(r.calls),
      lastCallAt: isoOrNull(r.last_call_at)!,
    }));
  }

  async getNotice(id: string): Promise<Notice> {
    const row = await this.store.db.selectFrom('notices').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new LgspError('CP_NOTICE_NOT_FOUND', id);
    return toNotice(row);
  }

  async listNotices(): Promise<Notice[]> {
    const rows = await this.store.db
      .selectFrom('notices')
      .selectAll()
      .orderBy('published_at', 'desc')
      .limit(500)
      .execute();
    return rows.map(toNotice);
  }
}

function toNotice(r: {
  id: string;
  kind: NoticeKind;
  title: string;
  body: string;
  service_id: string | null;
  version_id: string | null;
  starts_at: Date | string | null;
  ends_at: Date | string | null;
  published_at: Date | string;
}): Notice {
  return {
    id: r.id,
    kind: r.kind,
    title: r.title,
    body: r.body,
    serviceId: r.service_id,
    versionId: r.version_id,
    startsAt: isoOrNull(r.starts_at),
    endsAt: isoOrNull(r.ends_at),
    publishedAt: isoOrNull(r.published_at)!,
  };
}

async function versionIdsOf(trx: Transaction<Database>, serviceId: string): Promise<string[]> {
  const rows = await trx
    .selectFrom('service_versions')
    .select('id')
    .where('service_id', '=', serviceId)
    .execute();
  return rows.map((r) => r.id);
}

/** Revokes the active credentials of these (system, environment) pairs that no active subscription needs any more. */
async function revokeUnneededCredentials(
  trx: Transaction<Database>,
  pairs: Array<{ systemId: string; environment: string }>,
  now: Date,
): Promise<string[]> {
  const revoked: string[] = [];
  const seen = new Set<string>();
  for (const { systemId, environment } of pairs) {
    const key = `${systemId}|${environment}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const still = await trx
      .selectFrom('subscriptions')
      .select('id')
      .where('system_id', '=', systemId)
      .where('environment', '=', environment as 'sandbox')
      .where('status', '=', 'active')
      .executeTakeFirst();
    if (still) continue;
    const rows = await trx
      .updateTable('credentials')
      .set({ status: 'revoked', revoked_at: now })
      .where('system_id', '=', systemId)
      .where('environment', '=', environment as 'sandbox')
      .where('status', '=', 'active')
      .returning('id')
      .execute();
    revoked.push(...rows.map((r) => r.id));
  }
  return revoked;
}
