import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import type { Clock } from '../../src/core/clock.ts';
import type { EgressPolicy } from '../../src/net/egress.ts';
import { Notifier } from '../../src/notify/notifier.ts';
import { enqueueNotification } from '../../src/notify/outbox.ts';
import type { Store } from '../../src/store/port.ts';
import { TEST_KEK } from './keys.ts';

/** A maintenance notice, the outbox tests' notification: its webhooks are what their receivers count. */
export const MAINTENANCE_NOTICE = {
  eventType: 'notice.maintenance' as const,
  subject: 'Bảo trì dịch vụ Dân cư 1.0',
  text: 'Dịch vụ Dân cư 1.0 tạm dừng từ 22:00 đến 23:00 ngày 08/12/2026.',
  payload: { context: 'dancu', version: '1.0' },
};

/** The notice for one organization (its webhooks), written to the outbox of `store` as a change would. */
export function enqueueNotice(store: Store, clock: Clock, organizationId: string): Promise<unknown> {
  return store.db
    .transaction()
    .execute((trx) =>
      enqueueNotification(
        trx,
        { ...MAINTENANCE_NOTICE, recipients: { organizationIds: [organizationId] } },
        clock.nowMs(),
      ),
    );
}

/** A webhook-only notifier (no SMTP) on `store`, silent, its webhooks held to `webhookTimeoutMs`. */
export function webhookNotifier(
  store: Store,
  clock: Clock,
  egress: EgressPolicy,
  { webhookTimeoutMs, pollIntervalMs = 5000 }: { webhookTimeoutMs: number; pollIntervalMs?: number },
): Notifier {
  return new Notifier(
    store,
    clock,
    { smtpUrl: '', mailFrom: 'lgsp@localhost', pollIntervalMs, maxAttempts: 8 },
    pino({ level: 'silent' }),
    TEST_KEK,
    { egress, webhookTimeoutMs },
  );
}

/** Waits up to 10 s for `holds`, failing with `what`. */
export async function until(what: string, holds: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !holds(); i++) await sleep(10);
  assert.ok(holds(), `waited 10 s for: ${what}`);
}
