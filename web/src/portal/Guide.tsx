import { Alert, Card, Space, Typography } from 'antd';
import type { ReactNode } from 'react';
import { useBranding } from '../shared/branding.tsx';
import { useT } from '../shared/i18n.tsx';

function Code({ children }: { children: string }) {
  return (
    <pre
      style={{
        background: '#f5f5f5',
        padding: 12,
        overflowX: 'auto',
        whiteSpace: 'pre-wrap',
        margin: '8px 0',
      }}
    >
      <code>{children}</code>
    </pre>
  );
}

function Step({ title, children }: { title: string; children: ReactNode }) {
  return (
    <Card
      title={
        <Typography.Title level={2} style={{ fontSize: 18, margin: 0 }}>
          {title}
        </Typography.Title>
      }
    >
      {children}
    </Card>
  );
}

/**
 * The platform's own connection guide (R-10: "tài liệu kỹ thuật hướng dẫn kết nối"): how a consumer system gets a
 * token, calls a service, sends asynchronous messages, and checks receipts and webhooks. The commands use this
 * platform's real gateway address.
 */
export function Guide() {
  const t = useT();
  const branding = useBranding();
  const gateway = branding.gatewayUrl || 'https://lgsp.example.gov.vn';
  return (
    <Space orientation="vertical" style={{ width: '100%' }} size="large">
      <Typography.Title level={1} style={{ fontSize: 26 }}>
        {t('Hướng dẫn kết nối', 'Connection guide')}
      </Typography.Title>
      <Alert
        type="info"
        showIcon
        title={t(
          'Trước khi gọi: cơ quan đăng ký hệ thống (đề nghị kết nối) và đăng ký khai thác dịch vụ trong bảng điều khiển — tài khoản đăng nhập do Sở TT&TT cấp cho cán bộ của cơ quan, hãy liên hệ Sở nếu chưa có; sau khi được duyệt, hệ thống nhận consumer key và secret của môi trường sandbox, rồi production. Secret chỉ hiện một lần — hãy lưu ngay.',
          'Before calling: the agency registers its system (a connection request) and subscribes to the service in the console — the sign-in accounts are made by the operator (the provincial Department of Information and Communications) for each agency’s staff, ask it if you have none; once approved, the system gets a consumer key and secret for the sandbox, then for production. The secret is shown once — store it right away.',
        )}
      />
      <Step title={t('1. Lấy token (1 giờ)', '1. Get a token (1 hour)')}>
        <Typography.Paragraph>
          {t(
            'Đổi consumer key và secret lấy token tại /token (OAuth 2.0 client credentials, tương thích WSO2/NGSP):',
            'Trade the consumer key and secret for a token at /token (OAuth 2.0 client credentials, WSO2/NGSP-compatible):',
          )}
        </Typography.Paragraph>
        <Code>{`curl -s -u "$CONSUMER_KEY:$CONSUMER_SECRET" -d grant_type=client_credentials ${gateway}/token
TOKEN='<access_token>'   # ${t('giá trị access_token của câu trả lời', 'the answer’s access_token')}`}</Code>
        <Typography.Paragraph>
          {t(
            'Trả lời: {"access_token": "…", "token_type": "Bearer", "expires_in": 3600}. Xin token mới trước khi hết hạn; sai key/secret nhiều lần sẽ bị tạm chặn (429).',
            'Answer: {"access_token": "…", "token_type": "Bearer", "expires_in": 3600}. Ask for a new one before it expires; repeated wrong secrets are throttled (429).',
          )}
        </Typography.Paragraph>
      </Step>
      <Step title={t('2. Gọi dịch vụ (đồng bộ)', '2. Call a service (synchronous)')}>
        <Code>{`curl -i -H "Authorization: Bearer $TOKEN" ${gateway}/{context}/{version}/{resource}`}</Code>
        <Typography.Paragraph>
          {t(
            'Cổng kết nối chỉ cho phép dịch vụ hệ thống đã đăng ký, trả lời trong tối đa 30 giây và ghi nhật ký ai gọi gì, khi nào — không lưu dữ liệu. Lỗi theo RFC 9457 (application/problem+json) với mã ổn định và transactionId để tra cứu.',
            'The gateway allows only subscribed services, answers within 30 seconds and records who called what and when — never the data. Errors are RFC 9457 problem+json with a stable code and a transactionId to look up.',
          )}{' '}
          {/* A plain link, not the router's: the server renders the error pages (src/api/error-pages.ts).
              Underlined: a link inside a sentence must not be told apart by colour alone (WCAG 1.4.1). */}
          <Typography.Link href="/portal/errors" style={{ textDecoration: 'underline' }}>
            {t(
              'Trường type của lỗi là trang giải thích mã đó; xem mọi mã lỗi.',
              'An error’s type is the page explaining its code; see every error code.',
            )}
          </Typography.Link>
        </Typography.Paragraph>
      </Step>
      <Step title={t('3. Gửi thông điệp bất đồng bộ', '3. Send an asynchronous message')}>
        <Code>{`curl -i -H "Authorization: Bearer $TOKEN" -H "Idempotency-Key: ho-so-2026-000123" \\
  -H "Content-Type: application/pdf" --data-binary @ho-so.pdf ${gateway}/{context}/{version}/{resource}
# 202 {"messageId": "msg_…", "state": "accepted", "statusUrl": "/_lgsp/messages/msg_…"}
curl -H "Authorization: Bearer $TOKEN" ${gateway}/_lgsp/messages/msg_…`}</Code>
        <Typography.Paragraph>
          {t(
            'Thông điệp được lưu bền vững tới khi chuyển xong rồi bị xoá. Hệ thống đích tự lấy: GET /_lgsp/inbox, rồi POST /_lgsp/inbox/{messageId}/ack.',
            'A message is stored durably until delivered, then deleted. A pulling destination reads GET /_lgsp/inbox, then POST /_lgsp/inbox/{messageId}/ack.',
          )}
        </Typography.Paragraph>
      </Step>
      <Step title={t('4. Kiểm tra biên nhận', '4. Verify receipts')}>
        <Typography.Paragraph>
          {t(
            'Trạng thái của thông điệp có biên nhận đã ký (JWS ES256). Kiểm tra bằng khoá công khai của nền tảng:',
            'A message’s state carries a signed receipt (JWS ES256). Verify it with the platform’s public keys:',
          )}
        </Typography.Paragraph>
        <Code>{`${gateway}/.well-known/jwks.json
/api/v1/jwks.json`}</Code>
        <Typography.Link href="/api/v1/jwks.json">JWKS</Typography.Link>
      </Step>
      <Step title={t('5. Nhận webhook', '5. Receive webhooks')}>
        <Typography.Paragraph>
          {t(
            'Webhook theo chuẩn Standard Webhooks: header webhook-id, webhook-timestamp và webhook-signature: v1,<base64 HMAC-SHA256 của "id.timestamp.body"> với secret whsec_… của điểm nhận. Dùng thư viện standardwebhooks của ngôn ngữ bạn để kiểm tra:',
            'Webhooks follow Standard Webhooks: headers webhook-id, webhook-timestamp and webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body"> with the endpoint’s whsec_… secret. Verify with your language’s standardwebhooks library:',
          )}
        </Typography.Paragraph>
        <Code>{`import { Webhook } from 'standardwebhooks';
const event = new Webhook(process.env.WEBHOOK_SECRET).verify(rawBody, request.headers); // throws if forged`}</Code>
      </Step>
    </Space>
  );
}
