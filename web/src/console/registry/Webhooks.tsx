import { PlusOutlined } from '@ant-design/icons';
import { App, Button, Card, Collapse, Form, Input, Modal, Popconfirm, Select, Space, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { api, type OperationResponse } from '../../shared/api.ts';
import { useT } from '../../shared/i18n.tsx';
import { useServerList } from '../../shared/server-list.ts';
import { formatDateTime } from '../../shared/time.ts';
import { DANGER_BUTTON, DANGER_OK, PageTitle, ProblemAlert, SearchBox, useCan } from '../components/page.tsx';
import { RegistryName, searchOrganizations } from '../components/registry-names.tsx';
import { RemoteSelect } from '../components/registry-remote-select.tsx';
import { RotateWithOverlapModal } from '../components/rotate-modal.tsx';
import { SecretOnceModal } from '../components/secret-once.tsx';
import { ServerTable } from '../components/server-table.tsx';

type Webhook = OperationResponse<'deleteWebhook'>;
type Catalogue = OperationResponse<'listWebhookEventTypes'>;
type Created = OperationResponse<'createWebhook'>;

/**
 * Webhook endpoints of organizations, and how to receive them: every event name the platform sends and the
 * Standard Webhooks signature (`webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64 HMAC-SHA256>`).
 */
export function Webhooks() {
  const t = useT();
  const { message } = App.useApp();
  const canChange = useCan('operator_admin', 'agency');
  // Paged and searched on the server (issue 11); an agency user's page holds only its organization's endpoints.
  const list = useServerList<Webhook>((request) => api.call('listWebhooks', { query: request }));
  const [catalogue, setCatalogue] = useState<Catalogue | null>(null);
  const [catalogueError, setCatalogueError] = useState<unknown>(null);
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<{ title: string; webhook: Created } | null>(null);
  const [rotating, setRotating] = useState<Webhook | null>(null);
  // A refused delete stays above the list with its code until dismissed or tried again.
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    api.call('listWebhookEventTypes').then(setCatalogue).catch(setCatalogueError);
  }, []);

  const remove = async (webhook: Webhook) => {
    setError(null);
    try {
      await api.call('deleteWebhook', { params: { id: webhook.id } });
      message.success(t('Đã xoá địa chỉ nhận', 'Endpoint deleted'));
      list.reload();
    } catch (err) {
      setError(err);
    }
  };

  return (
    <>
      <PageTitle
        extra={
          canChange && (
            <Button type="primary" icon={<PlusOutlined />} onClick={() => setCreating(true)}>
              {t('Thêm địa chỉ nhận', 'Add endpoint')}
            </Button>
          )
        }
      >
        {t('Webhook', 'Webhooks')}
      </PageTitle>
      <ProblemAlert error={error} onClose={() => setError(null)} />
      <SearchBox label={t('Tìm theo URL', 'Search by URL')} onSearch={list.search} />
      <ServerTable<Webhook>
        list={list}
        emptyText={t('Chưa có địa chỉ nhận webhook nào', 'No webhook endpoint yet')}
        style={{ marginBottom: 24 }}
        columns={[
          { title: 'URL', dataIndex: 'url', render: (u: string) => <code>{u}</code> },
          {
            title: t('Cơ quan', 'Organization'),
            dataIndex: 'organizationId',
            render: (id: string) => <RegistryName kind="organization" id={id} />,
          },
          {
            title: t('Sự kiện', 'Events'),
            dataIndex: 'events',
            render: (events: string[]) => (events.length ? events.join(', ') : t('Tất cả', 'All')),
          },
          { title: t('Tạo lúc', 'Created'), dataIndex: 'createdAt', render: formatDateTime },
          ...(canChange
            ? [
                {
                  title: t('Thao tác', 'Actions'),
                  render: (_: unknown, w: Webhook) => (
                    <Space>
                      <Button size="small" onClick={() => setRotating(w)}>
                        {t('Đổi khoá ký', 'Rotate secret')}
                      </Button>
                      <Popconfirm
                        title={t('Xoá địa chỉ nhận này?', 'Delete this endpoint?')}
                        description={t(
                          'Địa chỉ sẽ không nhận thông báo nữa.',
                          'It receives no more notifications.',
                        )}
                        okText={t('Xoá', 'Delete')}
                        okButtonProps={DANGER_OK}
                        cancelText={t('Huỷ', 'Cancel')}
                        onConfirm={() => remove(w)}
                      >
                        <Button size="small" {...DANGER_BUTTON}>
                          {t('Xoá', 'Delete')}
                        </Button>
                      </Popconfirm>
                    </Space>
                  ),
                },
              ]
            : []),
        ]}
      />
      <SignatureScheme catalogue={catalogue} error={catalogueError} />
      {creating && (
        <CreateWebhookModal
          events={catalogue?.items.map((e) => e.name) ?? []}
          onClose={(webhook) => {
            setCreating(false);
            if (webhook) {
              setCreated({ title: t('Địa chỉ nhận webhook đã tạo', 'Webhook endpoint created'), webhook });
              list.reload();
            }
          }}
        />
      )}
      {rotating && (
        <RotateWithOverlapModal
          title={t('Đổi khoá ký webhook', 'Rotate the webhook signing secret')}
          intro={t(
            `${rotating.url} — khoá ký cũ vẫn ký bên cạnh khoá mới trong thời gian chồng lấn, sau đó ngừng.`,
            `${rotating.url} — the old secret keeps signing beside the new one during the overlap, then stops.`,
          )}
          maxOverlapHours={168}
          rotate={(overlapHours) =>
            api.call('rotateWebhookSecret', { params: { id: rotating.id }, body: { overlapHours } })
          }
          onClose={(webhook) => {
            setRotating(null);
            if (webhook) setCreated({ title: t('Khoá ký mới', 'The new signing secret'), webhook });
          }}
        />
      )}
      <SecretOnceModal
        title={created?.title ?? ''}
        fields={created ? [{ label: 'URL', value: created.webhook.url, code: true }] : []}
        secretLabel={t('Khoá ký (whsec_…)', 'Signing secret (whsec_…)')}
        secret={created?.webhook.secret ?? null}
        onClose={() => setCreated(null)}
      />
    </>
  );
}

/** The page documents how deliveries are signed and which events exist, from the platform's own catalogue. */
function SignatureScheme({ catalogue, error }: { catalogue: Catalogue | null; error: unknown }) {
  const t = useT();
  return (
    <Card title={t('Cách nhận và xác minh webhook', 'Receiving and verifying webhooks')}>
      <ProblemAlert error={error} />
      <Typography.Paragraph>
        {t(
          'Mỗi lần gửi được ký theo quy ước Standard Webhooks, để bên nhận xác minh bằng thư viện có sẵn của ngôn ngữ mình (gói standardwebhooks cho Node, Python, Go, Java…). Ba tiêu đề đi kèm:',
          'Each delivery is signed the Standard Webhooks way, so receivers verify it with the maintained library of their language (the standardwebhooks package for Node, Python, Go, Java…). Three headers come with it:',
        )}
      </Typography.Paragraph>
      <ul>
        <li>
          <code>webhook-id</code> —{' '}
          {t(
            'mã của sự kiện, giữ nguyên khi gửi lại: dùng để bỏ qua bản trùng',
            'the event id, the same on every retry: use it to drop duplicates',
          )}
        </li>
        <li>
          <code>webhook-timestamp</code> —{' '}
          {t(
            'thời điểm gửi (giây Unix): từ chối nếu lệch quá xa',
            'when it was sent (Unix seconds): refuse it if too far off',
          )}
        </li>
        <li>
          <code>webhook-signature: v1,&lt;base64 HMAC-SHA256&gt;</code> —{' '}
          {t(
            'HMAC-SHA256 của chuỗi "<webhook-id>.<webhook-timestamp>.<thân>" với khoá ký (phần sau whsec_, giải mã base64)',
            'HMAC-SHA256 of "<webhook-id>.<webhook-timestamp>.<body>" keyed with the signing secret (the part after whsec_, base64-decoded)',
          )}
        </li>
      </ul>
      {catalogue && (
        <Typography.Paragraph type="secondary">
          {t(catalogue.signature.description.vi, catalogue.signature.description.en)} (
          {t('độ lệch cho phép', 'tolerance')} {catalogue.signature.toleranceSeconds} s)
        </Typography.Paragraph>
      )}
      <Typography.Paragraph>
        {t(
          'Khoá ký chỉ hiện một lần, khi tạo địa chỉ nhận hoặc khi đổi khoá. Khi đổi khoá, khoá cũ vẫn ký kèm khoá mới trong thời gian chồng lấn (tiêu đề webhook-signature mang cả hai chữ ký), để bên nhận kịp cập nhật.',
          'The signing secret is shown once, when the endpoint is created or its secret rotated. After a rotation the old secret keeps signing beside the new one for the overlap (webhook-signature carries both signatures), so the receiver has time to switch.',
        )}
      </Typography.Paragraph>
      <Typography.Title level={2} style={{ fontSize: 18 }}>
        {t('Các loại sự kiện', 'Event types')}
      </Typography.Title>
      <Collapse
        items={(catalogue?.items ?? []).map((event) => ({
          key: event.name,
          label: (
            <span>
              <code>{event.name}</code> — {t(event.description.vi, event.description.en)}
            </span>
          ),
          children: (
            <pre style={{ margin: 0, whiteSpace: 'pre-wrap' }}>{JSON.stringify(event.example, null, 2)}</pre>
          ),
        }))}
      />
    </Card>
  );
}

function CreateWebhookModal({
  events,
  onClose,
}: {
  events: string[];
  onClose: (created: Created | null) => void;
}) {
  const t = useT();
  const isOperator = useCan('operator_admin');
  const [form] = Form.useForm<{ url: string; events?: string[]; organizationId?: string }>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const save = async (values: { url: string; events?: string[]; organizationId?: string }) => {
    setBusy(true);
    setError(null);
    try {
      const created = await api.call('createWebhook', {
        body: {
          url: values.url,
          ...(values.events?.length ? { events: values.events } : {}),
          ...(values.organizationId ? { organizationId: values.organizationId } : {}),
        },
      });
      onClose(created);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };
  return (
    <Modal
      open
      title={t('Thêm địa chỉ nhận webhook', 'Add a webhook endpoint')}
      okText={t('Tạo', 'Create')}
      cancelText={t('Huỷ', 'Cancel')}
      confirmLoading={busy}
      onOk={() => form.submit()}
      onCancel={() => onClose(null)}
      destroyOnHidden
    >
      <ProblemAlert error={error} />
      <Form form={form} layout="vertical" onFinish={save}>
        {isOperator && (
          <Form.Item
            name="organizationId"
            label={t('Cơ quan nhận', 'Receiving organization')}
            rules={[{ required: true, message: t('Chọn cơ quan', 'Choose the organization') }]}
          >
            <RemoteSelect search={searchOrganizations} />
          </Form.Item>
        )}
        <Form.Item
          name="url"
          label={t('Địa chỉ nhận (https://…)', 'Endpoint URL (https://…)')}
          rules={[{ required: true, type: 'url', message: t('Nhập một địa chỉ URL', 'Enter a URL') }]}
        >
          <Input maxLength={2000} />
        </Form.Item>
        <Form.Item name="events" label={t('Sự kiện nhận (để trống: tất cả)', 'Events (empty: all)')}>
          <Select mode="multiple" allowClear options={events.map((e) => ({ value: e, label: e }))} />
        </Form.Item>
      </Form>
    </Modal>
  );
}
