import type { Transaction } from 'kysely';
import { LgspError } from '../../core/errors.ts';
import type { Database } from '../../store/schema.ts';
import { publishNotice } from '../notices.ts';
import { DAY_MS } from './versions.ts';
import type { LifecycleContext } from './workflow.ts';

/** R-21: a provider stopping a service gives at least 60 days' notice. */
export const MIN_DECOMMISSION_NOTICE_DAYS = 60;

export async function versionIdsOf(trx: Transaction<Database>, serviceId: string): Promise<string[]> {
  const rows = await trx
    .selectFrom('service_versions')
    .select('id')
    .where('service_id', '=', serviceId)
    .execute();
  return rows.map((r) => r.id);
}

/** Schedules a service's end at least 60 days ahead and publishes the notice at once. */
export async function scheduleDecommission(
  ctx: LifecycleContext,
  serviceId: string,
  input: { at: string; reason: string },
  actor: string,
): Promise<void> {
  const atMs = Date.parse(input.at);
  const earliest = ctx.clock.nowMs() + MIN_DECOMMISSION_NOTICE_DAYS * DAY_MS;
  if (Number.isNaN(atMs) || atMs < earliest) {
    throw new LgspError('CP_DECOMMISSION_TOO_EARLY', `≥ ${new Date(earliest).toISOString()}`);
  }
  await ctx.registry.changes.run(async (trx, now) => {
    const service = await trx
      .selectFrom('services')
      .select(['id', 'context', 'name', 'decommissioned_at'])
      .where('id', '=', serviceId)
      .executeTakeFirst();
    if (!service) throw new LgspError('CP_SERVICE_NOT_FOUND', serviceId);
    const at = new Date(atMs);
    const day = at.toISOString().slice(0, 10);
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
        body: `Dịch vụ "${service.name}" ngừng cung cấp từ ${day}. Lý do: ${input.reason}. / The service ends on ${day}.`,
      },
      await versionIdsOf(trx, serviceId),
      now,
      actor,
    );
    return {
      result: null,
      events: [
        {
          actor,
          action: 'service.decommission.schedule',
          objectType: 'service',
          objectId: serviceId,
          details: { at: at.toISOString(), reason: input.reason },
        },
      ],
    };
  });
}

/**
 * Announces a maintenance window ahead of time; inside it the gateway answers 503 with Retry-After.
 * Returns the notice's id.
 */
export async function announceMaintenance(
  ctx: LifecycleContext,
  input: { serviceId: string | null; startsAt: string; endsAt: string; title: string; body: string },
  actor: string,
): Promise<string> {
  const nowMs = ctx.clock.nowMs();
  const startsMs = Date.parse(input.startsAt);
  const endsMs = Date.parse(input.endsAt);
  if (Number.isNaN(startsMs) || Number.isNaN(endsMs) || startsMs <= nowMs || endsMs <= startsMs) {
    throw new LgspError('CP_MAINTENANCE_NOT_AHEAD', `${input.startsAt} – ${input.endsAt}`);
  }
  return ctx.registry.changes.run(async (trx, now) => {
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
      events: [
        {
          actor,
          action: 'maintenance.announce',
          objectType: 'notice',
          objectId: noticeId,
          details: { serviceId: input.serviceId, startsAt: input.startsAt, endsAt: input.endsAt },
        },
      ],
    };
  });
}
