/**
 * Every event the platform tells organizations about, once (issue 11: the webhook page documents them). The outbox
 * refuses an event type not listed here (src/notify/outbox.ts), endpoints may subscribe only to these names
 * (src/control/webhooks.ts), and `GET /api/v1/webhooks/event-types` answers this list — so the catalogue a receiver
 * reads and what the platform sends cannot drift apart. Adding an event: add it here, with its description and an
 * example of its `data`, then call `enqueueNotification` with its name.
 */

export interface WebhookEventType {
  /** Dotted lower-case name, the webhook body's `type`. */
  name: string;
  /** When it is sent and to whom, in Vietnamese and in English (the console shows the reader's). */
  description: { vi: string; en: string };
  /** A realistic `data` of the webhook body (ids and times made up). */
  exampleData: Record<string, unknown>;
}

const NOTICE_DATA = {
  noticeId: 'ntc_0mx6x9m00fg6yxi9z8qx9xjo5',
  title: 'Ngừng hoạt động dịch vụ dân cư 1.0 / Population service 1.0 deprecated',
  serviceId: 'svc_0mx6x9m007w5dq0l8ly1awc6w',
  versionId: 'ver_0mx6x9m000c0zqfp41wdd6h3b',
  startsAt: '2027-06-14T17:00:00.000Z',
  endsAt: null,
};

const notice = (kind: string, vi: string, en: string): WebhookEventType => ({
  name: `notice.${kind}`,
  description: {
    vi: `Thông báo công khai: ${vi}; gửi tới cơ quan đang khai thác dịch vụ`,
    en: `A public notice: ${en}; sent to the organizations consuming the service`,
  },
  exampleData: {
    ...NOTICE_DATA,
    kind,
    ...(kind.endsWith('_cancelled') ? { cancelsNoticeId: 'ntc_0mx6x9m00a1b2c3d4e5f6g7h8' } : {}),
  },
});

const SUBSCRIPTION_DATA = {
  requestId: 'req_0mx6x9m009j2dlqs52cdnj7i6',
  systemId: 'sys_0mx6x9m00xgjv17smgp9oqg7y',
  versionId: 'ver_0mx6x9m000c0zqfp41wdd6h3b',
  context: 'dancu',
  version: '1.0',
  reasons: [],
  sandboxSubscriptionId: 'sub_0mx6x9m00l9jey7spa6tre6kp',
  productionSubscriptionId: null,
  guidePath: '/api/v1/subscription-requests/req_0mx6x9m009j2dlqs52cdnj7i6/guide',
};

const subscription = (status: string, vi: string, en: string): WebhookEventType => ({
  name: `subscription_request.${status}`,
  description: {
    vi: `Đề nghị khai thác dịch vụ ${vi} (tới cơ quan khai thác)`,
    en: `A subscription request ${en} (to the consumer organization)`,
  },
  exampleData: {
    ...SUBSCRIPTION_DATA,
    status,
    ...(status === 'needs_completion' || status === 'rejected'
      ? { reasons: ['Thiếu văn bản đề nghị có chữ ký số / the signed request letter is missing'] }
      : {}),
    ...(status === 'production_approved'
      ? { productionSubscriptionId: 'sub_0mx6x9m00ix1n3w0wqi6dtc88' }
      : {}),
  },
});

const connection = (status: 'approved' | 'rejected', vi: string): WebhookEventType => ({
  name: `connection_request.${status}`,
  description: {
    vi: `Đề nghị kết nối hệ thống ${vi} (tới cơ quan đề nghị)`,
    en: `A connection request ${status} (to the requesting organization)`,
  },
  exampleData: {
    requestId: 'req_0mx6x9m00sbi6qo5pkjv0rl2t',
    organizationId: 'org_0mx6x9m00j7wgpmct0skk3xwr',
    systemName: 'Hệ thống một cửa điện tử',
    status,
    reason: status === 'approved' ? null : 'Thiếu thông tin đầu mối kỹ thuật / no technical contact',
    systemId: status === 'approved' ? 'sys_0mx6x9m00xgjv17smgp9oqg7y' : null,
  },
});

const versionChange = (status: string, vi: string, en: string): WebhookEventType => ({
  name: `version_change.${status}`,
  description: {
    vi: `Đề nghị thay đổi phiên bản ${vi} (tới cơ quan cung cấp)`,
    en: `A proposed version change ${en} (to the provider organization)`,
  },
  exampleData: {
    changeId: 'req_0mx6x9m00m3kq8c2xw7e5r1tz',
    versionId: 'ver_0mx6x9m000c0zqfp41wdd6h3b',
    context: 'dancu',
    version: '1.0',
    status,
    reasons: status === 'rejected' ? ['Thiếu mô tả thay đổi / the change is not described'] : [],
  },
});

const MESSAGE_DATA = {
  messageId: 'msg_0mx6x9m00wu37vhndy83f6u6f',
  sourceSystemId: 'sys_0mx6x9m00xgjv17smgp9oqg7y',
  destination: {
    context: 'hoso',
    version: '1.0',
    versionId: 'ver_0mx6x9m003lbl0nmbhgcpo0vt',
    providerSystemId: 'sys_0mx6x9m009t979wws5tra4frr',
  },
  environment: 'production',
  sizeBytes: 2048,
  sha256: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
  acceptedAt: '2026-12-03T02:15:00.000Z',
  expiresAt: '2026-12-10T02:15:00.000Z',
};

const alert = (state: 'opened' | 'escalated' | 'resolved', vi: string): WebhookEventType => ({
  name: `alert.${state}`,
  description: {
    vi: `Cảnh báo vận hành ${vi} (tới cơ quan vận hành và cơ quan liên quan)`,
    en: `An operational alert ${state} (to the operator organization and the organizations concerned)`,
  },
  exampleData: {
    alertId: 'alr_0mx6x9m00fc5acu9u7yqz4jqt',
    kind: 'provider.failing',
    key: 'provider.failing:ver_0mx6x9m000c0zqfp41wdd6h3b:production',
    state: state === 'resolved' ? 'resolved' : 'open',
    severity: state === 'escalated' ? 'critical' : 'warning',
    subject: 'dancu 1.0 (production): 12/40 lời gọi lỗi / calls failed',
    details: { failed: 12, calls: 40 },
  },
});

/** The catalogue, in the order the console lists it. */
export const WEBHOOK_EVENT_TYPES: readonly WebhookEventType[] = [
  notice(
    'deprecation',
    'phiên bản dịch vụ sắp ngừng (có ngày ngừng)',
    'a version is deprecated (with its sunset date)',
  ),
  notice('decommission', 'dịch vụ hoặc phiên bản sẽ bị huỷ', 'a service or version will be decommissioned'),
  notice('maintenance', 'lịch bảo trì', 'a maintenance window'),
  notice('endpoint_change', 'thay đổi địa chỉ hoặc cấu hình kết nối', 'an endpoint or connection change'),
  notice('announcement', 'thông báo chung', 'a general announcement'),
  notice(
    'maintenance_cancelled',
    'lịch bảo trì đã báo bị huỷ (cancelsNoticeId là thông báo bảo trì)',
    'an announced maintenance window is cancelled (cancelsNoticeId names its notice)',
  ),
  notice(
    'decommission_cancelled',
    'lịch ngừng cung cấp dịch vụ bị huỷ, dịch vụ tiếp tục (cancelsNoticeId là thông báo ngừng)',
    "a service's scheduled end is cancelled, it carries on (cancelsNoticeId names its notice)",
  ),
  subscription('sandbox_approved', 'được duyệt ở môi trường thử nghiệm', 'approved in the sandbox'),
  subscription('production_approved', 'được duyệt ở môi trường chính thức', 'approved in production'),
  subscription('needs_completion', 'cần bổ sung (kèm các mục)', 'needs completion (with the items)'),
  subscription('rejected', 'bị từ chối (kèm lý do)', 'rejected (with reasons)'),
  connection('approved', 'được chấp thuận'),
  connection('rejected', 'không được chấp thuận'),
  versionChange('sandbox_test', 'được duyệt để thử nghiệm ở sandbox', 'approved for a sandbox test'),
  versionChange('applied', 'đã được áp dụng vào production', 'applied to production'),
  versionChange('rejected', 'bị từ chối', 'rejected'),
  {
    name: 'message.delivered',
    description: {
      vi: 'Thông điệp bất đồng bộ đã được đích xác nhận, kèm biên nhận đã ký (tới cơ quan nguồn)',
      en: 'An async message was acknowledged by its destination, with the signed receipt (to the source organization)',
    },
    exampleData: {
      ...MESSAGE_DATA,
      state: 'delivered',
      attempts: 1,
      deliveredAt: '2026-12-03T02:15:02.000Z',
      lastError: null,
      receipt: 'eyJhbGciOiJFUzI1NiIsImtpZCI6Imsx…',
    },
  },
  {
    name: 'message.dead',
    description: {
      vi: 'Thông điệp bất đồng bộ không thể chuyển (hết số lần thử hoặc hết hạn); nội dung đã bị xoá (tới cơ quan nguồn)',
      en:
        'An async message will never be delivered (attempts used up or expired); its payload is deleted ' +
        '(to the source organization)',
    },
    exampleData: {
      ...MESSAGE_DATA,
      state: 'dead',
      attempts: 8,
      deliveredAt: null,
      lastError: 'HTTP 503',
    },
  },
  alert('opened', 'mở'),
  alert('escalated', 'nâng mức nghiêm trọng'),
  alert('resolved', 'đã xử lý'),
];

const NAMES: ReadonlySet<string> = new Set(WEBHOOK_EVENT_TYPES.map((e) => e.name));

/** Whether the platform sends an event of this name (the outbox sends no other). */
export function isWebhookEventName(name: string): boolean {
  return NAMES.has(name);
}

/**
 * The body of a webhook, the Standard Webhooks payload shape: `type`, `timestamp` (when the event happened, ISO
 * 8601) and `data`, with the notification id — the `webhook-id` header's value — also inside, for receivers that
 * log bodies apart from headers. The sender and the catalogue's examples both build it here.
 */
export function webhookBody(notification: {
  id: string;
  type: string;
  createdAtMs: number;
  data: unknown;
}): string {
  return JSON.stringify({
    id: notification.id,
    type: notification.type,
    timestamp: new Date(notification.createdAtMs).toISOString(),
    data: notification.data,
  });
}
