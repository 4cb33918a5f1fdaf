import { ExperimentOutlined } from '@ant-design/icons';
import { Button, Descriptions, Form, Input, Select, Space, Tag, Typography } from 'antd';
import { useState } from 'react';
import { type SandboxTryBody, TRY_METHODS } from '../../../../src/api/contract/sandbox-try.ts';
import { api, type OperationResponse } from '../../shared/api.ts';
import { useT } from '../../shared/i18n.tsx';
import { formatSize } from '../../shared/size.ts';
import { ProblemAlert } from './page.tsx';

type TryResult = OperationResponse<'trySandboxCall'>;

interface TryForm {
  method: SandboxTryBody['method'];
  path: string;
  query?: string;
  headers?: string;
  body?: string;
}

/** `Tên: giá trị` lines to the header fields the API allows (it names the unknown ones in its refusal). */
function parseHeaders(text: string | undefined): SandboxTryBody['headers'] | undefined {
  const fields: Record<string, string> = {};
  for (const line of (text ?? '').split('\n')) {
    const at = line.indexOf(':');
    if (at <= 0) continue;
    fields[line.slice(0, at).trim().toLowerCase()] = line.slice(at + 1).trim();
  }
  return Object.keys(fields).length ? (fields as SandboxTryBody['headers']) : undefined;
}

/**
 * The sandbox "try it" of a version: one call through the real gateway with the platform's own test credential (no
 * test organization, system or key to make by hand). The answer is shown to the person who made the call and is
 * never stored; its transaction record is durable when the answer arrives, so publishing can follow at once.
 */
export function ReviewSandboxTry({
  versionId,
  defaultPath,
  onTried,
}: {
  versionId: string;
  defaultPath?: string;
  onTried?: (result: TryResult) => void;
}) {
  const t = useT();
  const [result, setResult] = useState<TryResult | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const send = async (values: TryForm) => {
    setBusy(true);
    setError(null);
    setResult(null);
    try {
      const headers = parseHeaders(values.headers);
      const answer = await api.call('trySandboxCall', {
        params: { id: versionId },
        body: {
          method: values.method,
          path: values.path.trim(),
          ...(values.query?.trim() ? { query: values.query.trim().replace(/^\?/, '') } : {}),
          ...(headers ? { headers } : {}),
          ...(values.body ? { body: values.body } : {}),
        },
      });
      setResult(answer);
      onTried?.(answer);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const ok = result ? result.status >= 200 && result.status < 400 : false;
  return (
    <Space orientation="vertical" style={{ width: '100%' }}>
      <Typography.Paragraph type="secondary">
        {t(
          'Gọi thử phiên bản ở môi trường sandbox qua cổng kết nối, bằng khoá kiểm thử của nền tảng. Câu trả lời chỉ hiện cho bạn và không được lưu; bản ghi giao dịch của lời gọi là bằng chứng để công bố.',
          'Calls the version in the sandbox through the gateway with the platform’s own test key. The answer is shown to you only and never stored; the call’s transaction record is the evidence for publishing.',
        )}
      </Typography.Paragraph>
      <Form<TryForm>
        layout="vertical"
        initialValues={{ method: 'GET', path: defaultPath ?? '/' }}
        onFinish={(values) => void send(values)}
      >
        <Space wrap align="start">
          <Form.Item name="method" label={t('Phương thức', 'Method')} rules={[{ required: true }]}>
            <Select style={{ width: 120 }} options={TRY_METHODS.map((m) => ({ value: m, label: m }))} />
          </Form.Item>
          <Form.Item
            name="path"
            label={t('Đường dẫn (sau /ngữ-cảnh/phiên-bản)', 'Path (after /context/version)')}
            rules={[{ required: true, pattern: /^\//, message: t('Bắt đầu bằng /', 'Starts with /') }]}
          >
            <Input style={{ width: 360 }} />
          </Form.Item>
          <Form.Item name="query" label={t('Chuỗi truy vấn', 'Query string')}>
            <Input style={{ width: 240 }} placeholder="a=1&b=2" />
          </Form.Item>
        </Space>
        <Form.Item
          name="headers"
          label={t('Trường đầu (mỗi dòng “Tên: giá trị”)', 'Headers (one “Name: value” per line)')}
          extra={t(
            'Chỉ Content-Type, Accept, Accept-Language, SOAPAction, X-Request-Id, X-Correlation-Id; nền tảng tự thêm thông tin xác thực.',
            'Only Content-Type, Accept, Accept-Language, SOAPAction, X-Request-Id, X-Correlation-Id; the platform adds the credentials.',
          )}
        >
          <Input.TextArea rows={2} />
        </Form.Item>
        <Form.Item name="body" label={t('Nội dung gửi', 'Request body')}>
          <Input.TextArea rows={4} />
        </Form.Item>
        <Button htmlType="submit" icon={<ExperimentOutlined />} loading={busy}>
          {t('Gọi thử', 'Send test call')}
        </Button>
      </Form>
      <ProblemAlert error={error} />
      {result && (
        <section aria-label={t('Kết quả gọi thử', 'Test call result')}>
          <Descriptions
            bordered
            size="small"
            column={1}
            items={[
              {
                key: 'status',
                label: t('Trạng thái', 'Status'),
                children: <Tag color={ok ? '#237804' : 'red'}>HTTP {result.status}</Tag>,
              },
              { key: 'duration', label: t('Thời gian', 'Duration'), children: `${result.durationMs} ms` },
              {
                key: 'txn',
                label: t('Mã giao dịch', 'Transaction id'),
                children: <Typography.Text copyable>{result.transactionId}</Typography.Text>,
              },
              {
                key: 'headers',
                label: t('Trường đầu trả về', 'Response headers'),
                children: (
                  <pre style={{ margin: 0, whiteSpace: 'pre-wrap' }}>
                    {Object.entries(result.headers)
                      .map(([name, value]) => `${name}: ${value}`)
                      .join('\n')}
                  </pre>
                ),
              },
              {
                key: 'body',
                label: t('Nội dung trả về', 'Response body'),
                children: (
                  <>
                    {result.bodyTruncated && (
                      <Typography.Text type="warning">
                        {t(
                          `Đã cắt bớt: tổng ${formatSize(result.bodyBytes).vi}`,
                          `Truncated: ${formatSize(result.bodyBytes).en} in all`,
                        )}
                      </Typography.Text>
                    )}
                    <section
                      // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolled region must take the keyboard focus to be read
                      tabIndex={0}
                      aria-label={t('Nội dung trả về', 'Response body')}
                      style={{ maxHeight: 320, overflow: 'auto' }}
                    >
                      <pre style={{ margin: 0, whiteSpace: 'pre-wrap' }}>
                        {result.bodyEncoding === 'base64'
                          ? t('(nội dung nhị phân, base64) ', '(binary body, base64) ') + result.body
                          : result.body}
                      </pre>
                    </section>
                  </>
                ),
              },
            ]}
          />
        </section>
      )}
    </Space>
  );
}
