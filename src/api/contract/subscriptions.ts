import { type Static, Type } from '@sinclair/typebox';
import {
  EnvironmentSchema,
  Id,
  Nullable,
  OneOf,
  PageQuery,
  Strict,
  Timestamp,
  Timestamps,
} from './common.ts';

/** Subscriptions: a consumer system's use of a version in one environment. */

export const SUBSCRIPTION_STATUSES = ['active', 'suspended', 'revoked'] as const;
export const SubscriptionStatusSchema = OneOf(SUBSCRIPTION_STATUSES);
const Quota = (per: string) =>
  Type.Optional(
    Nullable(Type.Integer({ minimum: 1, maximum: 2147483647, description: `Hạn mức số lần gọi mỗi ${per}` })),
  );
const TimeOfUse = Type.Optional(
  Nullable(
    Type.String({
      maxLength: 20,
      description: 'Thời gian khai thác theo giờ địa phương, HH:MM-HH:MM / local time of use',
      examples: ['07:00-17:30'],
    }),
  ),
);

export const SubscriptionCreate = Type.Object(
  {
    systemId: Id('Hệ thống khai thác / consumer system'),
    versionId: Id('Phiên bản dịch vụ / service version'),
    environment: EnvironmentSchema,
    status: Type.Optional(SubscriptionStatusSchema),
    quotaPerMinute: Quota('phút / per minute'),
    quotaPerDay: Quota('ngày / per day'),
    timeOfUse: TimeOfUse,
  },
  Strict,
);
export type SubscriptionCreate = Static<typeof SubscriptionCreate>;

export const SubscriptionPatch = Type.Object(
  {
    status: Type.Optional(SubscriptionStatusSchema),
    quotaPerMinute: Quota('phút / per minute'),
    quotaPerDay: Quota('ngày / per day'),
    timeOfUse: TimeOfUse,
  },
  { ...Strict, minProperties: 1 },
);
export type SubscriptionPatch = Static<typeof SubscriptionPatch>;

export const SubscriptionQuery = PageQuery(
  {
    systemId: Type.Optional(Id('Lọc theo hệ thống')),
    versionId: Type.Optional(Id('Lọc theo phiên bản')),
    status: Type.Optional(SubscriptionStatusSchema),
    environment: Type.Optional(EnvironmentSchema),
    organizationId: Type.Optional(Id('Lọc theo cơ quan khai thác / by consumer organization')),
    ending: Type.Optional(
      Type.Boolean({
        description:
          'true: chỉ đăng ký có `ending` (phiên bản hay dịch vụ sắp ngừng, đã ngừng); false: không có / ' +
          'true: only those with an `ending` (the version or the service ends or has ended); false: those without',
      }),
    ),
  },
  {
    searches:
      'tên hệ thống khai thác, context của dịch vụ, mã đăng ký / consumer system name, service context, subscription id',
    sortable: ['createdAt', 'status'],
  },
);

/**
 * Why a subscription stops working, so a consumer sees it beside the subscription, not only in the
 * notices: its version's sunset (deprecated once a newer version was published; retired on that date) or its
 * service's decommission (announced ≥ 60 days ahead). The earlier of the two when both; a cancelled decommission
 * is no longer one.
 */
export const SUBSCRIPTION_ENDING_KINDS = ['version_sunset', 'service_decommission'] as const;
export const SubscriptionEndingSchema = Type.Object(
  {
    kind: OneOf(SUBSCRIPTION_ENDING_KINDS, {
      description:
        'version_sunset: phiên bản ngừng (R-18); service_decommission: dịch vụ ngừng (R-21) / ' +
        'the version’s sunset or the service’s decommission',
    }),
    endsAt: { ...Timestamp, description: 'Thời điểm ngừng hoạt động / when it stops answering' },
    noticeId: Nullable(
      Type.String({
        description:
          'Thông báo công khai về việc này (cổng thông tin /portal/notices/{id}) / the public notice',
      }),
    ),
    replacementVersionId: Nullable(
      Type.String({
        description:
          'Phiên bản đã công bố mới nhất của dịch vụ để chuyển sang, nếu có / the newest published version to move to',
      }),
    ),
    replacementVersion: Nullable(Type.String({ description: 'Tên phiên bản đó, ví dụ 2.0 / its name' })),
  },
  { description: 'Đăng ký sắp ngừng hoặc đã ngừng vì sao và khi nào / why and when the subscription ends' },
);

export const SubscriptionSchema = Type.Object({
  id: Type.String(),
  systemId: Type.String(),
  versionId: Type.String(),
  environment: EnvironmentSchema,
  status: SubscriptionStatusSchema,
  quotaPerMinute: Nullable(Type.Integer()),
  quotaPerDay: Nullable(Type.Integer()),
  timeOfUse: Nullable(Type.String()),
  /** Null while neither the version nor the service is announced to end. */
  ending: Nullable(SubscriptionEndingSchema),
  ...Timestamps,
});

export type SubscriptionStatus = Static<typeof SubscriptionStatusSchema>;
/** `timeOfUse` is local time, "HH:MM-HH:MM" (may pass midnight); null means all day. */
export type Subscription = Static<typeof SubscriptionSchema>;
export type SubscriptionEnding = Static<typeof SubscriptionEndingSchema>;
