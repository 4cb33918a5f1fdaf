import { Type } from '@sinclair/typebox';
import { Id, Nullable, OneOf, PageQuery, Strict, Timestamp } from './common.ts';

/** Connected systems and their traffic (R-07, src/reports/connected-systems.ts). */

export const CONNECTION_STATES = ['active', 'idle', 'failing', 'never'] as const;
export const ConnectionStateSchema = OneOf(CONNECTION_STATES, {
  description:
    'active: giao dịch thành công trong 24 giờ; failing: lỗi phần lớn trong 15 phút (bên cung cấp lỗi 5xx/không kết nối, ' +
    'hoặc bên khai thác bị từ chối vì khoá/token); idle: có kết nối nhưng không có giao dịch thành công trong 24 giờ; ' +
    'never: chưa từng kết nối (lời gọi bị từ chối trước khi chuyển tới bên cung cấp không tính) / connection state',
});

/**
 * One page of connected systems (issue 11), as GET /systems pages them; the connection facts are worked out for
 * that page's systems only.
 */
export const ConnectedSystemsQuery = PageQuery(
  {
    organizationId: Type.Optional(Id('Lọc theo cơ quan / organization')),
    state: Type.Optional(ConnectionStateSchema),
  },
  {
    searches: 'tên hệ thống, mã cơ quan, mã hệ thống / system name, organization code, id',
    sortable: ['name', 'organizationCode', 'createdAt'],
  },
);

export const SystemConnectionQuery = Type.Object(
  {
    days: Type.Integer({
      minimum: 1,
      maximum: 730,
      default: 30,
      description:
        'Số ngày lưu lượng (ngày giờ Việt Nam, UTC+7) tính đến hôm nay / days of traffic history (Vietnam days, UTC+7)',
    }),
  },
  Strict,
);

export const SystemConnectionSchema = Type.Object({
  systemId: Type.String(),
  organizationId: Type.String(),
  organizationCode: Type.String(),
  name: Type.String(),
  systemStatus: Type.String({
    description: 'Trạng thái trong danh mục (active, suspended) / registry status',
  }),
  state: ConnectionStateSchema,
  firstConnectionAt: Nullable(Timestamp),
  lastConnectionAt: Nullable(Timestamp),
  lastSuccessfulSendAt: Nullable(Timestamp),
  lastSuccessfulReceiveAt: Nullable(Timestamp),
  recent: Type.Object({
    windowMinutes: Type.Integer(),
    asProvider: Type.Object({ calls: Type.Integer(), failures: Type.Integer() }),
    asConsumer: Type.Object({ calls: Type.Integer(), credentialRefusals: Type.Integer() }),
  }),
  at: Timestamp,
});

const TrafficPair = Type.Object({ calls: Type.Integer(), errors: Type.Integer() });

export const SystemConnectionDetailSchema = Type.Object({
  ...SystemConnectionSchema.properties,
  history: Type.Object({
    days: Type.Integer(),
    from: Timestamp,
    to: Timestamp,
    rolledUpUntil: Nullable(Timestamp),
    items: Type.Array(Type.Object({ day: Type.String(), asConsumer: TrafficPair, asProvider: TrafficPair })),
  }),
});
