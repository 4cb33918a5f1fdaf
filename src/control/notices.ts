import type { Transaction } from 'kysely';
import type { NoticeKind } from '../api/contract/index.ts';
import { newId } from '../core/ids.ts';
import { enqueueNotification } from '../notify/outbox.ts';
import type { Database } from '../store/schema.ts';

export interface NoticeInput {
  kind: NoticeKind;
  title: string;
  body: string;
  serviceId?: string | null;
  versionId?: string | null;
  startsAt?: Date | null;
  endsAt?: Date | null;
  /** A cancellation names the notice it cancels. */
  cancelsNoticeId?: string | null;
}

/**
 * Publishes a notice (R-10, R-21, R-24: on the public page at once) and tells the parties concerned — the
 * organizations with an active subscription to any of `affectedVersionIds` — by e-mail to their contact point
 * and by their webhooks. Both in the caller's transaction: a change that rolls back neither publishes nor sends.
 * `affectedVersionIds` empty with no service means every subscribed organization (a platform-wide notice).
 */
export async function publishNotice(
  trx: Transaction<Database>,
  notice: NoticeInput,
  affectedVersionIds: string[] | 'all',
  now: Date,
  actor: string,
): Promise<string> {
  const id = newId('ntc', now.getTime());
  await trx
    .insertInto('notices')
    .values({
      id,
      kind: notice.kind,
      title: notice.title,
      body: notice.body,
      service_id: notice.serviceId ?? null,
      version_id: notice.versionId ?? null,
      starts_at: notice.startsAt ?? null,
      ends_at: notice.endsAt ?? null,
      published_at: now,
      created_by: actor,
      cancels_notice_id: notice.cancelsNoticeId ?? null,
    })
    .execute();

  let q = trx
    .selectFrom('subscriptions')
    .innerJoin('systems', 'systems.id', 'subscriptions.system_id')
    .innerJoin('organizations', 'organizations.id', 'systems.organization_id')
    .select(['organizations.id', 'organizations.contact_email'])
    .where('subscriptions.status', '=', 'active')
    .distinct();
  if (affectedVersionIds !== 'all') {
    if (affectedVersionIds.length === 0) return id;
    q = q.where('subscriptions.version_id', 'in', affectedVersionIds);
  }
  const parties = await q.execute();
  if (parties.length === 0) return id;
  await enqueueNotification(
    trx,
    {
      eventType: `notice.${notice.kind}`,
      recipients: {
        emails: parties.flatMap((p) => (p.contact_email ? [p.contact_email] : [])),
        organizationIds: parties.map((p) => p.id),
      },
      subject: `[LGSP] ${notice.title}`,
      text: `${notice.body}\n\nThông báo công khai / Public notice: ${id}`,
      payload: {
        noticeId: id,
        kind: notice.kind,
        title: notice.title,
        serviceId: notice.serviceId ?? null,
        versionId: notice.versionId ?? null,
        startsAt: notice.startsAt?.toISOString() ?? null,
        endsAt: notice.endsAt?.toISOString() ?? null,
        ...(notice.cancelsNoticeId ? { cancelsNoticeId: notice.cancelsNoticeId } : {}),
      },
    },
    now.getTime(),
  );
  return id;
}
