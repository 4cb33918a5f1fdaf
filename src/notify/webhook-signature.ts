import { createHmac } from 'node:crypto';

/**
 * Webhooks are signed the Standard Webhooks way (https://www.standardwebhooks.com/), so a receiver verifies them
 * with the convention's maintained libraries in its own language (`standardwebhooks` on npm and PyPI, …) instead of
 * code written for this platform alone. Every delivery carries three headers:
 *
 * - `webhook-id`: the notification id (`ntf_…`). The same on every retry of one notification to one endpoint, so
 *   the receiver deduplicates on it: a delivery may arrive more than once, never less.
 * - `webhook-timestamp`: when this attempt was sent, unix seconds. Receivers refuse one more than 5 minutes off.
 * - `webhook-signature`: `v1,<base64 HMAC-SHA256(key, "<webhook-id>.<webhook-timestamp>.<raw body>")>`; the header
 *   may list several space-separated signatures, one matching is enough.
 *
 * The key. The endpoint's secret is stored (sealed) as the text it was issued as; the HMAC key is that text's UTF-8
 * bytes — the very key earlier versions of the platform signed with, so secrets issued before the change keep
 * working. The receiver is given the key in the convention's form, `whsec_` + base64(key bytes), when the endpoint
 * is created; a receiver holding a secret issued earlier (the bare text) passes it to its library as raw bytes
 * (`new Webhook(secret, { format: 'raw' })`) or prefixes `whsec_` to its base64 form.
 */

/** The convention's prefix of a secret in its base64 form. */
export const WEBHOOK_SECRET_PREFIX = 'whsec_';

/** The HMAC key of an endpoint secret as stored: its UTF-8 bytes (see the module comment). */
export function webhookKey(storedSecret: string): Buffer {
  return Buffer.from(storedSecret, 'utf8');
}

/** The secret as the receiver is given it, once: `whsec_<base64 of the key bytes>`. */
export function receiverSecret(storedSecret: string): string {
  return `${WEBHOOK_SECRET_PREFIX}${webhookKey(storedSecret).toString('base64')}`;
}

/** The `webhook-signature` value of one delivery attempt: `v1,<base64 HMAC-SHA256>`. */
export function signWebhook(
  storedSecret: string,
  webhookId: string,
  timestampSeconds: number,
  body: string | Buffer,
): string {
  const mac = createHmac('sha256', webhookKey(storedSecret))
    .update(`${webhookId}.${timestampSeconds}.`)
    .update(body)
    .digest('base64');
  return `v1,${mac}`;
}

/**
 * The three headers of one delivery attempt (lower case, as HTTP/2 and Node send them). During a secret rotation's
 * overlap the endpoint has two secrets: one signature each, space-separated, the current one first.
 */
export function webhookHeaders(
  storedSecrets: readonly string[],
  webhookId: string,
  timestampSeconds: number,
  body: string | Buffer,
): Record<'webhook-id' | 'webhook-timestamp' | 'webhook-signature', string> {
  return {
    'webhook-id': webhookId,
    'webhook-timestamp': String(timestampSeconds),
    'webhook-signature': storedSecrets
      .map((secret) => signWebhook(secret, webhookId, timestampSeconds, body))
      .join(' '),
  };
}

/**
 * What a receiver needs to know to verify, as data the API answers with (`listWebhookEventTypes`) and the
 * console shows beside the event list; docs/webhooks.md says the same at length.
 */
export const WEBHOOK_SIGNATURE_SCHEME = {
  name: 'Standard Webhooks v1',
  specification: 'https://www.standardwebhooks.com/',
  headers: ['webhook-id', 'webhook-timestamp', 'webhook-signature'],
  signedContent: '<webhook-id>.<webhook-timestamp>.<raw body>',
  signature: 'v1,<base64 HMAC-SHA256(key, signed content)>',
  secretFormat: 'whsec_<base64 key>',
  toleranceSeconds: 300,
  description: {
    vi:
      'Xác minh bằng thư viện Standard Webhooks (npm/PyPI `standardwebhooks`) với khoá whsec_… nhận khi tạo ' +
      'webhook; từ chối timestamp lệch quá 5 phút; loại trùng theo webhook-id (giống nhau ở mọi lần gửi lại); trả ' +
      '2xx trong 10 giây, nếu không sẽ gửi lại (docs/webhooks.md)',
    en:
      'Verify with a Standard Webhooks library (npm/PyPI `standardwebhooks`) and the whsec_… key shown when the ' +
      'webhook was created; refuse a timestamp more than 5 minutes off; deduplicate on webhook-id (the same on ' +
      'every retry); answer 2xx within 10 s, or the delivery is retried (docs/webhooks.md)',
  },
} as const;
