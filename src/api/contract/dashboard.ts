import { type Static, Type } from '@sinclair/typebox';
import { AlertSeveritySchema } from './alerts.ts';
import { Nullable, OneOf, Strict, Timestamp } from './common.ts';
import { RequestAgeSchema } from './subscription-requests.ts';

/** The operator console's dashboard (issue 11): traffic, top services and consumers, alerts, backlog, reviews. */

export const DASHBOARD_BUCKETS = ['minute', 'hour', 'day'] as const;
export type DashboardBucket = (typeof DASHBOARD_BUCKETS)[number];

export const DashboardQuery = Type.Object(
  {
    from: Type.Optional(
      Type.String({
        format: 'date-time',
        description: 'Từ (gồm; mặc định 24 giờ trước) / from, default now − 24 h',
      }),
    ),
    to: Type.Optional(
      Type.String({
        format: 'date-time',
        description: 'Đến (không gồm; mặc định bây giờ) / to, default now',
      }),
    ),
    bucket: Type.Optional(
      OneOf(DASHBOARD_BUCKETS, {
        description:
          'Độ chia biểu đồ; mặc định theo khoảng: ≤ 3 giờ phút, ≤ 7 ngày giờ, còn lại ngày (giờ Việt Nam) / ' +
          'chart step; by default minute up to 3 h, hour up to 7 days, else day (Vietnam days)',
      }),
    ),
  },
  Strict,
);
export type DashboardQuery = Static<typeof DashboardQuery>;

const Count = Type.Integer({ minimum: 0 });
const ErrorRate = Nullable(
  Type.Number({
    description:
      'Lỗi / (lượt gọi − lượt bị từ chối), 0–1: trên các lượt đã chuyển tới bên cung cấp; null khi không có / ' +
      'errors / (calls − refused), 0–1: over the calls passed on to the provider; null when none were',
  }),
);
const Refused = Type.Integer({
  minimum: 0,
  description:
    'Lượt nền tảng tự từ chối, chưa tới bên cung cấp (không tính là lỗi) / calls the gateway refused itself, ' +
    'the provider never reached (not errors)',
});

export const TrafficPointSchema = Type.Object({
  at: Timestamp,
  calls: Count,
  refused: Refused,
  errors: Count,
  errorRate: ErrorRate,
});

const TopEntrySchema = Type.Object({
  id: Type.String(),
  label: Type.String({ description: 'Tên người đọc / what a person reads' }),
  calls: Count,
  refused: Refused,
  errors: Count,
});

export const DashboardReviewKindSchema = OneOf(
  ['connectionRequest', 'serviceSubmission', 'subscriptionRequest', 'versionChange'] as const,
  {
    description:
      'Đề nghị kết nối, phiên bản dịch vụ gửi duyệt, đề nghị đăng ký khai thác, đề nghị thay đổi phiên bản / ' +
      'connection request, service version submitted, subscription request, version change',
  },
);

export const DashboardSchema = Type.Object({
  from: Timestamp,
  to: Timestamp,
  bucket: OneOf(DASHBOARD_BUCKETS),
  generatedAt: Timestamp,
  scope: Type.Object({
    organizationCode: Nullable(
      Type.String({
        description: 'Người dùng cơ quan: chỉ cơ quan này / an agency user: only this organization',
      }),
    ),
  }),
  traffic: Type.Object({
    points: Type.Array(TrafficPointSchema, {
      description:
        'Mỗi khoảng một điểm, kể cả khoảng không có lượt gọi / one point per step, empty steps too',
    }),
    calls: Count,
    refused: Refused,
    errors: Count,
    errorRate: ErrorRate,
  }),
  topServices: Type.Array(TopEntrySchema, {
    description: '10 dịch vụ nhiều lượt gọi nhất / top 10 services',
  }),
  topConsumers: Type.Array(TopEntrySchema, {
    description:
      '10 hệ thống khai thác nhiều lượt gọi nhất, trừ máy khách thử nghiệm của nền tảng / top 10 consumer ' +
      'systems, without the platform’s own test client',
  }),
  alerts: Type.Object({
    open: Type.Object({ info: Count, warning: Count, critical: Count, total: Count }),
    latest: Type.Array(
      Type.Object({
        id: Type.String(),
        kind: Type.String(),
        severity: AlertSeveritySchema,
        subject: Type.String(),
        occurrences: Count,
        openedAt: Timestamp,
        lastSeenAt: Timestamp,
      }),
      { description: '5 cảnh báo mở mới nhất / the 5 latest open alerts' },
    ),
  }),
  backlog: Type.Object({
    engine: Type.String({ description: 'embedded | nats' }),
    waiting: Count,
    oldestAcceptedAt: Nullable(Timestamp),
    oldestAgeSeconds: Nullable(Type.Integer({ minimum: 0 })),
    queues: Type.Array(
      Type.Object({
        versionId: Type.String(),
        label: Type.String({ description: 'context/version' }),
        environment: Type.String(),
        waiting: Count,
        oldestAcceptedAt: Timestamp,
        oldestAgeSeconds: Type.Integer({ minimum: 0 }),
      }),
      {
        description:
          'Thông điệp chờ chuyển theo dịch vụ đích (bộ máy embedded) / messages waiting per destination (embedded)',
      },
    ),
  }),
  reviews: Type.Object({
    waiting: Count,
    overdue: Count,
    byKind: Type.Record(Type.String(), Type.Object({ waiting: Count, overdue: Count })),
    items: Type.Array(
      Type.Object({
        kind: DashboardReviewKindSchema,
        id: Type.String(),
        title: Type.String(),
        organizationName: Type.String(),
        since: Timestamp,
        age: RequestAgeSchema,
      }),
      { description: 'Cũ nhất trước, tối đa 50 / oldest first, up to 50' },
    ),
  }),
});
export type Dashboard = Static<typeof DashboardSchema>;
