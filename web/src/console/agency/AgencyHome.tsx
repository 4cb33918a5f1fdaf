import { WarningOutlined } from '@ant-design/icons';
import { App, Button, Card, Col, Descriptions, Form, Input, List, Row, Space, Typography } from 'antd';
import { init } from 'echarts';
import { useEffect, useRef, useState } from 'react';
import { Link } from 'react-router-dom';
import { api, type OperationResponse } from '../../shared/api.ts';
import { Figure } from '../../shared/Figure.tsx';
import { useT } from '../../shared/i18n.tsx';
import { useServerList } from '../../shared/server-list.ts';
import { StateTag, useStateName } from '../../shared/tags.tsx';
import { formatDateTime } from '../../shared/time.ts';
import { ContactEmailItem } from '../components/contact-email.tsx';
import { EndingTag, noticeHref, useEndingAdvice } from '../components/ending.tsx';
import { ProblemAlert, READABLE_LABEL } from '../components/page.tsx';
import { RegistryName } from '../components/registry-names.tsx';
import { ServerTable } from '../components/server-table.tsx';
import { type OwnSystem, useOrganizationId } from './common.tsx';
import { MoveToReplacement } from './move-to-replacement.tsx';

type Organization = OperationResponse<'getOrganization'>;
type Dashboard = OperationResponse<'getDashboard'>;

/**
 * The agency's home: its organization and contact point (kept up to date by the agency itself, R-09), its systems,
 * what it has asked the operator and where that stands, and its own traffic (the dashboard is scoped to the
 * organization for agency users).
 */
export function AgencyHome() {
  const t = useT();
  const organizationId = useOrganizationId();
  const [organization, setOrganization] = useState<Organization | null>(null);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    api
      .call('getOrganization', { params: { id: organizationId } })
      .then(setOrganization)
      .catch(setError);
  }, [organizationId]);

  return (
    <Space orientation="vertical" size="large" style={{ width: '100%' }}>
      <Typography.Title level={1} style={{ fontSize: 24 }}>
        {organization?.name ?? t('Cơ quan của tôi', 'My organization')}
      </Typography.Title>
      <ProblemAlert error={error} />
      <EndingSubscriptionsCard organizationId={organizationId} />
      <Row gutter={[16, 16]}>
        <Col xs={24} xl={12}>
          {organization ? <ContactPointCard organization={organization} onSaved={setOrganization} /> : null}
        </Col>
        <Col xs={24} xl={12}>
          <OpenRequestsCard />
        </Col>
      </Row>
      <SystemsCard />
      <TrafficCard />
    </Space>
  );
}

type Subscription = OperationResponse<'listSubscriptions'>['items'][number];
type EndingSubscription = Subscription & { ending: NonNullable<Subscription['ending']> };

/**
 * The services this organization's systems use that are going away (R-18 sunset, R-21 decommission), soonest
 * first, each with its date, what to do (the step to the newer version when there is one), its subscription and the
 * public notice; nothing when there are none. A
 * cancelled decommission is gone from the API's answer, so from here, at once. Revoked subscriptions are no longer
 * used, so they are not warned about.
 */
function EndingSubscriptionsCard({ organizationId }: { organizationId: string }) {
  const t = useT();
  const advice = useEndingAdvice();
  const stateName = useStateName();
  const [endings, setEndings] = useState<EndingSubscription[]>([]);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    api
      // An organization has a handful of subscriptions ending at a time; the most a page holds is plenty.
      .call('listSubscriptions', { query: { organizationId, ending: true, limit: 500, offset: 0 } })
      .then((answer) =>
        setEndings(
          answer.items
            .filter((s): s is EndingSubscription => s.ending !== null && s.status !== 'revoked')
            .sort((a, b) => Date.parse(a.ending.endsAt) - Date.parse(b.ending.endsAt)),
        ),
      )
      .catch(setError);
  }, [organizationId]);
  if (endings.length === 0 && !error) return null;
  return (
    <Card
      title={
        <h2 style={{ fontSize: 16, margin: 0 }}>
          <WarningOutlined style={{ color: '#d4380d', marginRight: 8 }} aria-hidden />
          {t('Dịch vụ bạn đang dùng sắp ngừng', 'Services you use that are ending')}
        </h2>
      }
      data-testid="ending-subscriptions"
    >
      <ProblemAlert error={error} />
      <List
        size="small"
        dataSource={endings}
        renderItem={(s) => (
          <List.Item key={s.id}>
            <Space orientation="vertical" size={2}>
              <Space wrap>
                <Typography.Text strong>
                  <RegistryName kind="version" id={s.versionId} link={false} />
                </Typography.Text>
                <EndingTag ending={s.ending} />
              </Space>
              <Typography.Text type="secondary">
                <RegistryName kind="system" id={s.systemId} link={false} /> · {stateName(s.environment)} ·{' '}
                {advice(s.ending)}
              </Typography.Text>
              <Space wrap>
                <MoveToReplacement subscription={s} />
                <Link to={`/agency-subscriptions?subscription=${encodeURIComponent(s.id)}`}>
                  {t('Xem đăng ký', 'Open the subscription')}
                </Link>
                {s.ending.noticeId ? (
                  <a href={noticeHref(s.ending.noticeId)} target="_blank" rel="noreferrer">
                    {t('Thông báo công khai', 'Public notice')}
                  </a>
                ) : null}
              </Space>
            </Space>
          </List.Item>
        )}
      />
    </Card>
  );
}

function ContactPointCard({
  organization,
  onSaved,
}: {
  organization: Organization;
  onSaved: (organization: Organization) => void;
}) {
  const t = useT();
  const { message } = App.useApp();
  const [editing, setEditing] = useState(false);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const contact = organization.contact;

  const save = async (values: {
    name: string;
    title?: string;
    unit?: string;
    phone?: string;
    email?: string;
  }) => {
    setSaving(true);
    setError(null);
    try {
      const saved = await api.call('updateOrganization', {
        params: { id: organization.id },
        body: {
          contact: {
            name: values.name,
            title: values.title || undefined,
            unit: values.unit || undefined,
            phone: values.phone || null,
            // Required: the form asks for it; the API refuses an empty one all the same (400 naming contact/email).
            email: values.email ?? '',
          },
        },
      });
      onSaved(saved);
      setEditing(false);
      message.success(t('Đã cập nhật đầu mối liên hệ', 'Contact point updated'));
    } catch (err) {
      setError(err);
    } finally {
      setSaving(false);
    }
  };

  return (
    <Card
      title={
        <h2 style={{ fontSize: 16, margin: 0 }}>
          {t('Hồ sơ cơ quan và đầu mối liên hệ', 'Profile and contact point')}
        </h2>
      }
      extra={
        editing ? null : (
          <Button onClick={() => setEditing(true)}>{t('Sửa đầu mối', 'Edit contact point')}</Button>
        )
      }
    >
      <Descriptions styles={READABLE_LABEL} column={1} size="small">
        <Descriptions.Item label={t('Mã định danh', 'Official code')}>{organization.code}</Descriptions.Item>
        <Descriptions.Item label={t('Tên cơ quan', 'Name')}>{organization.name}</Descriptions.Item>
      </Descriptions>
      {editing ? (
        <Form
          layout="vertical"
          initialValues={{
            name: contact?.name ?? '',
            title: contact?.title ?? '',
            unit: contact?.unit ?? '',
            phone: contact?.phone ?? '',
            email: contact?.email ?? '',
          }}
          onFinish={(values) => void save(values)}
          style={{ marginTop: 16 }}
        >
          <Typography.Paragraph type="secondary">
            {t(
              'Đầu mối được công bố trên cổng thông tin để các cơ quan khác liên hệ (R-09).',
              'The contact point is published on the portal so other agencies can reach you (R-09).',
            )}
          </Typography.Paragraph>
          <Form.Item
            name="name"
            label={t('Họ tên cán bộ đầu mối', 'Contact name')}
            rules={[{ required: true, message: t('Nhập họ tên', 'Enter a name') }]}
          >
            <Input maxLength={200} />
          </Form.Item>
          <Form.Item name="title" label={t('Chức vụ', 'Title')}>
            <Input maxLength={200} />
          </Form.Item>
          <Form.Item name="unit" label={t('Đơn vị', 'Unit')}>
            <Input maxLength={300} />
          </Form.Item>
          <Form.Item name="phone" label={t('Số điện thoại', 'Phone')}>
            <Input maxLength={40} />
          </Form.Item>
          <ContactEmailItem name="email" />
          <ProblemAlert error={error} />
          <Space style={{ marginTop: 8 }}>
            <Button type="primary" htmlType="submit" loading={saving}>
              {t('Lưu', 'Save')}
            </Button>
            <Button onClick={() => setEditing(false)}>{t('Huỷ', 'Cancel')}</Button>
          </Space>
        </Form>
      ) : (
        <Descriptions
          styles={READABLE_LABEL}
          column={1}
          size="small"
          title={t('Đầu mối liên hệ', 'Contact point')}
        >
          {contact ? (
            <>
              <Descriptions.Item label={t('Họ tên', 'Name')}>{contact.name}</Descriptions.Item>
              <Descriptions.Item label={t('Chức vụ', 'Title')}>{contact.title ?? '—'}</Descriptions.Item>
              <Descriptions.Item label={t('Đơn vị', 'Unit')}>{contact.unit ?? '—'}</Descriptions.Item>
              <Descriptions.Item label={t('Điện thoại', 'Phone')}>{contact.phone ?? '—'}</Descriptions.Item>
              <Descriptions.Item label={t('Thư điện tử', 'E-mail')}>{contact.email ?? '—'}</Descriptions.Item>
            </>
          ) : (
            <Descriptions.Item label={t('Đầu mối', 'Contact')}>
              {t('Chưa có — hãy bổ sung', 'None yet — please add one')}
            </Descriptions.Item>
          )}
        </Descriptions>
      )}
    </Card>
  );
}

/** How many of the agency's requests wait for the operator or for the agency itself. */
function OpenRequestsCard() {
  const t = useT();
  const organizationId = useOrganizationId();
  const [counts, setCounts] = useState<{
    connection: number;
    subscription: number;
    completion: number;
  } | null>(null);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    // Neither list pages on the server (an organization has a few requests); the states are counted here.
    Promise.all([
      api.call('listConnectionRequests', { query: { organizationId, status: 'submitted' } }),
      api.call('listSubscriptionRequests', { query: { organizationId } }),
    ])
      .then(([connection, subscription]) => {
        const count = (...states: string[]) =>
          subscription.items.filter((r) => states.includes(r.status)).length;
        setCounts({
          connection: connection.items.length,
          subscription: count('submitted', 'production_requested'),
          completion: count('needs_completion'),
        });
      })
      .catch(setError);
  }, [organizationId]);

  return (
    <Card title={<h2 style={{ fontSize: 16, margin: 0 }}>{t('Đề nghị đang mở', 'Open requests')}</h2>}>
      <ProblemAlert error={error} />
      <Row gutter={16}>
        <Col span={8}>
          <Figure title={t('Kết nối chờ duyệt', 'Connection, waiting')} value={counts?.connection ?? '—'} />
          <Link to="/agency-connection-requests">{t('Xem', 'View')}</Link>
        </Col>
        <Col span={8}>
          <Figure
            title={t('Khai thác chờ duyệt', 'Subscription, waiting')}
            value={counts?.subscription ?? '—'}
          />
          <Link to="/agency-subscriptions">{t('Xem', 'View')}</Link>
        </Col>
        <Col span={8}>
          <Figure
            title={t('Cần cơ quan bổ sung', 'Needs your completion')}
            value={counts?.completion ?? '—'}
          />
          <Link to="/agency-subscriptions">{t('Bổ sung', 'Complete')}</Link>
        </Col>
      </Row>
    </Card>
  );
}

function SystemsCard() {
  const t = useT();
  const organizationId = useOrganizationId();
  const list = useServerList<OwnSystem>((request) =>
    api.call('listSystems', { query: { ...request, organizationId } }),
  );
  return (
    <Card
      title={<h2 style={{ fontSize: 16, margin: 0 }}>{t('Hệ thống thông tin', 'Information systems')}</h2>}
    >
      <ServerTable<OwnSystem>
        list={list}
        size="small"
        emptyText={t(
          'Chưa có hệ thống nào — hãy gửi đề nghị kết nối',
          'No system yet — file a connection request',
        )}
        columns={[
          {
            title: t('Tên hệ thống', 'System'),
            dataIndex: 'name',
            render: (name: string, system) => (
              <Link to={`/agency-systems/${encodeURIComponent(system.id)}`}>{name}</Link>
            ),
          },
          {
            title: t('Vai trò', 'Role'),
            render: (_, system) =>
              [
                system.isProvider ? t('Cung cấp', 'Provider') : null,
                system.isConsumer ? t('Khai thác', 'Consumer') : null,
              ]
                .filter(Boolean)
                .join(', '),
          },
          {
            title: t('Trạng thái', 'Status'),
            dataIndex: 'status',
            render: (status: string) => <StateTag state={status} />,
          },
          {
            title: t('Cập nhật', 'Updated'),
            dataIndex: 'updatedAt',
            render: (at: string) => formatDateTime(at),
          },
        ]}
      />
    </Card>
  );
}

/**
 * Calls, refusals and errors of the last 7 days where the organization is the consumer or the provider. A call the
 * gateway refused itself (no subscription, bad token, quota…) never reached the provider: it is shown apart from
 * the errors of the exchange, as the statistics count them (R-07, R-23, docs/reports.md).
 */
function TrafficCard() {
  const t = useT();
  const chartRef = useRef<HTMLDivElement>(null);
  const [dashboard, setDashboard] = useState<Dashboard | null>(null);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    const to = new Date();
    const from = new Date(to.getTime() - 7 * 24 * 60 * 60 * 1000);
    api
      .call('getDashboard', { query: { from: from.toISOString(), to: to.toISOString(), bucket: 'day' } })
      .then(setDashboard)
      .catch(setError);
  }, []);

  useEffect(() => {
    if (!dashboard || !chartRef.current) return;
    const chart = init(chartRef.current);
    const callsName = t('Lượt gọi', 'Calls');
    const refusedName = t('Bị từ chối', 'Refused');
    const errorsName = t('Lỗi', 'Errors');
    chart.setOption({
      tooltip: { trigger: 'axis' },
      legend: { data: [callsName, refusedName, errorsName] },
      xAxis: {
        type: 'category',
        data: dashboard.traffic.points.map((p) => formatDateTime(p.at).slice(0, 5)),
      },
      yAxis: { type: 'value', minInterval: 1 },
      series: [
        { name: callsName, type: 'bar', data: dashboard.traffic.points.map((p) => p.calls) },
        {
          name: refusedName,
          type: 'line',
          color: '#8c8c8c',
          data: dashboard.traffic.points.map((p) => p.refused),
        },
        {
          name: errorsName,
          type: 'line',
          color: '#cf1322',
          data: dashboard.traffic.points.map((p) => p.errors),
        },
      ],
    });
    const resize = () => chart.resize();
    window.addEventListener('resize', resize);
    return () => {
      window.removeEventListener('resize', resize);
      chart.dispose();
    };
  }, [dashboard, t]);

  return (
    <Card
      title={<h2 style={{ fontSize: 16, margin: 0 }}>{t('Lưu lượng 7 ngày qua', 'Traffic, last 7 days')}</h2>}
      extra={<Link to="/transactions">{t('Xem giao dịch', 'View transactions')}</Link>}
    >
      <ProblemAlert error={error} />
      {dashboard ? (
        <Space size="large" style={{ marginBottom: 8 }}>
          <Figure title={t('Lượt gọi', 'Calls')} value={dashboard.traffic.calls} />
          <Figure
            title={
              <span
                title={t(
                  'Cổng tự từ chối, chưa tới bên cung cấp',
                  'Refused by the gateway, provider not reached',
                )}
              >
                {t('Bị từ chối', 'Refused')}
              </span>
            }
            value={dashboard.traffic.refused}
          />
          <Figure title={t('Lỗi', 'Errors')} value={dashboard.traffic.errors} />
        </Space>
      ) : null}
      <div
        ref={chartRef}
        role="img"
        aria-label={
          dashboard
            ? t(
                `Biểu đồ theo ngày: ${dashboard.traffic.calls} lượt gọi, ${dashboard.traffic.refused} bị từ chối, ${dashboard.traffic.errors} lỗi`,
                `Chart per day: ${dashboard.traffic.calls} calls, ${dashboard.traffic.refused} refused, ${dashboard.traffic.errors} errors`,
              )
            : t(
                'Biểu đồ lượt gọi, bị từ chối và lỗi theo ngày',
                'Chart of calls, refusals and errors per day',
              )
        }
        style={{ width: '100%', height: 260 }}
      />
    </Card>
  );
}
