import { type Static, Type } from '@sinclair/typebox';
import { Strict } from './common.ts';

/** Organizations' webhook endpoints for notices and decisions. */

export const WebhookCreate = Type.Object(
  {
    organizationId: Type.Optional(
      Type.String({ minLength: 1, maxLength: 100, description: 'Mặc định: cơ quan của người dùng agency' }),
    ),
    url: Type.String({
      minLength: 1,
      maxLength: 2000,
      description: 'https://… nhận thông báo đã ký HMAC / receives HMAC-signed notifications',
    }),
    events: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 100 }), {
        maxItems: 50,
        description: 'Loại sự kiện, ví dụ notice.deprecation; để trống = tất cả / event types; empty = all',
      }),
    ),
  },
  Strict,
);
export type WebhookCreate = Static<typeof WebhookCreate>;
export const WebhookQuery = Type.Object(
  { organizationId: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })) },
  Strict,
);

export const WebhookSchema = Type.Object({
  id: Type.String(),
  organizationId: Type.String(),
  url: Type.String(),
  events: Type.Array(Type.String()),
  active: Type.Boolean(),
  createdAt: Type.String({ format: 'date-time' }),
});
/** A webhook endpoint; `events` are the event types it receives, empty = all. */
export type WebhookEndpoint = Static<typeof WebhookSchema>;
export const CreatedWebhookSchema = Type.Object({
  ...WebhookSchema.properties,
  secret: Type.String({
    description:
      'Khoá ký HMAC: chỉ hiển thị MỘT lần / HMAC signing key: shown ONCE (docs/gateway.md §webhook)',
  }),
});
/** Returned once, at creation: the signing secret is never shown again. */
export type CreatedWebhookEndpoint = Static<typeof CreatedWebhookSchema>;
