import { Button, Card, Descriptions, Form, Input, Select, Space, Typography } from 'antd';
import { useState } from 'react';
import { api, type OperationResponse } from '../../shared/api.ts';
import { useT } from '../../shared/i18n.tsx';
import { formatDateTime } from '../../shared/time.ts';
import { ProblemAlert, READABLE_LABEL } from '../components/page.tsx';

type Version = OperationResponse<'getVersion'>;
type TryResult = OperationResponse<'trySandboxCall'>;

/**
 * The sandbox "try it" for the agency's own version: one real call through the gateway with the platform's test
 * client (the API adds the credentials). The answer is shown to this person only and is not stored.
 */
export function TryItCard({ version, onClose }: { version: Version; onClose: () => void }) {
  const t = useT();
  const [result, setResult] = useState<TryResult | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [sending, setSending] = useState(false);
  const first = version.resources[0];

  const send = async (values: {
    method: string;
    path: string;
    query?: string;
    contentType?: string;
    body?: string;
  }) => {
    setSending(true);
    setError(null);
    setResult(null);
    try {
      const answer = await api.call('trySandboxCall', {
        params: { id: version.id },
        body: {
          method: values.method as 'GET',
          path: values.path,
          ...(values.query ? { query: values.query } : {}),
          ...(values.contentType ? { headers: { 'content-type': values.contentType } } : {}),
          ...(values.body ? { body: values.body } : {}),
        },
      });
      setResult(answer);
    } catch (err) {
      setError(err);
    } finally {
      setSending(false);
    }
  };

  return (
    <Card
      title={
        <h2 style={{ fontSize: 16, margin: 0 }}>
          {t('Thử gọi trên sandbox', 'Try it in the sandbox')}: /{version.context}/{version.version}
        </h2>
      }
      extra={<Button onClick={onClose}>{t('Đóng', 'Close')}</Button>}
    >
      <Form
        layout="vertical"
        onFinish={(v) => void send(v)}
        initialValues={{ method: first?.method ?? 'GET', path: first?.path ?? '/' }}
        style={{ maxWidth: 720 }}
      >
        <Space wrap align="start">
          <Form.Item name="method" label={t('Phương thức', 'Method')}>
            <Select
              style={{ width: 120 }}
              options={['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].map((m) => ({ value: m, label: m }))}
            />
          </Form.Item>
          <Form.Item
            name="path"
            label={t('Đường dẫn tài nguyên', 'Resource path')}
            extra={t(
              'Sau /{context}/{version}, ví dụ /congdan/001099012345',
              'After /{context}/{version}, e.g. /congdan/001099012345',
            )}
            rules={[
              {
                required: true,
                pattern: /^\/[^?#\s\\]*$/,
                message: t('Bắt đầu bằng /, không có ? #', 'Starts with /, no ? #'),
              },
            ]}
          >
            <Input style={{ width: 360 }} />
          </Form.Item>
        </Space>
        <Form.Item name="query" label={t('Chuỗi truy vấn (không có ?)', 'Query string (without ?)')}>
          <Input maxLength={4000} />
        </Form.Item>
        <Form.Item name="contentType" label="Content-Type">
          <Input maxLength={200} placeholder="application/json" />
        </Form.Item>
        <Form.Item name="body" label={t('Nội dung gửi (dữ liệu thử)', 'Request body (test data)')}>
          <Input.TextArea rows={3} maxLength={65536} />
        </Form.Item>
        <ProblemAlert error={error} />
        <Button type="primary" htmlType="submit" loading={sending} style={{ marginTop: 8 }}>
          {t('Gửi thử', 'Send')}
        </Button>
      </Form>
      {result ? (
        <Descriptions styles={READABLE_LABEL} column={1} size="small" bordered style={{ marginTop: 16 }}>
          <Descriptions.Item label={t('Trạng thái', 'Status')}>{result.status}</Descriptions.Item>
          <Descriptions.Item label={t('Thời gian', 'Duration')}>{result.durationMs} ms</Descriptions.Item>
          <Descriptions.Item label={t('Lúc gọi', 'Called at')}>
            {formatDateTime(result.calledAt)}
          </Descriptions.Item>
          <Descriptions.Item label={t('Mã giao dịch', 'Transaction')}>
            {result.transactionId}
          </Descriptions.Item>
          <Descriptions.Item label={t('Câu trả lời', 'Answer')}>
            <Typography.Paragraph type="secondary" style={{ marginBottom: 4 }}>
              {t('Chỉ hiện cho bạn, không lưu lại', 'Shown to you only, never stored')}
              {result.bodyTruncated ? ` · ${t('đã cắt bớt', 'cut off')}` : ''}
            </Typography.Paragraph>
            <pre style={{ maxHeight: 240, overflow: 'auto', whiteSpace: 'pre-wrap' }}>
              {result.bodyEncoding === 'base64' ? t('(nội dung nhị phân)', '(binary content)') : result.body}
            </pre>
          </Descriptions.Item>
        </Descriptions>
      ) : null}
    </Card>
  );
}
