import { type Static, Type } from '@sinclair/typebox';
import { Nullable, OneOf, PageQuery, Strict } from './common.ts';
import { TechnicalDocumentTypeSchema } from './versions.ts';

/**
 * The workflow steps of versions, credentials, services ending, maintenance and notices
 * (R-24).
 */

const When = (description: string) => Type.String({ format: 'date-time', description });

/** The most characters of a version's technical document (OpenAPI 3 or WSDL) the API takes: the console says it. */
export const TECHNICAL_DOCUMENT_MAX_CHARS = 2_000_000;

export const VersionSubmit = Type.Object(
  {
    technicalDocument: Type.String({
      minLength: 1,
      maxLength: TECHNICAL_DOCUMENT_MAX_CHARS,
      description: 'OpenAPI 3 (JSON/YAML) hoặc WSDL',
    }),
    documentType: TechnicalDocumentTypeSchema,
  },
  Strict,
);
export const VersionReject = Type.Object({ reason: Type.String({ minLength: 1, maxLength: 2000 }) }, Strict);
export const VersionPublish = Type.Object(
  {
    previousSunsetAt: Type.Optional(
      When('Ngày ngừng phiên bản trước, ≥ 180 ngày (R-18) / predecessor sunset'),
    ),
  },
  Strict,
);
export const CredentialRotate = Type.Object(
  {
    overlapHours: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 720, description: 'Thời gian cả hai khoá cùng dùng được (R-19)' }),
    ),
  },
  Strict,
);
export const ServiceDecommission = Type.Object(
  {
    at: When('Ngày ngừng, ≥ 60 ngày sau hôm nay (R-21)'),
    reason: Type.String({ minLength: 1, maxLength: 2000 }),
  },
  Strict,
);
/**
 * Cancelling an announced maintenance window or a scheduled decommission: the reason, if given, is
 * published in the cancellation notice and kept in the audit event.
 */
export const AnnouncementCancel = Type.Object(
  {
    reason: Type.Optional(
      Type.String({ minLength: 1, maxLength: 2000, description: 'Lý do huỷ (công khai) / why, published' }),
    ),
  },
  Strict,
);
export const MaintenanceCreate = Type.Object(
  {
    serviceId: Type.Union([Type.String({ minLength: 1, maxLength: 100 }), Type.Null()], {
      description: 'null: mọi dịch vụ / every service',
    }),
    startsAt: When('Bắt đầu (phải ở tương lai) / start, in the future'),
    endsAt: When('Kết thúc / end'),
    title: Type.String({ minLength: 1, maxLength: 300 }),
    body: Type.String({ minLength: 1, maxLength: 5000 }),
  },
  Strict,
);
/**
 * Who still calls a version, one page of consumer × environment rows (issue 11): busiest first by default.
 */
export const VersionConsumersQuery = PageQuery(
  { since: Type.Optional(When('Từ thời điểm / since')) },
  {
    searches: 'mã hệ thống, mã cơ quan, môi trường / system id, organization code, environment',
    sortable: ['calls', 'lastCallAt', 'organizationCode'],
  },
);

export const NOTICE_KINDS = [
  'deprecation',
  'decommission',
  'maintenance',
  'endpoint_change',
  'announcement',
  // A cancellation names the notice it cancels (`cancelsNoticeId`); that notice then names it (`cancelledBy`).
  'maintenance_cancelled',
  'decommission_cancelled',
] as const;
export type NoticeKind = (typeof NOTICE_KINDS)[number];

/** One page of notices (issue 11), newest first by default; the console's and the portal's lists alike. */
export const NoticeQuery = PageQuery(
  {
    kind: Type.Optional(OneOf(NOTICE_KINDS)),
    serviceId: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  },
  {
    searches: 'tiêu đề, nội dung / title, body',
    sortable: ['publishedAt', 'startsAt'],
  },
);
export type NoticeQuery = Static<typeof NoticeQuery>;

/** A public notice, readable without login. */
export const NoticeSchema = Type.Object({
  id: Type.String(),
  kind: Type.Unsafe<NoticeKind>({ type: 'string', description: NOTICE_KINDS.join(' | ') }),
  title: Type.String(),
  body: Type.String(),
  serviceId: Nullable(Type.String()),
  versionId: Nullable(Type.String()),
  startsAt: Nullable(
    Type.String({
      format: 'date-time',
      description:
        'Bắt đầu bảo trì, ngày ngừng dịch vụ, hạn ngừng phiên bản; với thông báo huỷ: của lịch đã huỷ / ' +
        'start of the window, end of the service, sunset of the version; for a cancellation: of what it cancels',
    }),
  ),
  endsAt: Nullable(
    Type.String({
      format: 'date-time',
      description:
        'Kết thúc bảo trì; với thông báo huỷ: của lịch đã huỷ / end of the window; for a cancellation: of what it cancels',
    }),
  ),
  publishedAt: Type.String({ format: 'date-time' }),
  /** The cancellation of the window or the end this notice announced; null while it stands. */
  cancelledBy: Nullable(
    Type.Object(
      {
        id: Type.String({ description: 'Thông báo huỷ / the cancellation notice' }),
        at: Type.String({ format: 'date-time', description: 'Thời điểm huỷ / when it was cancelled' }),
      },
      { description: 'Thông báo đã huỷ lịch này / the notice that cancelled this one' },
    ),
  ),
  /** For a cancellation (`maintenance_cancelled`, `decommission_cancelled`): the notice it cancels. */
  cancelsNoticeId: Nullable(Type.String()),
});
export const ConsumerUseSchema = Type.Object({
  systemId: Type.String(),
  organizationCode: Nullable(Type.String()),
  environment: Nullable(Type.String()),
  calls: Type.Integer(),
  lastCallAt: Type.String({ format: 'date-time' }),
});

export const CancelledSubscriptionSchema = Type.Object({ revokedCredentials: Type.Array(Type.String()) });

export type Notice = Static<typeof NoticeSchema>;

/**
 * What a notice's dates are, in words, Vietnamese and English: the one wording of the portal, the console, the
 * Atom feed and the CLI (each formats an instant its own way, in Vietnam time). A cancellation carries the dates of
 * what it cancelled, so it reads as cancelled — "Đã huỷ bảo trì dự kiến từ … đến …" — never as something starting
 * then. Null when the notice has no date.
 */
export function noticeDates(
  notice: Pick<Notice, 'kind' | 'startsAt' | 'endsAt'>,
  format: (iso: string) => string,
): { vi: string; en: string } | null {
  if (notice.startsAt === null) return null;
  const from = format(notice.startsAt);
  const to = notice.endsAt === null ? null : format(notice.endsAt);
  const span =
    to === null
      ? { vi: `từ ${from}`, en: `from ${from}` }
      : { vi: `từ ${from} đến ${to}`, en: `from ${from} to ${to}` };
  switch (notice.kind) {
    case 'maintenance':
      return { vi: `Bảo trì ${span.vi}`, en: `Maintenance ${span.en}` };
    case 'maintenance_cancelled':
      return { vi: `Đã huỷ bảo trì dự kiến ${span.vi}`, en: `Cancelled: maintenance planned ${span.en}` };
    case 'decommission':
      return { vi: `Ngừng cung cấp dịch vụ từ ${from}`, en: `The service ends at ${from}` };
    case 'decommission_cancelled':
      return {
        vi: `Đã huỷ lịch ngừng cung cấp dự kiến từ ${from}`,
        en: `Cancelled: service end planned for ${from}`,
      };
    case 'deprecation':
      return { vi: `Hạn ngừng phiên bản: ${from}`, en: `Version sunset: ${from}` };
    default:
      return { vi: `Hiệu lực ${span.vi}`, en: `In effect ${span.en}` };
  }
}
