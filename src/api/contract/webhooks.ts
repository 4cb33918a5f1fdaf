import { type Static, Type } from '@sinclair/typebox';
import { LocalizedTextSchema, PageQuery, Strict } from './common.ts';

/** Organizations' webhook endpoints for notices and decisions. */

export const WebhookCreate = Type.Object(
  {
    organizationId: Type.Optional(
      Type.String({ minLength: 1, maxLength: 100, description: 'Mặc định: cơ quan của người dùng agency' }),
    ),
    url: Type.String({
      minLength: 1,
      maxLength: 2000,
      description:
        'https://… nhận thông báo ký theo Standard Webhooks / receives notifications signed the Standard Webhooks way',
    }),
    events: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 100 }), {
        maxItems: 50,
        description:
          'Loại sự kiện (GET /api/v1/webhooks/event-types), ví dụ notice.deprecation; để trống = tất cả / event ' +
          'types; empty = all',
      }),
    ),
  },
  Strict,
);
export type WebhookCreate = Static<typeof WebhookCreate>;
/** One page of webhook endpoints (issue 11), oldest first by default as before. */
export const WebhookQuery = PageQuery(
  { organizationId: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })) },
  { searches: 'địa chỉ URL, mã webhook / URL, id', sortable: ['createdAt', 'url'] },
);

export const WebhookSchema = Type.Object({
  id: Type.String(),
  organizationId: Type.String(),
  url: Type.String(),
  events: Type.Array(Type.String()),
  active: Type.Boolean(),
  createdAt: Type.String({ format: 'date-time' }),
  previousSecretExpiresAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
    description:
      'Khoá cũ (trước lần đổi khoá gần nhất) còn ký kèm đến thời điểm này / the previous secret also signs until then',
  }),
});
/** A webhook endpoint; `events` are the event types it receives, empty = all. */
export type WebhookEndpoint = Static<typeof WebhookSchema>;
export const CreatedWebhookSchema = Type.Object({
  ...WebhookSchema.properties,
  secret: Type.String({
    description:
      'Khoá ký dạng whsec_<base64> (Standard Webhooks): chỉ hiển thị MỘT lần / signing key, whsec_<base64>: ' +
      'shown ONCE (docs/webhooks.md)',
  }),
});
export const WebhookRotateSecret = Type.Object(
  {
    overlapHours: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 168,
        default: 24,
        description:
          'Số giờ khoá cũ còn ký kèm khoá mới (mặc định 24; 0: thôi ngay) / hours the old secret keeps signing ' +
          'beside the new one (default 24; 0: stops at once)',
      }),
    ),
  },
  Strict,
);
export type WebhookRotateSecret = Static<typeof WebhookRotateSecret>;
/** Returned once, at creation and at each rotation: the signing secret is never shown again. */
export type CreatedWebhookEndpoint = Static<typeof CreatedWebhookSchema>;

export const WebhookEventTypeSchema = Type.Object({
  name: Type.String({ description: 'Giá trị `type` của thân webhook / the body’s `type`' }),
  description: LocalizedTextSchema,
  example: Type.Record(Type.String(), Type.Unknown(), {
    description: 'Một thân webhook mẫu: id, type, timestamp, data / an example body',
  }),
});
export const WebhookSignatureSchemeSchema = Type.Object({
  name: Type.String(),
  specification: Type.String(),
  headers: Type.Array(Type.String()),
  signedContent: Type.String(),
  signature: Type.String(),
  secretFormat: Type.String(),
  toleranceSeconds: Type.Integer(),
  description: LocalizedTextSchema,
});
export const WebhookEventCatalogueSchema = Type.Object({
  items: Type.Array(WebhookEventTypeSchema),
  signature: WebhookSignatureSchemeSchema,
});
/** Every event the platform sends and how deliveries are signed (docs/webhooks.md). */
export type WebhookEventCatalogue = Static<typeof WebhookEventCatalogueSchema>;
