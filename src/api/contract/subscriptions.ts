import { type Static, Type } from '@sinclair/typebox';
import { EnvironmentSchema, Id, Nullable, OneOf, PageQuery, Strict, Timestamps } from './common.ts';

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
  },
  {
    searches:
      'tên hệ thống khai thác, context của dịch vụ, mã đăng ký / consumer system name, service context, subscription id',
    sortable: ['createdAt', 'status'],
  },
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
  ...Timestamps,
});

export type SubscriptionStatus = Static<typeof SubscriptionStatusSchema>;
/** `timeOfUse` is local time, "HH:MM-HH:MM" (may pass midnight); null means all day. */
export type Subscription = Static<typeof SubscriptionSchema>;
