import type { Transaction } from 'kysely';
import type { Environment, SubscriptionRequest } from '../../api/contract/index.ts';
import { enqueueNotification } from '../../notify/outbox.ts';
import type { Database } from '../../store/schema.ts';

/**
 * Tells the consumer organization (contact e-mail and webhooks) of a reviewer's decision, Vietnamese first (R-12:
 * approval with the technical guide, "a notice saying what must be completed", refusal with reasons). Written to
 * the transactional outbox in the decision's own transaction, so a refused step sends nothing.
 */
export async function notifyDecision(
  trx: Transaction<Database>,
  request: SubscriptionRequest,
  nowMs: number,
): Promise<void> {
  const org = await trx
    .selectFrom('organizations')
    .select('contact_email')
    .where('id', '=', request.organizationId)
    .executeTakeFirst();
  const what = `dịch vụ "${request.serviceName}" (${request.context} ${request.version})`;
  const whatEn = `${request.context} ${request.version}`;
  const who = `hệ thống "${request.systemName}" của ${request.organizationName}`;
  const base = `/api/v1/subscription-requests/${request.id}`;
  const reasons = request.reasons.map((r) => `  - ${r}`);
  const terms =
    `Hạn mức / Quota: ${request.frequencyPerDay} lượt/ngày per day` +
    (request.frequencyPerMinute ? `, ${request.frequencyPerMinute} lượt/phút per minute` : '') +
    `; thời gian khai thác / time of use: ${request.timeOfUse ?? 'cả ngày / all day'}.`;
  const collect = (environment: Environment, issued: boolean) =>
    issued
      ? [
          `Nhận consumer key và secret (chỉ hiển thị MỘT lần) / Collect the key and secret (shown ONCE): ` +
            `lgsp subreq collect ${request.id} --env ${environment}  (POST ${base}/credentials/${environment}/collect)`,
        ]
      : [
          `Hệ thống dùng consumer key ${environment} đang có / The system uses its existing ${environment} consumer key.`,
        ];

  let subject: string;
  let lines: string[];
  switch (request.status) {
    case 'sandbox_approved':
      subject = `Đăng ký khai thác ${whatEn} được duyệt ở môi trường thử nghiệm (sandbox) / Sandbox access approved`;
      lines = [
        `Đề nghị đăng ký khai thác ${what} của ${who} (${request.id}) đã được phê duyệt ở môi trường thử nghiệm (sandbox).`,
        terms,
        ...collect('sandbox', request.sandboxCredentialId !== null),
        `Tài liệu hướng dẫn kỹ thuật / Technical guide: lgsp subreq guide ${request.id}  (GET ${base}/guide)`,
        `Sau khi gọi thử thành công qua LGSP, đề nghị cấp tài khoản chính thức / After a successful sandbox call, ` +
          `ask for production: lgsp subreq request-production ${request.id}`,
        '',
        `Your subscription request ${request.id} for ${whatEn} was approved in the sandbox.`,
      ];
      break;
    case 'production_approved':
      subject = `Đăng ký khai thác ${whatEn} được duyệt ở môi trường chính thức / Production access approved`;
      lines = [
        `Đề nghị khai thác chính thức ${what} của ${who} (${request.id}) đã được phê duyệt.`,
        terms,
        ...collect('production', request.productionCredentialId !== null),
        '',
        `Your subscription request ${request.id} for ${whatEn} was approved in production.`,
      ];
      break;
    case 'needs_completion':
      subject = `Đề nghị đăng ký khai thác ${whatEn} cần bổ sung / Your subscription request needs completing`;
      lines = [
        `Đề nghị đăng ký khai thác ${what} của ${who} (${request.id}) cần được bổ sung các nội dung sau:`,
        ...reasons,
        `Bổ sung và gửi lại / Complete it and resubmit: lgsp subreq resubmit ${request.id}  (POST ${base}/resubmit)`,
        '',
        `Your subscription request ${request.id} for ${whatEn} needs the items above before it can be approved.`,
      ];
      break;
    default:
      subject = `Đề nghị đăng ký khai thác ${whatEn} không được chấp thuận / Subscription request rejected`;
      lines = [
        `Đề nghị đăng ký khai thác ${what} của ${who} (${request.id}) không được chấp thuận.`,
        'Lý do / Reasons:',
        ...reasons,
        '',
        `Your subscription request ${request.id} for ${whatEn} was rejected for the reasons above.`,
      ];
  }
  await enqueueNotification(
    trx,
    {
      eventType: `subscription_request.${request.status}`,
      recipients: {
        emails: org?.contact_email ? [org.contact_email] : [],
        organizationIds: [request.organizationId],
      },
      subject,
      text: lines.join('\n'),
      payload: {
        requestId: request.id,
        systemId: request.systemId,
        versionId: request.versionId,
        context: request.context,
        version: request.version,
        status: request.status,
        reasons: request.reasons,
        sandboxSubscriptionId: request.sandboxSubscriptionId,
        productionSubscriptionId: request.productionSubscriptionId,
        guidePath: `${base}/guide`,
      },
    },
    nowMs,
  );
}
