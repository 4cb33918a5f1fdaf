import { ApiOutlined } from '@ant-design/icons';
import {
  App,
  Button,
  Card,
  Form,
  Input,
  InputNumber,
  Modal,
  Popconfirm,
  Select,
  Space,
  Typography,
} from 'antd';
import { useEffect, useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router-dom';
import { ApiError, api, type OperationResponse } from '../../shared/api.ts';
import { type Translate, useT } from '../../shared/i18n.tsx';
import { useServerList } from '../../shared/server-list.ts';
import { StateTag, useStateName } from '../../shared/tags.tsx';
import { formatDate, formatDateTime } from '../../shared/time.ts';
import { CancelSubscriptionButton } from '../components/cancel-subscription.tsx';
import { EndingSummary } from '../components/ending.tsx';
import { ProblemAlert, SearchBox } from '../components/page.tsx';
import { RegistryName, ServiceVersionName } from '../components/registry-names.tsx';
import { ConsumerSecretModal, type OneTimeSecret } from '../components/secret-once.tsx';
import { ServerTable } from '../components/server-table.tsx';
import { useOrganizationId, useOwnSystems } from './common.tsx';
import { MoveToReplacement } from './move-to-replacement.tsx';

type Service = OperationResponse<'listServices'>['items'][number];
type Version = OperationResponse<'listServiceVersions'>['items'][number];
type SubscriptionRequest = OperationResponse<'listSubscriptionRequests'>['items'][number];
type Subscription = OperationResponse<'listSubscriptions'>['items'][number];

interface RequestFields {
  application: string;
  purpose: string;
  frequencyPerDay: number;
  frequencyPerMinute?: number | null;
  timeOfUse?: string;
  otherNotes?: string;
}

/** What a request asked (Art. 11.2), as the form's fields: to complete it, or to ask the same for another version. */
function requestFields(request: SubscriptionRequest): RequestFields {
  return {
    application: request.application,
    purpose: request.purpose,
    frequencyPerDay: request.frequencyPerDay,
    frequencyPerMinute: request.frequencyPerMinute,
    timeOfUse: request.timeOfUse ?? '',
    otherNotes: request.otherNotes ?? '',
  };
}

/** The Art. 11.2 fields of a subscription request, each labelled, for a new request and its completion. */
function RequestFieldsForm() {
  const t = useT();
  return (
    <>
      <Form.Item
        name="application"
        label={t('Ứng dụng khai thác', 'Consumer application')}
        extra={t('Phần mềm sẽ gọi dịch vụ', 'The software that will call the service')}
        rules={[{ required: true, whitespace: true, message: t('Nhập ứng dụng', 'Enter the application') }]}
      >
        <Input maxLength={300} />
      </Form.Item>
      <Form.Item
        name="purpose"
        label={t('Mục đích khai thác', 'Purpose of use')}
        rules={[{ required: true, whitespace: true, message: t('Nhập mục đích', 'Enter the purpose') }]}
      >
        <Input.TextArea rows={2} maxLength={5000} />
      </Form.Item>
      <Form.Item
        name="frequencyPerDay"
        label={t('Tần suất khai thác (lượt/ngày)', 'Frequency (calls per day)')}
        extra={t('Trở thành hạn mức ngày khi được duyệt', 'Becomes the daily quota once approved')}
        rules={[{ required: true, message: t('Nhập số lượt mỗi ngày', 'Enter calls per day') }]}
      >
        <InputNumber min={1} max={2147483647} style={{ width: 200 }} />
      </Form.Item>
      <Form.Item
        name="frequencyPerMinute"
        label={t('Tần suất tối đa (lượt/phút)', 'Peak frequency (calls per minute)')}
      >
        <InputNumber min={1} max={2147483647} style={{ width: 200 }} />
      </Form.Item>
      <Form.Item
        name="timeOfUse"
        label={t('Thời gian khai thác', 'Time of use')}
        extra={t('Giờ Việt Nam, HH:MM-HH:MM; để trống: cả ngày', 'Vietnam time, HH:MM-HH:MM; empty: all day')}
        rules={[{ pattern: /^\d{2}:\d{2}-\d{2}:\d{2}$/, message: t('Dạng 07:00-17:30', 'Like 07:00-17:30') }]}
      >
        <Input maxLength={20} placeholder="07:00-17:30" />
      </Form.Item>
      <Form.Item name="otherNotes" label={t('Đề xuất, ghi chú khác', 'Other notes')}>
        <Input.TextArea rows={2} maxLength={5000} />
      </Form.Item>
    </>
  );
}

/**
 * Subscriptions (R-12, Art. 11.2): find a published service on the server, request it for one of the agency's
 * consumer systems (sandbox first), follow each request (complete it when sent back), collect the key issued with
 * an approval (once), and see the subscriptions granted.
 */
export function AgencySubscriptions() {
  const t = useT();
  const organizationId = useOrganizationId();
  const [requesting, setRequesting] = useState<RequestTarget | null>(null);
  // Each opening of the form starts afresh (a fresh form, its initial values those of what it opens on): what was typed
  // into a form left without sending is not carried into the next.
  const [openings, setOpenings] = useState(0);
  const openRequest = (target: RequestTarget) => {
    setOpenings((n) => n + 1);
    setRequesting(target);
  };
  const [secret, setSecret] = useState<OneTimeSecret | null>(null);
  const [version, setVersion] = useState(0);
  const refresh = () => setVersion((v) => v + 1);
  const [params, setParams] = useSearchParams();
  const move = params.get('move');
  const [moveError, setMoveError] = useState<unknown>(null);

  // `?move=sub_…` ("Chuyển sang phiên bản X" where a subscription is ending): the request form, filled in to move it.
  useEffect(() => {
    setMoveError(null);
    if (!move) return;
    let live = true;
    movingTarget(move, organizationId, t)
      .then((target) => {
        if (!live) return;
        setOpenings((n) => n + 1);
        setRequesting(target);
      })
      .catch((err) => live && setMoveError(err));
    return () => {
      live = false;
    };
  }, [move, organizationId, t]);

  return (
    <Space orientation="vertical" size="large" style={{ width: '100%' }}>
      <Typography.Title level={1} style={{ fontSize: 24 }}>
        {t('Đề nghị khai thác dịch vụ', 'Subscription requests')}
      </Typography.Title>
      <ProblemAlert error={moveError} />
      <FindService onRequest={(service) => openRequest({ service, moving: null })} />
      <MyRequests organizationId={organizationId} refreshKey={version} onSecret={setSecret} />
      <GrantedSubscriptions refreshKey={version} />
      <RequestModal
        key={openings}
        target={requesting}
        onDone={(sent) => {
          setRequesting(null);
          if (move)
            setParams(
              (current) => {
                current.delete('move');
                return current;
              },
              { replace: true },
            );
          if (sent) refresh();
        }}
      />
      <ConsumerSecretModal
        secret={secret}
        onClose={() => {
          setSecret(null);
          refresh();
        }}
      />
    </Space>
  );
}

/** What the request form opens on: a service the agency picked, or a subscription to move to its replacement. */
interface RequestTarget {
  service: Pick<Service, 'id' | 'name'>;
  moving: Moving | null;
}

/** A subscription ending and what its move starts from: its system, the replacement, its terms. */
interface Moving {
  from: Subscription;
  versionId: string;
  fields: Partial<RequestFields>;
}

/**
 * Reads what moving subscription `id` takes: the replacement version its ending names, that version's service, and the
 * terms to start from — those of the request the subscription was granted on, else the subscription's own quotas
 * and time of use (one the operator made directly has no request).
 */
async function movingTarget(id: string, organizationId: string, t: Translate): Promise<RequestTarget> {
  const from = await api.call('getSubscription', { params: { id } });
  const versionId = from.ending?.replacementVersionId;
  if (!versionId)
    throw new Error(
      t(
        'Đăng ký này không có phiên bản mới hơn để chuyển sang.',
        'This subscription has no newer version to move to.',
      ),
    );
  const version = await api.call('getVersion', { params: { id: versionId } });
  const [service, requests] = await Promise.all([
    api.call('getService', { params: { id: version.serviceId } }),
    api.call('listSubscriptionRequests', {
      query: { organizationId, systemId: from.systemId, versionId: from.versionId },
    }),
  ]);
  const granted = requests.items.find(
    (r) => r.sandboxSubscriptionId === from.id || r.productionSubscriptionId === from.id,
  );
  const fields: Partial<RequestFields> = granted
    ? requestFields(granted)
    : {
        frequencyPerDay: from.quotaPerDay ?? undefined,
        frequencyPerMinute: from.quotaPerMinute,
        timeOfUse: from.timeOfUse ?? '',
      };
  return { service: { id: service.id, name: service.name }, moving: { from, versionId, fields } };
}

function FindService({ onRequest }: { onRequest: (service: Service) => void }) {
  const t = useT();
  const list = useServerList<Service>((request) => api.call('listServices', { query: request }), {}, 10);
  return (
    <Card
      title={
        <h2 style={{ fontSize: 16, margin: 0 }}>{t('Tìm dịch vụ đã công bố', 'Find a published service')}</h2>
      }
    >
      <Input.Search
        aria-label={t('Tìm dịch vụ', 'Search services')}
        placeholder={t('Tìm theo tên, đường dẫn…', 'Search by name, context…')}
        allowClear
        enterButton={t('Tìm', 'Search')}
        onSearch={list.search}
        style={{ maxWidth: 480, marginBottom: 12 }}
      />
      <ServerTable<Service>
        list={list}
        emptyText={t('Không có dịch vụ nào khớp', 'No service matches')}
        size="small"
        columns={[
          { title: t('Tên dịch vụ', 'Service'), dataIndex: 'name' },
          {
            title: t('Đường dẫn', 'Context'),
            dataIndex: 'context',
            render: (c: string) => <code>/{c}</code>,
          },
          {
            title: t('Thao tác', 'Actions'),
            render: (_, service) => (
              <Button
                size="small"
                type="primary"
                aria-label={`${t('Đăng ký khai thác', 'Request a subscription')} ${service.name}`}
                onClick={() => onRequest(service)}
              >
                {t('Đăng ký khai thác', 'Request a subscription')}
              </Button>
            ),
          },
        ]}
      />
    </Card>
  );
}

function RequestModal({ target, onDone }: { target: RequestTarget | null; onDone: (sent: boolean) => void }) {
  const t = useT();
  const stateName = useStateName();
  const service = target?.service ?? null;
  const moving = target?.moving ?? null;
  const { message } = App.useApp();
  const [form] = Form.useForm();
  const { systems } = useOwnSystems((s) => s.isConsumer && s.status === 'active');
  const [versions, setVersions] = useState<Version[]>([]);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    setVersions([]);
    setError(null);
    if (!service) return;
    api
      .call('listServiceVersions', {
        params: { id: service.id },
        query: { status: 'published', limit: 100, offset: 0 },
      })
      .then((answer) => setVersions(answer.items))
      .catch(setError);
  }, [service]);

  // A choice of one is made already, as each list arrives — the only consumer system, the only published version: a
  // newcomer with one of each met two empty selects. (The form's initialValues would see the systems only if they
  // had loaded before the dialog first opened.)
  useEffect(() => {
    if (systems.length === 1 && !form.getFieldValue('systemId'))
      form.setFieldValue('systemId', systems[0]?.id);
    if (versions.length === 1 && !form.getFieldValue('versionId'))
      form.setFieldValue('versionId', versions[0]?.id);
  }, [systems, versions, form]);

  const send = async (values: RequestFields & { systemId: string; versionId: string }) => {
    setError(null);
    try {
      await api.call('createSubscriptionRequest', {
        body: {
          systemId: values.systemId,
          versionId: values.versionId,
          application: values.application,
          purpose: values.purpose,
          frequencyPerDay: values.frequencyPerDay,
          frequencyPerMinute: values.frequencyPerMinute ?? null,
          timeOfUse: values.timeOfUse || null,
          otherNotes: values.otherNotes || null,
        },
      });
      message.success(t('Đã gửi đề nghị khai thác', 'Subscription request sent'));
      form.resetFields();
      onDone(true);
    } catch (err) {
      setError(err);
    }
  };

  return (
    <Modal
      open={service !== null}
      title={`${t('Đăng ký khai thác', 'Request a subscription')}: ${service?.name ?? ''}`}
      onCancel={() => onDone(false)}
      onOk={() => form.submit()}
      okText={t('Gửi đề nghị', 'Send the request')}
      cancelText={t('Huỷ', 'Cancel')}
      destroyOnHidden
      width={640}
    >
      {moving ? (
        <Typography.Paragraph data-testid="moving-from">
          {t('Chuyển đăng ký', 'Moving the subscription')}{' '}
          <RegistryName kind="version" id={moving.from.versionId} link={false} /> ·{' '}
          {stateName(moving.from.environment)}{' '}
          {t(
            `sang phiên bản ${moving.from.ending?.replacementVersion ?? ''}`,
            `to version ${moving.from.ending?.replacementVersion ?? ''}`,
          )}
          {moving.from.ending
            ? t(
                ` trước ${formatDate(moving.from.ending.endsAt)}. Nội dung được điền sẵn theo đăng ký hiện tại; sửa nếu cần.`,
                ` before ${formatDate(moving.from.ending.endsAt)}. The form starts from the current subscription; change what you need.`,
              )
            : null}
        </Typography.Paragraph>
      ) : null}
      <Typography.Paragraph type="secondary">
        {t(
          'Đề nghị được duyệt thử nghiệm (sandbox) trước; sau khi gọi thử thành công, cơ quan đề nghị khai thác chính thức.',
          'The request is approved for the sandbox first; after a successful test call, the agency asks for production.',
        )}
      </Typography.Paragraph>
      <Form
        form={form}
        layout="vertical"
        onFinish={(v) => void send(v)}
        initialValues={
          moving
            ? { systemId: moving.from.systemId, versionId: moving.versionId, ...moving.fields }
            : undefined
        }
      >
        <Form.Item
          name="systemId"
          label={t('Hệ thống khai thác', 'Consumer system')}
          rules={[{ required: true, message: t('Chọn hệ thống', 'Choose a system') }]}
        >
          <Select
            options={systems.map((s) => ({ value: s.id, label: s.name }))}
            notFoundContent={t(
              'Chưa có hệ thống khai thác — gửi đề nghị kết nối trước',
              'No consumer system — file a connection request first',
            )}
          />
        </Form.Item>
        <Form.Item
          name="versionId"
          label={t('Phiên bản dịch vụ', 'Service version')}
          rules={[{ required: true, message: t('Chọn phiên bản', 'Choose a version') }]}
        >
          <Select
            options={versions.map((v) => ({ value: v.id, label: `${v.version} (${v.protocol})` }))}
            notFoundContent={t('Dịch vụ chưa có phiên bản công bố', 'No published version')}
          />
        </Form.Item>
        <RequestFieldsForm />
        <ProblemAlert error={error} />
      </Form>
    </Modal>
  );
}

/** "Cách gọi" of a request: the keys of the system that calls, and the guide of the version asked for. */
const guideLink = (r: SubscriptionRequest) =>
  `/agency-keys?guide=${encodeURIComponent(r.id)}&system=${encodeURIComponent(r.systemId)}`;

function MyRequests({
  organizationId,
  refreshKey,
  onSecret,
}: {
  organizationId: string;
  refreshKey: number;
  onSecret: (secret: OneTimeSecret) => void;
}) {
  const t = useT();
  const stateName = useStateName();
  const { message } = App.useApp();
  const navigate = useNavigate();
  const [completing, setCompleting] = useState<SubscriptionRequest | null>(null);
  const [error, setError] = useState<unknown>(null);
  // Production asked for before a successful sandbox call (CP_SANDBOX_CALL_REQUIRED) leads to that request's "Cách
  // gọi", as publishing before a successful try leads to "Gọi thử".
  const [askedFor, setAskedFor] = useState<SubscriptionRequest | null>(null);
  const needsCall =
    error instanceof ApiError && error.problem?.code === 'CP_SANDBOX_CALL_REQUIRED' ? askedFor : null;
  // One page at a time from the server (issue 11), searched there too; the API limits it to our organization.
  const list = useServerList<SubscriptionRequest>((request) =>
    api.call('listSubscriptionRequests', { query: { ...request, organizationId } }),
  );
  const { reload } = list;
  useEffect(() => {
    if (refreshKey > 0) reload();
  }, [refreshKey, reload]);

  const collect = async (request: SubscriptionRequest, environment: 'sandbox' | 'production') => {
    setError(null);
    try {
      const collected = await api.call('collectSubscriptionRequestCredential', {
        params: { id: request.id, environment },
        body: {},
      });
      onSecret({
        consumerKey: collected.consumerKey,
        consumerSecret: collected.consumerSecret,
        environment: stateName(environment),
      });
    } catch (err) {
      setError(err);
    }
  };

  const askProduction = async (request: SubscriptionRequest) => {
    setError(null);
    setAskedFor(request);
    try {
      await api.call('requestSubscriptionRequestProduction', { params: { id: request.id }, body: {} });
      message.success(t('Đã đề nghị khai thác chính thức', 'Production requested'));
      reload();
    } catch (err) {
      setError(err);
    }
  };

  return (
    <Card title={<h2 style={{ fontSize: 16, margin: 0 }}>{t('Đề nghị của cơ quan', 'Our requests')}</h2>}>
      <SearchBox
        label={t('Tìm theo dịch vụ, hệ thống, mã đề nghị', 'Search by service, system, request id')}
        onSearch={list.search}
      />
      <ProblemAlert
        error={error}
        action={
          needsCall ? (
            <Button size="small" icon={<ApiOutlined />} onClick={() => navigate(guideLink(needsCall))}>
              {t('Đến "Cách gọi"', 'Go to "How to call"')}
            </Button>
          ) : undefined
        }
      />
      <ServerTable<SubscriptionRequest>
        list={list}
        emptyText={t('Chưa có đề nghị nào', 'No request yet')}
        size="small"
        columns={[
          {
            title: t('Dịch vụ', 'Service'),
            render: (_, r) => (
              <ServiceVersionName serviceName={r.serviceName} context={r.context} version={r.version} />
            ),
          },
          { title: t('Hệ thống khai thác', 'Consumer system'), dataIndex: 'systemName' },
          {
            title: t('Gửi lúc', 'Filed'),
            dataIndex: 'submittedAt',
            render: (at: string) => formatDateTime(at),
          },
          {
            title: t('Trạng thái', 'State'),
            render: (_, r) => (
              <Space orientation="vertical" size={0}>
                <StateTag state={r.status} />
                {r.reasons.map((reason) => (
                  <Typography.Text key={reason} type="danger">
                    {reason}
                  </Typography.Text>
                ))}
              </Space>
            ),
          },
          {
            title: t('Thao tác', 'Actions'),
            render: (_, r) => (
              <Space wrap>
                {r.status === 'needs_completion' ? (
                  <Button size="small" type="primary" onClick={() => setCompleting(r)}>
                    {t('Bổ sung và gửi lại', 'Complete and resubmit')}
                  </Button>
                ) : null}
                {r.sandboxCredentialId && !r.sandboxCredentialCollectedAt ? (
                  <Button size="small" type="primary" onClick={() => void collect(r, 'sandbox')}>
                    {t('Nhận khoá sandbox', 'Collect the sandbox key')}
                  </Button>
                ) : null}
                {r.productionCredentialId && !r.productionCredentialCollectedAt ? (
                  <Button size="small" type="primary" onClick={() => void collect(r, 'production')}>
                    {t('Nhận khoá chính thức', 'Collect the production key')}
                  </Button>
                ) : null}
                {r.status === 'sandbox_approved' ? (
                  <Popconfirm
                    title={t('Đề nghị khai thác chính thức?', 'Ask for production?')}
                    description={t(
                      'Cần ít nhất một lời gọi thử thành công trên sandbox.',
                      'Needs at least one successful sandbox call.',
                    )}
                    okText={t('Đề nghị', 'Ask')}
                    cancelText={t('Huỷ', 'Cancel')}
                    onConfirm={() => void askProduction(r)}
                  >
                    <Button size="small">{t('Đề nghị chính thức', 'Ask for production')}</Button>
                  </Popconfirm>
                ) : null}
                {r.status !== 'submitted' && r.status !== 'rejected' && r.status !== 'needs_completion' ? (
                  <Link to={guideLink(r)}>{t('Cách gọi', 'How to call')}</Link>
                ) : null}
              </Space>
            ),
          },
        ]}
      />
      <CompleteModal
        request={completing}
        onDone={(sent) => {
          setCompleting(null);
          if (sent) reload();
        }}
      />
    </Card>
  );
}

/** A request sent back for completion: the agency changes what was asked and sends it again. */
function CompleteModal({
  request,
  onDone,
}: {
  request: SubscriptionRequest | null;
  onDone: (sent: boolean) => void;
}) {
  const t = useT();
  const { message } = App.useApp();
  const [form] = Form.useForm();
  const [error, setError] = useState<unknown>(null);

  const send = async (values: RequestFields) => {
    if (!request) return;
    setError(null);
    try {
      await api.call('resubmitSubscriptionRequest', {
        params: { id: request.id },
        body: {
          changes: {
            application: values.application,
            purpose: values.purpose,
            frequencyPerDay: values.frequencyPerDay,
            frequencyPerMinute: values.frequencyPerMinute ?? null,
            timeOfUse: values.timeOfUse || null,
            otherNotes: values.otherNotes || null,
          },
        },
      });
      message.success(t('Đã gửi lại đề nghị', 'Request resubmitted'));
      onDone(true);
    } catch (err) {
      setError(err);
    }
  };

  return (
    <Modal
      open={request !== null}
      title={t('Bổ sung đề nghị khai thác', 'Complete the subscription request')}
      onCancel={() => onDone(false)}
      onOk={() => form.submit()}
      okText={t('Gửi lại', 'Resubmit')}
      cancelText={t('Huỷ', 'Cancel')}
      destroyOnHidden
      width={640}
    >
      {request ? (
        <>
          <Typography.Paragraph>{t('Nội dung cần bổ sung', 'What to complete')}:</Typography.Paragraph>
          <ul>
            {request.reasons.map((reason) => (
              <li key={reason}>{reason}</li>
            ))}
          </ul>
          <Form
            form={form}
            layout="vertical"
            onFinish={(v) => void send(v)}
            initialValues={requestFields(request)}
          >
            <RequestFieldsForm />
            <ProblemAlert error={error} />
          </Form>
        </>
      ) : null}
    </Modal>
  );
}

/**
 * The subscriptions granted, both sides: ours to other agencies' services, and theirs to ours. Each to a version or a
 * service announced to end says so with its date and what to do (R-18, R-21); ours can be cancelled here (R-21: the
 * keys are revoked at once). `?subscription=sub_…` (the home's warning links) shows that one. The platform's sandbox
 * test client's subscriptions to our versions are not here: the API lists them to the operator only (granted to no
 * one, never ours to change); its calls stay in our records, named.
 */
function GrantedSubscriptions({ refreshKey }: { refreshKey: number }) {
  const t = useT();
  const { message } = App.useApp();
  const stateName = useStateName();
  const { systems } = useOwnSystems();
  const [params, setParams] = useSearchParams();
  const only = params.get('subscription');
  const list = useServerList<Subscription>((request) => api.call('listSubscriptions', { query: request }));
  const { reload, search } = list;
  useEffect(() => {
    if (refreshKey > 0) reload();
  }, [refreshKey, reload]);
  // The API searches subscriptions by their id too: one subscription named in the address is that search.
  useEffect(() => search(only ?? ''), [only, search]);
  const ours = (systemId: string) => systems.some((s) => s.id === systemId);
  // Another organization's system is not ours to read, and says only that.
  const systemName = (id: string) =>
    systems.find((s) => s.id === id)?.name ?? (
      <RegistryName
        kind="system"
        id={id}
        link={false}
        unreadable={t(
          'Hệ thống của cơ quan khác (khai thác dịch vụ của ta)',
          'Another organization’s system (using our service)',
        )}
      />
    );
  // A refusal stays above the list with its code (ProblemAlert), not in a toast gone in three seconds.
  const [error, setError] = useState<unknown>(null);
  const cancel = async (subscription: Subscription) => {
    setError(null);
    try {
      await api.call('cancelSubscription', { params: { id: subscription.id }, body: {} });
      message.success(t('Đã huỷ đăng ký', 'Subscription cancelled'));
      reload();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <Card
      title={<h2 style={{ fontSize: 16, margin: 0 }}>{t('Đăng ký đã được cấp', 'Granted subscriptions')}</h2>}
      extra={
        only ? (
          <Button type="link" onClick={() => setParams({})}>
            {t('Hiện mọi đăng ký', 'Show every subscription')}
          </Button>
        ) : null
      }
    >
      <ProblemAlert error={error} />
      <ServerTable<Subscription>
        list={list}
        emptyText={t('Chưa có đăng ký nào', 'No subscription yet')}
        size="small"
        columns={[
          {
            title: t('Dịch vụ', 'Service'),
            dataIndex: 'versionId',
            // Ours and others' to our versions alike: the service's name and version, its path beside it, never
            // the bare ver_… id.
            render: (versionId: string) => <RegistryName kind="version" id={versionId} link={false} />,
          },
          {
            title: t('Hệ thống khai thác', 'Consumer system'),
            dataIndex: 'systemId',
            render: (systemId: string) => systemName(systemId),
          },
          {
            title: t('Môi trường', 'Environment'),
            dataIndex: 'environment',
            render: (env: string) => stateName(env),
          },
          {
            title: t('Trạng thái', 'State'),
            dataIndex: 'status',
            render: (s: string) => <StateTag state={s} />,
          },
          {
            title: t('Ngừng cung cấp', 'Ending'),
            dataIndex: 'ending',
            // Only the consumer moves its own subscription; the provider reads the same ending without the step.
            render: (ending: Subscription['ending'], s: Subscription) =>
              ending ? (
                <EndingSummary
                  ending={ending}
                  action={
                    ours(s.systemId) && s.status !== 'revoked' ? <MoveToReplacement subscription={s} /> : null
                  }
                />
              ) : (
                '—'
              ),
          },
          {
            title: t('Hạn mức/ngày', 'Quota/day'),
            dataIndex: 'quotaPerDay',
            render: (q: number | null) => q ?? '—',
          },
          {
            title: t('Hạn mức/phút', 'Quota/minute'),
            dataIndex: 'quotaPerMinute',
            render: (q: number | null) => q ?? '—',
          },
          {
            title: t('Thao tác', 'Actions'),
            // Only the consumer stops its own use; the provider's side of a subscription is the operator's.
            render: (_: unknown, s: Subscription) =>
              ours(s.systemId) && s.status !== 'revoked' ? (
                <CancelSubscriptionButton onConfirm={() => cancel(s)} />
              ) : null,
          },
        ]}
      />
    </Card>
  );
}
