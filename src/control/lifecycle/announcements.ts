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
    // Locked until this change commits: a cancellation running meanwhile waits and then reads this schedule and its
    // notice, or ran first and is read here (PostgreSQL; PGlite has one session).
    const service = await trx
      .selectFrom('services')
      .select(['id', 'context', 'name', 'decommissioned_at'])
      .where('id', '=', serviceId)
      .forUpdate()
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

/**
 * Marks announcements cancelled by the notice `cancellationId`: each then names its cancellation
 * (the API's `cancelledBy`), which the portal, the console and the Atom feed link to. Only notices not cancelled
 * yet are marked; returns how many were.
 */
async function markCancelled(
  trx: Transaction<Database>,
  noticeIds: string[],
  cancellationId: string,
  now: Date,
  actor: string,
): Promise<number> {
  if (noticeIds.length === 0) return 0;
  const marked = await trx
    .updateTable('notices')
    .set({ cancelled_at: now, cancelled_by: actor, cancellation_notice_id: cancellationId })
    .where('id', 'in', noticeIds)
    .where('cancelled_at', 'is', null)
    .returning('id')
    .execute();
  return marked.length;
}

/** The reason a person gave for a cancellation, in both languages' sentences of its notice; none, nothing. */
function reasonText(reason: string | undefined): { vi: string; en: string } {
  return reason ? { vi: ` Lý do: ${reason}.`, en: ` Reason: ${reason}.` } : { vi: '', en: '' };
}

/**
 * Cancels an announced maintenance window that has not ended, one already under way included — a mistyped
 * window would otherwise close the service until it ends. The original notice stays published, marked cancelled
 * (its page and its Atom entry say so); a new notice of kind `maintenance_cancelled` naming it is published and
 * sent to the same parties the announcement was — a feed reader or a webhook receiver that already read the
 * announcement does not read it again, so only a new entry reaches it. The change bumps the revision, so the
 * gateway drops the window at its next snapshot. Returns the cancellation notice's id.
 */
export async function cancelMaintenance(
  ctx: LifecycleContext,
  noticeId: string,
  input: { reason?: string },
  actor: string,
): Promise<string> {
  const offset = ctx.settings.timezoneOffsetMinutes;
  const local = (d: Date | string) => formatVietnamDateTime(new Date(d), offset);
  const zone = utcOffsetLabel(offset);
  return ctx.registry.changes.run(async (trx, now) => {
    const notice = await trx
      .selectFrom('notices')
      .select(['id', 'kind', 'title', 'service_id', 'starts_at', 'ends_at', 'cancelled_at'])
      .where('id', '=', noticeId)
      .executeTakeFirst();
    if (notice?.kind !== 'maintenance' || !notice.starts_at || !notice.ends_at)
      throw new LgspError('CP_MAINTENANCE_NOT_FOUND', noticeId);
    const window = `${local(notice.starts_at)} – ${local(notice.ends_at)} (${zone})`;
    if (notice.cancelled_at !== null) {
      const at = `${local(notice.cancelled_at)} (${zone})`;
      throw new LgspError(
        'CP_MAINTENANCE_CANCELLED',
        `Lịch bảo trì ${window} đã được huỷ lúc ${at} / the window ${window} was cancelled at ${at}`,
      );
    }
    if (new Date(notice.ends_at).getTime() <= now.getTime()) {
      throw new LgspError(
        'CP_MAINTENANCE_ENDED',
        `Khung bảo trì ${window} đã kết thúc / the window ${window} has ended`,
      );
    }
    const why = reasonText(input.reason);
    const cancellationId = await publishNotice(
      trx,
      {
        kind: 'maintenance_cancelled',
        serviceId: notice.service_id,
        startsAt: new Date(notice.starts_at),
        endsAt: new Date(notice.ends_at),
        cancelsNoticeId: noticeId,
        title: `Huỷ lịch bảo trì: ${notice.title} / Maintenance cancelled: ${notice.title}`,
        body:
          `Lịch bảo trì ${window} (thông báo ${noticeId}) đã được huỷ; dịch vụ hoạt động bình thường trong khung giờ ` +
          `này.${why.vi} / The maintenance window ${window} (notice ${noticeId}) is cancelled; the services run as ` +
          `usual in it.${why.en}`,
      },
      notice.service_id ? await versionIdsOf(trx, notice.service_id) : 'all',
      now,
      actor,
    );
    // The guard is in the UPDATE itself: of two cancellations racing, exactly one marks it; the other's
    // cancellation notice rolls back with its refusal.
    const marked = await markCancelled(trx, [noticeId], cancellationId, now, actor);
    if (marked === 0) throw new LgspError('CP_MAINTENANCE_CANCELLED', noticeId);
    return {
      result: cancellationId,
      events: [
        {
          actor,
          action: 'maintenance.cancel',
          objectType: 'notice',
          objectId: noticeId,
          details: {
            serviceId: notice.service_id,
            startsAt: new Date(notice.starts_at).toISOString(),
            endsAt: new Date(notice.ends_at).toISOString(),
            cancellationNoticeId: cancellationId,
            ...(input.reason ? { reason: input.reason } : {}),
          },
        },
      ],
    };
  });
}

/**
 * Cancels a service's scheduled decommission before its date: the service carries on as if none had been
 * announced. The decommission notices still standing are marked cancelled and a `decommission_cancelled` notice
 * naming the newest of them is published and sent to the service's consumers, as the schedule was. A date already
 * reached is refused like an ended service: the gateway has answered 410 since then and `runDue` carries it out.
 */
export async function cancelDecommission(
  ctx: LifecycleContext,
  serviceId: string,
  input: { reason?: string },
  actor: string,
): Promise<void> {
  const offset = ctx.settings.timezoneOffsetMinutes;
  const local = (d: Date | string) =>
    `${formatVietnamDateTime(new Date(d), offset)} (${utcOffsetLabel(offset)})`;
  await ctx.registry.changes.run(async (trx, now) => {
    const service = await trx
      .selectFrom('services')
      .select(['id', 'context', 'name', 'decommission_at', 'decommission_reason', 'decommissioned_at'])
      .where('id', '=', serviceId)
      // A schedule committing meanwhile would otherwise leave its new notice standing for an end no longer due.
      .forUpdate()
      .executeTakeFirst();
    if (!service) throw new LgspError('CP_SERVICE_NOT_FOUND', serviceId);
    const endedAt =
      service.decommissioned_at ??
      (service.decommission_at !== null && new Date(service.decommission_at).getTime() <= now.getTime()
        ? service.decommission_at
        : null);
    if (endedAt !== null) {
      const ended = local(endedAt);
      throw new LgspError(
        'CP_SERVICE_DECOMMISSIONED',
        `Dịch vụ ${service.context} đã ngừng cung cấp lúc ${ended}, không huỷ được / the service ${service.context} ended at ${ended}: too late to cancel`,
      );
    }
    const standing = await trx
      .selectFrom('notices')
      .select(['id', 'cancelled_at'])
      .where('kind', '=', 'decommission')
      .where('service_id', '=', serviceId)
      .orderBy('published_at', 'desc')
      .orderBy('id', 'desc')
      .execute();
    if (service.decommission_at === null) {
      const cancelled = standing.find((n) => n.cancelled_at !== null);
      if (cancelled?.cancelled_at) {
        const at = local(cancelled.cancelled_at);
        throw new LgspError(
          'CP_DECOMMISSION_CANCELLED',
          `Lịch ngừng dịch vụ ${service.context} đã được huỷ lúc ${at} / the decommission of ${service.context} was cancelled at ${at}`,
        );
      }
      throw new LgspError(
        'CP_DECOMMISSION_NOT_SCHEDULED',
        `Dịch vụ ${service.context} không có lịch ngừng cung cấp / ${service.context} has no scheduled end`,
      );
    }
    const wasAt = new Date(service.decommission_at);
    // The guard is in the UPDATE itself: a cancellation racing the date, or another cancellation, changes nothing.
    const cleared = await trx
      .updateTable('services')
      .set({ decommission_at: null, decommission_reason: null, updated_at: now })
      .where('id', '=', serviceId)
      .where('decommission_at', '>', now)
      .where('decommissioned_at', 'is', null)
      .returning('id')
      .executeTakeFirst();
    if (!cleared) throw new LgspError('CP_DECOMMISSION_NOT_SCHEDULED', serviceId);
    const open = standing.filter((n) => n.cancelled_at === null).map((n) => n.id);
    const when = local(wasAt);
    const why = reasonText(input.reason);
    const cancellationId = await publishNotice(
      trx,
      {
        kind: 'decommission_cancelled',
        serviceId,
        startsAt: wasAt,
        cancelsNoticeId: open[0] ?? null,
        title: `Huỷ ngừng cung cấp dịch vụ ${service.context} / Service ${service.context} no longer ends`,
        body:
          `Dịch vụ "${service.name}" tiếp tục được cung cấp: lịch ngừng từ ${when} đã được huỷ.${why.vi} / ` +
          `The service "${service.name}" carries on: its end at ${when} is cancelled.${why.en}`,
      },
      await versionIdsOf(trx, serviceId),
      now,
      actor,
    );
    await markCancelled(trx, open, cancellationId, now, actor);
    return {
      result: null,
      events: [
        {
          actor,
          action: 'service.decommission.cancel',
          objectType: 'service',
          objectId: serviceId,
          details: {
            at: wasAt.toISOString(),
            scheduledReason: service.decommission_reason,
            cancellationNoticeId: cancellationId,
            ...(input.reason ? { reason: input.reason } : {}),
          },
        },
      ],
    };
  });
}
