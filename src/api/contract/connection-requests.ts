import { type Static, Type } from '@sinclair/typebox';
import {
  binaryResponse,
  Id,
  Nullable,
  OneOf,
  OptionalText,
  PageQuery,
  Strict,
  Text,
  Timestamp,
} from './common.ts';
import { SystemSchema } from './systems.ts';

/** Connection requests (R-08, the regulation's Appendix). */

export const CONNECTION_REQUEST_STATUSES = ['submitted', 'approved', 'rejected'] as const;
export const ConnectionRequestStatusSchema = OneOf(CONNECTION_REQUEST_STATUSES, {
  description:
    'submitted → approved (tạo hệ thống / creates the system) | rejected (có lý do / with a reason)',
});
export type ConnectionRequestStatus = Static<typeof ConnectionRequestStatusSchema>;

/** Item 3 of the Appendix: all of name, title, phone and e-mail; the unit defaults to the organization. */
export const RequestContactSchema = Type.Object(
  {
    name: Text(200, 'Họ và tên / name'),
    title: Text(200, 'Chức vụ / title'),
    unit: OptionalText(300, 'Đơn vị công tác; mặc định là cơ quan / unit; defaults to the organization'),
    phone: Type.String({
      minLength: 1,
      maxLength: 40,
      pattern: '^[0-9+() .-]+$',
      description: 'Số điện thoại',
    }),
    email: Type.String({
      minLength: 3,
      maxLength: 254,
      pattern: '^[^@\\s]+@[^@\\s]+$',
      description: 'Thư điện tử',
    }),
  },
  { ...Strict, description: 'Đầu mối phối hợp (mục 3) / contact point (item 3)' },
);

export const ConnectionRequestCreate = Type.Object(
  {
    organizationId: Type.Optional(
      Id(
        'Cơ quan đề nghị; mặc định là cơ quan của người dùng agency / applicant; defaults to the agency user’s',
      ),
    ),
    systemName: Text(300, 'Tên hệ thống thông tin cần kết nối / system to connect'),
    systemDescription: OptionalText(2000, 'Mô tả hệ thống / system description'),
    isProvider: Type.Optional(Type.Boolean({ description: 'Cung cấp dịch vụ / provides services' })),
    isConsumer: Type.Optional(Type.Boolean({ description: 'Khai thác dịch vụ / consumes services' })),
    purpose: Text(5000, '1. Mục đích sử dụng / purpose of use'),
    scopeOfUse: Text(5000, '2. Phạm vi sử dụng tại cơ quan chủ quản / scope of use'),
    contact: RequestContactSchema,
    otherProposals: OptionalText(5000, '4. Các đề xuất, kiến nghị khác / other proposals'),
    letterNumber: OptionalText(100, 'Số công văn / number of the official letter'),
  },
  Strict,
);
export type ConnectionRequestCreate = Static<typeof ConnectionRequestCreate>;

export const ConnectionRequestApprove = Type.Object(
  { note: Type.Optional(Type.String({ maxLength: 2000, description: 'Ghi chú phê duyệt / approval note' })) },
  Strict,
);
export type ConnectionRequestApprove = Static<typeof ConnectionRequestApprove>;

export const ConnectionRequestReject = Type.Object(
  { reason: Text(2000, 'Lý do từ chối (bắt buộc) / reason (required)') },
  Strict,
);
export type ConnectionRequestReject = Static<typeof ConnectionRequestReject>;

export const ConnectionRequestQuery = PageQuery(
  {
    status: Type.Optional(ConnectionRequestStatusSchema),
    organizationId: Type.Optional(Id('Lọc theo cơ quan / by organization')),
  },
  {
    searches:
      'mã, tên cơ quan, tên hệ thống đề nghị, mã đề nghị / organization code, name, proposed system name, request id',
    sortable: ['submittedAt'],
  },
);

export const ConnectionRequestSchema = Type.Object({
  id: Type.String(),
  organizationId: Type.String(),
  organizationCode: Type.String(),
  organizationName: Type.String(),
  systemName: Type.String(),
  systemDescription: Nullable(Type.String()),
  isProvider: Type.Boolean(),
  isConsumer: Type.Boolean(),
  purpose: Type.String(),
  scopeOfUse: Type.String(),
  contact: Type.Object({
    name: Type.String(),
    title: Nullable(Type.String()),
    unit: Nullable(Type.String()),
    phone: Nullable(Type.String()),
    email: Nullable(Type.String()),
  }),
  otherProposals: Nullable(Type.String()),
  letterNumber: Nullable(Type.String()),
  status: ConnectionRequestStatusSchema,
  decisionReason: Nullable(
    Type.String({ description: 'Lý do từ chối hoặc ghi chú phê duyệt / reason or note' }),
  ),
  decidedBy: Nullable(Type.String()),
  decidedByUsername: Nullable(
    Type.String({
      description: 'Tên đăng nhập của người quyết định / the username of who decided',
      examples: ['admin'],
    }),
  ),
  decidedAt: Nullable(Timestamp),
  systemId: Nullable(Type.String({ description: 'Hệ thống được tạo khi phê duyệt / created on approval' })),
  submittedBy: Type.String(),
  submittedAt: Timestamp,
});
/** A connection request with its organization's code and name (the letter and the notices name them). */
export type ConnectionRequest = Static<typeof ConnectionRequestSchema>;

export const ConnectionRequestApprovalSchema = Type.Object({
  request: ConnectionRequestSchema,
  system: SystemSchema,
});

export const DOCX_MEDIA_TYPE = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';

/** The request as the regulation's Appendix letter, to print, sign and file. */
export const ConnectionRequestLetterResponse = binaryResponse(
  DOCX_MEDIA_TYPE,
  'Tệp Word (.docx) / Word file (.docx)',
);
