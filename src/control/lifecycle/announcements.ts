import type { Transaction } from 'kysely';
import { LgspError } from '../../core/errors.ts';
import { formatVietnamDateTime, utcOffsetLabel } from '../../core/time.ts';
import type { Database } from '../../store/schema.ts';
import { publishNotice } from '../notices.ts';
import { DAY_MS } from './versions.ts';
import { type LifecycleContext, tooEarly } from './workflow.ts';

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
  const offset = ctx.settings.timezoneOffsetMinutes;
  const earliest = ctx.clock.nowMs() + MIN_DECOMMISSION_NOTICE_DAYS * DAY_MS;
  if (Number.isNaN(atMs) || atMs < earliest) {
    throw tooEarly(
      'CP_DECOMMISSION_TOO_EARLY',
      {
        vi: `Đơn vị ngừng cung cấp dịch vụ phải thông báo trước ít nhất ${MIN_DECOMMISSION_NOTICE_DAYS} ngày để bên khai thác kịp chuẩn bị (R-21, Điều 15)`,
        en: `a provider stopping a service gives at least ${MIN_DECOMMISSION_NOTICE_DAYS} days' notice so consumers can prepare (R-21, Article 15)`,
      },
      earliest,
      offset,
    );
  }
  await ctx.registry.changes.run(async (trx, now) => {
    const service = await trx
      .selectFrom('services')
      .select(['id', 'context', 'name', 'decommissioned_at'])
      .where('id', '=', serviceId)
      .executeTakeFirst();
    if (!service) throw new LgspError('CP_SERVICE_NOT_FOUND', serviceId);
    const local = (d: Date) => `${formatVietnamDateTime(d, offset)} (${utcOffsetLabel(offset)})`;
    // An ended service is not announced to end again: the new public notice would say it runs until then.
    if (service.decommissioned_at !== null) {
      const ended = local(new Date(service.decommissioned_at));
      throw new LgspError(
        'CP_SERVICE_DECOMMISSIONED',
        `Dịch vụ ${service.context} đã ngừng cung cấp lúc ${ended} / the service ${service.context} ended at ${ended}`,
      );
    }
    const at = new Date(atMs);
    const when = local(at);
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
        body:
          `Dịch vụ "${service.name}" ngừng cung cấp từ ${when}. Lý do: ${input.reason}. / ` +
          `The service "${service.name}" ends at ${when}. Reason: ${input.reason}.`,
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
 * Announces a maintenance window ahead of time (R-24: "announced beforehand to the parties concerned"); inside it
 * the gateway answers 503 with Retry-After. The regulation names no number of hours: the configuration does
 * (`lifecycle.maintenanceMinNoticeHours`, default 24), so the parties hear of it at least a day ahead. The
 * window, in local time, is added to the notice's text (the public page and the e-mail say the same). Returns
 * the notice's id.
 */
export async function announceMaintenance(
  ctx: LifecycleContext,
  input: { serviceId: string | null; startsAt: string; endsAt: string; title: string; body: string },
  actor: string,
): Promise<string> {
  const nowMs = ctx.clock.nowMs();
  const startsMs = Date.parse(input.startsAt);
  const endsMs = Date.parse(input.endsAt);
  const offset = ctx.settings.timezoneOffsetMinutes;
  const zone = utcOffsetLabel(offset);
  if (Number.isNaN(startsMs) || Number.isNaN(endsMs) || startsMs <= nowMs || endsMs <= startsMs) {
    const window = [startsMs, endsMs]
      .map((ms) => (Number.isNaN(ms) ? '?' : formatVietnamDateTime(ms, offset)))
      .join(' – ');
    throw new LgspError(
      'CP_MAINTENANCE_NOT_AHEAD',
      `Khung bảo trì phải bắt đầu trong tương lai và kết thúc sau khi bắt đầu: ${window} (${zone}). / ` +
        `The window must start in the future and end after it starts: ${window} (${zone}).`,
    );
  }
  const hours = ctx.settings.maintenanceMinNoticeHours;
  const earliest = nowMs + hours * 3_600_000;
  if (startsMs < earliest) {
    throw tooEarly(
      'CP_MAINTENANCE_NOTICE_TOO_SHORT',
      {
        vi: `Bảo trì phải được thông báo trước cho các bên liên quan (R-24, Điều 18), ít nhất ${hours} giờ trước khi bắt đầu theo cấu hình`,
        en: `maintenance is announced beforehand to the parties concerned (R-24, Article 18), here at least ${hours} hours before it starts`,
      },
      earliest,
      offset,
    );
  }
  const window =
    `Thời gian bảo trì / Maintenance window: ${formatVietnamDateTime(startsMs, offset)} – ` +
    `${formatVietnamDateTime(endsMs, offset)} (${zone})`;
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
        body: `${input.body}\n\n${window}`,
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
