import { CloseCircleOutlined, StopOutlined, UploadOutlined } from '@ant-design/icons';
import {
  Alert,
  App,
  Button,
  Card,
  Descriptions,
  Form,
  Input,
  Modal,
  Select,
  Space,
  Table,
  Tag,
  Typography,
  Upload,
} from 'antd';
import { useEffect, useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { TECHNICAL_DOCUMENT_MAX_CHARS } from '../../../../src/api/contract/lifecycle.ts';
import type { TechnicalDescription } from '../../../../src/api/contract/services.ts';
import { api, type OperationResponse } from '../../shared/api.ts';
import { useT } from '../../shared/i18n.tsx';
import { R11_ITEMS, R11_KEYS } from '../../shared/r11.ts';
import { useServerList } from '../../shared/server-list.ts';
import { StateTag } from '../../shared/tags.tsx';
import { formatDateTime } from '../../shared/time.ts';
import { versionState } from '../../shared/version-state.ts';
import {
  CancelDecommissionDialog,
  DecommissionDialog,
  decommissionable,
  decommissionCancellable,
} from '../components/decommission.tsx';
import { EmptyState, ProblemAlert, READABLE_LABEL, READABLE_TEXT, UploadHint } from '../components/page.tsx';
import { filledDescription, R11Fields } from './OurServices.tsx';
import { TryItCard } from './TryIt.tsx';

type Service = OperationResponse<'getService'>;
type Version = OperationResponse<'listServiceVersions'>['items'][number];
type VersionChange = OperationResponse<'listVersionChanges'>['items'][number];

/** `GET /congdan/{soDinhDanh}` lines → resources; blank lines skipped. */
function parseResources(text: string | undefined): Array<{ method: string; path: string }> {
  return (text ?? '')
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const [method = '', ...rest] = line.split(/\s+/);
      return { method: method.toUpperCase(), path: rest.join(' ') };
    });
}

/**
 * One of the agency's services: its R-11 description, its versions and where each stands in review (with the
 * reason when rejected); a new version, its submission with the OpenAPI/WSDL document, a proposed change to a
 * published version, and the sandbox "try it".
 */
export function AgencyServicePage() {
  const t = useT();
  const { id = '' } = useParams();
  const [service, setService] = useState<Service | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [submitting, setSubmitting] = useState<Version | null>(null);
  const [changing, setChanging] = useState<Version | null>(null);
  const [trying, setTrying] = useState<Version | null>(null);
  const versions = useServerList<Version>((request) =>
    api.call('listServiceVersions', { params: { id }, query: request }),
  );

  useEffect(() => {
    api.call('getService', { params: { id } }).then(setService).catch(setError);
  }, [id]);

  if (error) return <ProblemAlert error={error} />;
  if (!service) return null;

  return (
    <Space orientation="vertical" size="large" style={{ width: '100%' }}>
      <Typography.Title level={1} style={{ fontSize: 24 }}>
        {service.name} <Typography.Text code>/{service.context}</Typography.Text>
      </Typography.Title>
      <Link to="/agency-services">← {t('Dịch vụ của cơ quan', 'Our services')}</Link>
      {/* A scheduled or past end is said first, where nobody misses it; the way to announce one comes last. */}
      {decommissionable(service) ? null : <ServiceEnd service={service} onChanged={setService} />}
      <DescriptionCard service={service} onSaved={setService} />
      <Card title={<h2 style={{ fontSize: 16, margin: 0 }}>{t('Các phiên bản', 'Versions')}</h2>}>
        <ProblemAlert error={versions.error} />
        <Table<Version>
          rowKey="id"
          size="small"
          loading={versions.loading}
          dataSource={versions.items}
          pagination={versions.pagination}
          locale={{
            emptyText: (
              <EmptyState
                text={t(
                  'Chưa có phiên bản — tạo phiên bản đầu tiên bên dưới',
                  'No version yet — create the first one below',
                )}
              />
            ),
          }}
          columns={[
            { title: t('Phiên bản', 'Version'), dataIndex: 'version' },
            { title: t('Giao thức', 'Protocol'), dataIndex: 'protocol' },
            {
              title: t('Trạng thái', 'State'),
              dataIndex: 'status',
              render: (status: string, version) => {
                const state = versionState(status);
                return (
                  <Space orientation="vertical" size={0}>
                    <Tag color={state.color} style={READABLE_TEXT}>
                      {t(state.vi, state.en)}
                    </Tag>
                    {version.rejectionReason ? (
                      <Typography.Text type="danger">
                        {t('Lý do', 'Reason')}: {version.rejectionReason}
                      </Typography.Text>
                    ) : null}
                  </Space>
                );
              },
            },
            {
              title: t('Gửi duyệt', 'Submitted'),
              dataIndex: 'submittedAt',
              render: (at: string | null) => formatDateTime(at),
            },
            {
              title: t('Công bố', 'Published'),
              dataIndex: 'publishedAt',
              render: (at: string | null) => formatDateTime(at),
            },
            {
              title: t('Thao tác', 'Actions'),
              render: (_, version) => (
                <Space wrap>
                  {version.status === 'draft' || version.status === 'rejected' ? (
                    <Button size="small" type="primary" onClick={() => setSubmitting(version)}>
                      {t('Gửi duyệt', 'Submit for review')}
                    </Button>
                  ) : null}
                  {version.status === 'published' ? (
                    <Button size="small" onClick={() => setChanging(version)}>
                      {t('Đề nghị thay đổi', 'Propose a change')}
                    </Button>
                  ) : null}
                  {['sandbox_test', 'published', 'deprecated'].includes(version.status) ? (
                    <Button size="small" onClick={() => setTrying(version)}>
                      {t('Thử trên sandbox', 'Try in the sandbox')}
                    </Button>
                  ) : null}
                </Space>
              ),
            },
          ]}
        />
      </Card>
      {trying ? <TryItCard version={trying} onClose={() => setTrying(null)} /> : null}
      <VersionChanges serviceVersions={versions.items} />
      <NewVersionCard serviceId={service.id} onCreated={versions.reload} />
      <SubmitVersionModal
        version={submitting}
        onDone={(submitted) => {
          setSubmitting(null);
          if (submitted) versions.reload();
        }}
      />
      <ProposeChangeModal version={changing} onDone={() => setChanging(null)} />
      {decommissionable(service) ? <ServiceEnd service={service} onChanged={setService} /> : null}
    </Space>
  );
}

type Notice = OperationResponse<'listNotices'>['items'][number];

/**
 * The end of the agency's own service, as the operator's lifecycle screen does it (the API lets the
 * provider's agency do the same): announce it at least 60 days ahead, or — scheduled — read its date and the public
 * notice its consumers were sent, and cancel it before that date. An ended service says when it ended.
 */
function ServiceEnd({ service, onChanged }: { service: Service; onChanged: (service: Service) => void }) {
  const t = useT();
  const [dialog, setDialog] = useState<'decommission' | 'cancel' | null>(null);
  const [notice, setNotice] = useState<Notice | null>(null);
  const scheduledAt = service.decommissionAt;
  useEffect(() => {
    let live = true;
    setNotice(null);
    if (!scheduledAt) return;
    // The newest notice of the end is the one announcing this date (a new date publishes a new notice).
    api
      .call('listNotices', { query: { kind: 'decommission', serviceId: service.id, limit: 1 } })
      .then((page) => live && setNotice(page.items[0] ?? null))
      .catch(() => live && setNotice(null));
    return () => {
      live = false;
    };
  }, [service.id, scheduledAt]);
  const closed = (changed: boolean) => {
    setDialog(null);
    // The service read again: its end (or none) as the API now holds it. A failed read leaves the page as it was;
    // the change itself was confirmed by its own message.
    if (changed) {
      api
        .call('getService', { params: { id: service.id } })
        .then(onChanged)
        .catch(() => undefined);
    }
  };
  return (
    <Card
      title={
        <h2 style={{ fontSize: 16, margin: 0 }}>
          {t('Ngừng cung cấp dịch vụ (R-21)', 'Decommissioning the service (R-21)')}
        </h2>
      }
    >
      {service.decommissionedAt ? (
        <Alert
          type="info"
          showIcon
          title={t(
            `Dịch vụ đã ngừng cung cấp lúc ${formatDateTime(service.decommissionedAt)}.`,
            `The service ended at ${formatDateTime(service.decommissionedAt)}.`,
          )}
        />
      ) : scheduledAt ? (
        <Alert
          type="warning"
          showIcon
          title={t(
            `Dịch vụ sẽ ngừng cung cấp lúc ${formatDateTime(scheduledAt)} (giờ Việt Nam).`,
            `The service ends at ${formatDateTime(scheduledAt)} (Vietnam time).`,
          )}
          description={
            notice ? (
              <div data-testid="decommission-notice">
                <Typography.Paragraph strong style={{ marginBottom: 4 }}>
                  {t('Thông báo công khai', 'Public notice')} ({t('đăng lúc', 'published')}{' '}
                  {formatDateTime(notice.publishedAt)}): {notice.title}
                </Typography.Paragraph>
                <Typography.Paragraph style={{ marginBottom: 0 }}>{notice.body}</Typography.Paragraph>
              </div>
            ) : null
          }
          action={
            decommissionCancellable(service) ? (
              <Button icon={<CloseCircleOutlined />} onClick={() => setDialog('cancel')}>
                {t('Huỷ lịch ngừng', 'Cancel the end')}
              </Button>
            ) : null
          }
        />
      ) : (
        <Space orientation="vertical">
          <Typography.Paragraph style={{ marginBottom: 0 }}>
            {t(
              'Khi không còn cung cấp dịch vụ này, cơ quan báo trước ít nhất 60 ngày: thông báo được đăng công khai và gửi tới các bên đang khai thác; đến ngày đó cổng kết nối ngừng chuyển lời gọi. Lịch ngừng huỷ được trước ngày ngừng.',
              'When the agency stops providing this service it gives at least 60 days’ notice: the notice is published and sent to its consumers; on that date the gateway stops forwarding calls. The end can be cancelled before its date.',
            )}
          </Typography.Paragraph>
          <Button danger icon={<StopOutlined />} onClick={() => setDialog('decommission')}>
            {t('Ngừng dịch vụ', 'Decommission')}
          </Button>
        </Space>
      )}
      {dialog === 'decommission' ? <DecommissionDialog service={service} onClose={closed} /> : null}
      {dialog === 'cancel' ? <CancelDecommissionDialog service={service} onClose={closed} /> : null}
    </Card>
  );
}

function NewVersionCard({ serviceId, onCreated }: { serviceId: string; onCreated: () => void }) {
  const t = useT();
  const { message } = App.useApp();
  const [form] = Form.useForm();
  const [error, setError] = useState<unknown>(null);
  const [saving, setSaving] = useState(false);

  const create = async (values: {
    version: string;
    protocol: 'REST' | 'SOAP';
    sandbox?: string;
    production?: string;
    resources?: string;
  }) => {
    setSaving(true);
    setError(null);
    try {
      const resources = parseResources(values.resources);
      await api.call('createVersion', {
        params: { id: serviceId },
        body: {
          version: values.version,
          protocol: values.protocol,
          upstreams: { sandbox: values.sandbox || null, production: values.production || null },
          ...(resources.length > 0 ? { resources } : {}),
        },
      });
      form.resetFields();
      onCreated();
      message.success(t('Đã tạo phiên bản nháp', 'Draft version created'));
    } catch (err) {
      setError(err);
    } finally {
      setSaving(false);
    }
  };

  return (
    <Card title={<h2 style={{ fontSize: 16, margin: 0 }}>{t('Phiên bản mới', 'New version')}</h2>}>
      <Form
        form={form}
        layout="vertical"
        onFinish={(v) => void create(v)}
        initialValues={{ protocol: 'REST' }}
        style={{ maxWidth: 720 }}
      >
        <Form.Item
          name="version"
          label={t('Tên phiên bản', 'Version name')}
          extra={t('Ví dụ 1.0 — là một đoạn đường dẫn trên cổng', 'E.g. 1.0 — a path segment on the gateway')}
          rules={[
            {
              required: true,
              pattern: /^[A-Za-z0-9][A-Za-z0-9._-]*$/,
              message: t('Chữ, số, . _ -', 'Letters, digits, . _ -'),
            },
          ]}
        >
          <Input maxLength={32} />
        </Form.Item>
        <Form.Item name="protocol" label={t('Giao thức', 'Protocol')}>
          <Select
            options={[
              { value: 'REST', label: 'REST' },
              { value: 'SOAP', label: 'SOAP' },
            ]}
          />
        </Form.Item>
        <Form.Item
          name="sandbox"
          label={t('Địa chỉ dịch vụ nguồn — sandbox', 'Upstream address — sandbox')}
          extra={t(
            'Nơi cổng chuyển lời gọi thử nghiệm. Không bắt buộc: để trống thì cổng trả lời lời gọi sandbox bằng các ví dụ trong tài liệu OpenAPI (X-LGSP-Mock: true).',
            'Where the gateway forwards sandbox calls. Optional: left empty, the gateway answers sandbox calls from the OpenAPI document’s examples (X-LGSP-Mock: true).',
          )}
        >
          <Input maxLength={2000} />
        </Form.Item>
        <Form.Item
          name="production"
          label={t('Địa chỉ dịch vụ nguồn — chính thức', 'Upstream address — production')}
        >
          <Input maxLength={2000} />
        </Form.Item>
        <Form.Item
          name="resources"
          label={t('Tài nguyên', 'Resources')}
          extra={t(
            'Mỗi dòng một tài nguyên: PHƯƠNG_THỨC /đường/dẫn, ví dụ GET /congdan/{soDinhDanh}',
            'One per line: METHOD /path, e.g. GET /congdan/{soDinhDanh}',
          )}
        >
          <Input.TextArea rows={3} />
        </Form.Item>
        <ProblemAlert error={error} />
        <Button type="primary" htmlType="submit" loading={saving} style={{ marginTop: 8 }}>
          {t('Tạo phiên bản nháp', 'Create a draft version')}
        </Button>
      </Form>
    </Card>
  );
}

/**
 * Submission: the OpenAPI 3 or WSDL document is read from the chosen file in the browser and sent as the
 * submission's text; the API checks it and answers each problem with its path in the document.
 */
/** The files a technical document is read from: OpenAPI 3 in JSON or YAML, WSDL (often saved as .xml). */
const TECHNICAL_DOCUMENT_ACCEPT = '.json,.yaml,.yml,.wsdl,.xml';

const maxChars = {
  vi: TECHNICAL_DOCUMENT_MAX_CHARS.toLocaleString('vi-VN'),
  en: TECHNICAL_DOCUMENT_MAX_CHARS.toLocaleString('en-US'),
};

function SubmitVersionModal({
  version,
  onDone,
}: {
  version: Version | null;
  onDone: (submitted: boolean) => void;
}) {
  const t = useT();
  const { message } = App.useApp();
  const [document, setDocument] = useState<{ name: string; text: string } | null>(null);
  const [documentType, setDocumentType] = useState<'openapi' | 'wsdl'>('openapi');
  const [error, setError] = useState<unknown>(null);
  const [sending, setSending] = useState(false);

  const close = (submitted: boolean) => {
    setDocument(null);
    setError(null);
    onDone(submitted);
  };

  const submit = async () => {
    if (!version || !document) return;
    setSending(true);
    setError(null);
    try {
      await api.call('submitVersion', {
        params: { id: version.id },
        body: { technicalDocument: document.text, documentType },
      });
      message.success(t('Đã gửi duyệt', 'Submitted for review'));
      close(true);
    } catch (err) {
      setError(err);
    } finally {
      setSending(false);
    }
  };

  return (
    <Modal
      open={version !== null}
      title={t(`Gửi duyệt phiên bản ${version?.version ?? ''}`, `Submit version ${version?.version ?? ''}`)}
      onCancel={() => close(false)}
      okText={t('Gửi duyệt', 'Submit')}
      cancelText={t('Huỷ', 'Cancel')}
      okButtonProps={{ disabled: !document, loading: sending }}
      onOk={() => void submit()}
      destroyOnHidden
    >
      <Typography.Paragraph>
        {t(
          'Tải lên tài liệu kỹ thuật của phiên bản: OpenAPI 3 (JSON/YAML) cho REST, WSDL cho SOAP. Sở TT&TT xem xét, cấu hình và thử nghiệm trên sandbox trước khi công bố.',
          'Upload the version’s technical document: OpenAPI 3 (JSON/YAML) for REST, WSDL for SOAP. The operator reviews, configures and tests it in the sandbox before publishing.',
        )}
      </Typography.Paragraph>
      <Space orientation="vertical" style={{ width: '100%' }}>
        <label htmlFor="agency-document-type">{t('Loại tài liệu', 'Document type')}</label>
        <Select
          id="agency-document-type"
          value={documentType}
          onChange={setDocumentType}
          options={[
            { value: 'openapi', label: 'OpenAPI 3' },
            { value: 'wsdl', label: 'WSDL' },
          ]}
          style={{ width: 200 }}
        />
        <Upload
          accept={TECHNICAL_DOCUMENT_ACCEPT}
          maxCount={1}
          showUploadList={false}
          beforeUpload={(file) => {
            void file.text().then((text) => {
              // The API's own bound (api/contract/lifecycle.ts), said before sending, not as a refusal after it.
              // Said in the dialog's alert, where the API's refusal shows (no code: nothing was sent).
              if (text.length > TECHNICAL_DOCUMENT_MAX_CHARS) {
                setError(
                  new Error(
                    t(
                      `Tài liệu quá dài (tối đa ${maxChars.vi} ký tự)`,
                      `The document is too long (${maxChars.en} characters at most)`,
                    ),
                  ),
                );
                return;
              }
              setError(null);
              setDocument({ name: file.name, text });
              if (/\.(wsdl|xml)$/i.test(file.name)) setDocumentType('wsdl');
            });
            return false;
          }}
        >
          <Button icon={<UploadOutlined />}>
            {t('Chọn tệp OpenAPI/WSDL', 'Choose an OpenAPI/WSDL file')}
          </Button>
        </Upload>
        <UploadHint>
          {t(
            `Nhận: OpenAPI 3 (.json, .yaml, .yml) hoặc WSDL (.wsdl, .xml), văn bản UTF-8, tối đa ${maxChars.vi} ký tự.`,
            `Accepted: OpenAPI 3 (.json, .yaml, .yml) or WSDL (.wsdl, .xml), UTF-8 text, ${maxChars.en} characters at most.`,
          )}
        </UploadHint>
        {document ? (
          <Typography.Text>
            {t('Tệp đã chọn', 'Chosen file')}: {document.name} (
            {t(
              `${document.text.length.toLocaleString('vi-VN')} ký tự`,
              `${document.text.length.toLocaleString('en-US')} characters`,
            )}
            )
          </Typography.Text>
        ) : null}
        <ProblemAlert error={error} />
      </Space>
    </Modal>
  );
}

/** A proposed change to a published version: new upstreams and/or resources, with the reason (issue 10). */
function ProposeChangeModal({ version, onDone }: { version: Version | null; onDone: () => void }) {
  const t = useT();
  const { message } = App.useApp();
  const [form] = Form.useForm();
  const [error, setError] = useState<unknown>(null);

  const send = async (values: {
    sandbox?: string;
    production?: string;
    resources?: string;
    reason: string;
  }) => {
    if (!version) return;
    setError(null);
    const resources = parseResources(values.resources);
    const upstreams = {
      ...(values.sandbox ? { sandbox: values.sandbox } : {}),
      ...(values.production ? { production: values.production } : {}),
    };
    try {
      await api.call('createVersionChange', {
        body: {
          versionId: version.id,
          reason: values.reason,
          ...(Object.keys(upstreams).length > 0 ? { upstreams } : {}),
          ...(resources.length > 0 ? { resources } : {}),
        },
      });
      message.success(t('Đã gửi đề nghị thay đổi', 'Change proposed'));
      form.resetFields();
      onDone();
    } catch (err) {
      setError(err);
    }
  };

  return (
    <Modal
      open={version !== null}
      title={t(
        `Đề nghị thay đổi phiên bản ${version?.version ?? ''}`,
        `Propose a change to version ${version?.version ?? ''}`,
      )}
      onCancel={onDone}
      okText={t('Gửi đề nghị', 'Propose')}
      cancelText={t('Huỷ', 'Cancel')}
      onOk={() => form.submit()}
      destroyOnHidden
    >
      <Typography.Paragraph type="secondary">
        {t(
          'Chỉ áp dụng sau khi Sở TT&TT xem xét và thử nghiệm trên sandbox; để trống mục nào là giữ nguyên mục đó.',
          'Applied only after the operator’s review and a sandbox test; an empty field keeps what is there.',
        )}
      </Typography.Paragraph>
      <Form form={form} layout="vertical" onFinish={(v) => void send(v)}>
        <Form.Item name="sandbox" label={t('Địa chỉ nguồn mới — sandbox', 'New upstream — sandbox')}>
          <Input maxLength={2000} />
        </Form.Item>
        <Form.Item name="production" label={t('Địa chỉ nguồn mới — chính thức', 'New upstream — production')}>
          <Input maxLength={2000} />
        </Form.Item>
        <Form.Item
          name="resources"
          label={t('Danh sách tài nguyên mới', 'New resources')}
          extra={t(
            'Mỗi dòng: PHƯƠNG_THỨC /đường/dẫn; thay thế toàn bộ danh sách',
            'One per line: METHOD /path; replaces the whole list',
          )}
        >
          <Input.TextArea rows={3} />
        </Form.Item>
        <Form.Item
          name="reason"
          label={t('Lý do thay đổi', 'Reason for the change')}
          rules={[{ required: true, whitespace: true, message: t('Nhập lý do', 'Enter a reason') }]}
        >
          <Input.TextArea rows={2} maxLength={5000} />
        </Form.Item>
        <ProblemAlert error={error} />
      </Form>
    </Modal>
  );
}

/** The proposed changes of this service's versions and their outcome. */
function VersionChanges({ serviceVersions }: { serviceVersions: Version[] }) {
  const t = useT();
  const [changes, setChanges] = useState<VersionChange[]>([]);
  const ids = serviceVersions
    .filter((v) => v.status === 'published' || v.status === 'deprecated')
    .map((v) => v.id);
  const key = ids.join(',');

  useEffect(() => {
    if (!key) return;
    Promise.all(key.split(',').map((versionId) => api.call('listVersionChanges', { query: { versionId } })))
      .then((answers) => setChanges(answers.flatMap((a) => a.items)))
      .catch(() => setChanges([]));
  }, [key]);

  if (changes.length === 0) return null;
  return (
    <Card title={<h2 style={{ fontSize: 16, margin: 0 }}>{t('Đề nghị thay đổi', 'Proposed changes')}</h2>}>
      <Table<VersionChange>
        rowKey="id"
        size="small"
        dataSource={changes}
        pagination={false}
        columns={[
          { title: t('Phiên bản', 'Version'), dataIndex: 'version' },
          { title: t('Lý do', 'Reason'), dataIndex: 'reason' },
          {
            title: t('Gửi lúc', 'Filed'),
            dataIndex: 'submittedAt',
            render: (at: string) => formatDateTime(at),
          },
          {
            title: t('Trạng thái', 'State'),
            dataIndex: 'status',
            render: (status: string, change) => (
              <Space orientation="vertical" size={0}>
                <StateTag state={status} />
                {change.reasons.map((reason) => (
                  <Typography.Text key={reason} type="danger">
                    {reason}
                  </Typography.Text>
                ))}
              </Space>
            ),
          },
        ]}
      />
    </Card>
  );
}

/** The service's R-11 description: every item is needed before a version can be submitted; the agency edits it. */
function DescriptionCard({ service, onSaved }: { service: Service; onSaved: (service: Service) => void }) {
  const t = useT();
  const { message } = App.useApp();
  const [editing, setEditing] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const save = async (values: { description?: TechnicalDescription }) => {
    setError(null);
    try {
      const saved = await api.call('updateService', {
        params: { id: service.id },
        body: { description: filledDescription(values.description) },
      });
      onSaved(saved);
      setEditing(false);
      message.success(t('Đã lưu mô tả kỹ thuật', 'Technical description saved'));
    } catch (err) {
      setError(err);
    }
  };

  return (
    <Card
      title={
        <h2 style={{ fontSize: 16, margin: 0 }}>
          {t('Mô tả kỹ thuật (R-11)', 'Technical description (R-11)')}
        </h2>
      }
      extra={
        editing ? null : (
          <Button onClick={() => setEditing(true)}>{t('Sửa mô tả', 'Edit the description')}</Button>
        )
      }
    >
      {editing ? (
        <Form
          layout="vertical"
          initialValues={{ description: service.description }}
          onFinish={(v) => void save(v)}
          style={{ maxWidth: 720 }}
        >
          <R11Fields />
          <ProblemAlert error={error} />
          <Space style={{ marginTop: 8 }}>
            <Button type="primary" htmlType="submit">
              {t('Lưu', 'Save')}
            </Button>
            <Button onClick={() => setEditing(false)}>{t('Huỷ', 'Cancel')}</Button>
          </Space>
        </Form>
      ) : (
        <Descriptions styles={READABLE_LABEL} column={1} size="small" bordered>
          {R11_KEYS.map((key) => (
            <Descriptions.Item key={key} label={t(R11_ITEMS[key].vi, R11_ITEMS[key].en)}>
              {service.description[key] || (
                <Typography.Text type="danger">
                  {t('Chưa có — cần trước khi gửi duyệt', 'Missing — needed before submission')}
                </Typography.Text>
              )}
            </Descriptions.Item>
          ))}
        </Descriptions>
      )}
    </Card>
  );
}
