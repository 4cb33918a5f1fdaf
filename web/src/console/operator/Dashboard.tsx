import { ReloadOutlined } from '@ant-design/icons';
import { Button, Card, Col, Row, Segmented, Space, Table, Tag, Typography } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { Link } from 'react-router-dom';
import { api, type OperationResponse } from '../../shared/api.ts';
import { Figure } from '../../shared/Figure.tsx';
import { useT } from '../../shared/i18n.tsx';
import { useFormatPercent } from '../../shared/percent.ts';
import { ColourTag, SeverityTag, StateTag } from '../../shared/tags.tsx';
import { formatDateTime } from '../../shared/time.ts';
import { EmptyState, ProblemAlert } from '../components/page.tsx';
import { ReviewAge } from '../components/review-age.tsx';
import { TrafficChart } from './TrafficChart.tsx';

type Dashboard = OperationResponse<'getDashboard'>;
type ReviewItem = Dashboard['reviews']['items'][number];
type Top = Dashboard['topServices'][number];

const HOUR = 3_600_000;
const PERIODS = {
  day: { ms: 24 * HOUR, vi: '24 giờ', en: '24 h' },
  week: { ms: 7 * 24 * HOUR, vi: '7 ngày', en: '7 d' },
  month: { ms: 30 * 24 * HOUR, vi: '30 ngày', en: '30 d' },
} as const;
type Period = keyof typeof PERIODS;

/** Where each kind of waiting request is decided, and its name. */
export const REVIEW_KINDS: Record<
  ReviewItem['kind'],
  { vi: string; en: string; link: (id: string) => string }
> = {
  connectionRequest: {
    vi: 'Đề nghị kết nối',
    en: 'Connection request',
    link: (id) => `/connection-requests/${encodeURIComponent(id)}`,
  },
  serviceSubmission: {
    vi: 'Dịch vụ chờ công bố',
    en: 'Service submission',
    link: (id) => `/submissions/${encodeURIComponent(id)}`,
  },
  subscriptionRequest: {
    vi: 'Đề nghị khai thác',
    en: 'Subscription request',
    link: () => '/subscription-requests',
  },
  versionChange: { vi: 'Đề nghị thay đổi', en: 'Proposed change', link: () => '/version-changes' },
};

function seconds(value: number | null, t: (vi: string, en: string) => string): string {
  if (value === null) return '—';
  if (value < 120) return t(`${value} giây`, `${value} s`);
  if (value < 7200) return t(`${Math.floor(value / 60)} phút`, `${Math.floor(value / 60)} min`);
  return t(`${Math.floor(value / 3600)} giờ`, `${Math.floor(value / 3600)} h`);
}

/**
 * The operator's home: traffic and its error rate over the chosen period, the busiest services and consumers, open
 * alerts, the asynchronous backlog, and the requests waiting for review against their 2-working-day deadline
 * (Decree 194/2025) — overdue ones in red.
 */
export function Dashboard() {
  const t = useT();
  const percent = useFormatPercent();
  const [period, setPeriod] = useState<Period>('day');
  const [data, setData] = useState<Dashboard | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(false);

  const load = useCallback(async () => {
    setLoading(true);
    const to = new Date();
    const from = new Date(to.getTime() - PERIODS[period].ms);
    try {
      setData(await api.call('getDashboard', { query: { from: from.toISOString(), to: to.toISOString() } }));
      setError(null);
    } catch (err) {
      setError(err);
    } finally {
      setLoading(false);
    }
  }, [period]);
  useEffect(() => {
    void load();
  }, [load]);

  const topColumns = (name: string) => [
    { title: name, dataIndex: 'label' },
    { title: t('Lượt gọi', 'Calls'), dataIndex: 'calls', align: 'right' as const },
    { title: t('Bị từ chối', 'Refused'), dataIndex: 'refused', align: 'right' as const },
    {
      title: t('Lỗi', 'Errors'),
      dataIndex: 'errors',
      align: 'right' as const,
      render: (v: number) => (v ? <Typography.Text type="danger">{v}</Typography.Text> : v),
    },
  ];

  return (
    <Space orientation="vertical" size="large" style={{ width: '100%' }}>
      <Space style={{ width: '100%', justifyContent: 'space-between' }} wrap>
        <Typography.Title level={1} style={{ fontSize: 24, margin: 0 }}>
          {t('Tổng quan', 'Dashboard')}
        </Typography.Title>
        <Space>
          <Segmented
            aria-label={t('Khoảng thời gian', 'Period')}
            value={period}
            options={(Object.keys(PERIODS) as Period[]).map((key) => ({
              value: key,
              label: t(PERIODS[key].vi, PERIODS[key].en),
            }))}
            onChange={(value) => setPeriod(value as Period)}
          />
          <Button icon={<ReloadOutlined />} loading={loading} onClick={() => void load()}>
            {t('Làm mới', 'Refresh')}
          </Button>
        </Space>
      </Space>
      <ProblemAlert error={error} />
      {data && (
        <>
          <Row gutter={[16, 16]}>
            <Col xs={12} lg={6}>
              <Card>
                <Figure title={t('Lượt gọi', 'Calls')} value={data.traffic.calls} />
              </Card>
            </Col>
            <Col xs={12} lg={6}>
              <Card>
                <Figure title={t('Tỉ lệ lỗi', 'Error rate')} value={percent(data.traffic.errorRate)} />
              </Card>
            </Col>
            <Col xs={12} lg={6}>
              <Card>
                <Figure title={t('Cảnh báo đang mở', 'Open alerts')} value={data.alerts.open.total} />
              </Card>
            </Col>
            <Col xs={12} lg={6}>
              <Card>
                <Figure
                  title={t('Chờ xét duyệt / quá hạn', 'Waiting for review / overdue')}
                  value={`${data.reviews.waiting} / ${data.reviews.overdue}`}
                  styles={{ content: data.reviews.overdue ? { color: '#cf1322' } : {} }}
                />
              </Card>
            </Col>
          </Row>
          <Card
            title={
              <h2 style={{ fontSize: 16, margin: 0 }}>
                {t('Lưu lượng và tỉ lệ lỗi', 'Traffic and error rate')}
              </h2>
            }
            extra={
              <Typography.Text type="secondary">
                {formatDateTime(data.from)} → {formatDateTime(data.to)}
              </Typography.Text>
            }
          >
            <TrafficChart points={data.traffic.points} />
          </Card>
          <ReviewsWaiting items={data.reviews.items} />
          <Row gutter={[16, 16]}>
            <Col xs={24} xl={12}>
              <Card
                title={
                  <h2 style={{ fontSize: 16, margin: 0 }}>{t('Dịch vụ gọi nhiều nhất', 'Top services')}</h2>
                }
              >
                <Table<Top>
                  rowKey="id"
                  size="small"
                  pagination={false}
                  dataSource={data.topServices}
                  columns={topColumns(t('Dịch vụ', 'Service'))}
                  locale={{ emptyText: <EmptyState text={t('Chưa có lượt gọi', 'No calls yet')} /> }}
                />
              </Card>
            </Col>
            <Col xs={24} xl={12}>
              <Card
                title={
                  <h2 style={{ fontSize: 16, margin: 0 }}>
                    {t('Bên khai thác gọi nhiều nhất', 'Top consumers')}
                  </h2>
                }
              >
                <Table<Top>
                  rowKey="id"
                  size="small"
                  pagination={false}
                  dataSource={data.topConsumers}
                  columns={topColumns(t('Hệ thống khai thác', 'Consumer system'))}
                  locale={{ emptyText: <EmptyState text={t('Chưa có lượt gọi', 'No calls yet')} /> }}
                />
              </Card>
            </Col>
          </Row>
          <Row gutter={[16, 16]}>
            <Col xs={24} xl={12}>
              <OpenAlerts alerts={data.alerts} />
            </Col>
            <Col xs={24} xl={12}>
              <Backlog backlog={data.backlog} />
            </Col>
          </Row>
        </>
      )}
    </Space>
  );
}

function ReviewsWaiting({ items }: { items: ReviewItem[] }) {
  const t = useT();
  return (
    <section aria-label={t('Yêu cầu chờ xét duyệt', 'Waiting for review')}>
      <Card
        title={
          <h2 style={{ fontSize: 16, margin: 0 }}>
            {t('Yêu cầu chờ xét duyệt (hạn 2 ngày làm việc)', 'Waiting for review (2-working-day deadline)')}
          </h2>
        }
      >
        <Table<ReviewItem>
          rowKey={(r) => `${r.kind}-${r.id}`}
          size="small"
          pagination={false}
          dataSource={items}
          locale={{
            emptyText: <EmptyState text={t('Không có yêu cầu nào đang chờ', 'Nothing is waiting')} />,
          }}
          columns={[
            {
              title: t('Loại', 'Kind'),
              dataIndex: 'kind',
              render: (kind: ReviewItem['kind']) => t(REVIEW_KINDS[kind].vi, REVIEW_KINDS[kind].en),
            },
            {
              title: t('Yêu cầu', 'Request'),
              render: (_, r) => <Link to={REVIEW_KINDS[r.kind].link(r.id)}>{r.title}</Link>,
            },
            { title: t('Cơ quan', 'Organization'), dataIndex: 'organizationName' },
            {
              title: t('Thời gian chờ / hạn', 'Waiting / deadline'),
              render: (_, r) => (
                <ReviewAge since={r.since} deadlineAt={r.age.deadlineAt} overdue={r.age.overdue} />
              ),
            },
          ]}
        />
      </Card>
    </section>
  );
}

function OpenAlerts({ alerts }: { alerts: Dashboard['alerts'] }) {
  const t = useT();
  return (
    <section aria-label={t('Cảnh báo đang mở', 'Open alerts')}>
      <Card
        title={<h2 style={{ fontSize: 16, margin: 0 }}>{t('Cảnh báo đang mở', 'Open alerts')}</h2>}
        extra={<Link to="/alerts">{t('Xem tất cả cảnh báo', 'All alerts')} →</Link>}
      >
        <Space wrap style={{ marginBottom: 12 }}>
          <Tag color="red">
            {t('Nghiêm trọng', 'Critical')}: {alerts.open.critical}
          </Tag>
          <ColourTag color="orange">
            {t('Cảnh báo', 'Warning')}: {alerts.open.warning}
          </ColourTag>
          <Tag color="blue">
            {t('Thông tin', 'Info')}: {alerts.open.info}
          </Tag>
        </Space>
        <Table
          rowKey="id"
          size="small"
          pagination={false}
          dataSource={alerts.latest}
          locale={{ emptyText: <EmptyState text={t('Không có cảnh báo nào đang mở', 'No open alerts')} /> }}
          columns={[
            {
              title: t('Mức độ', 'Severity'),
              dataIndex: 'severity',
              render: (s) => <SeverityTag severity={s} />,
            },
            { title: t('Nội dung', 'Subject'), dataIndex: 'subject' },
            { title: t('Gần nhất', 'Last seen'), dataIndex: 'lastSeenAt', render: (v) => formatDateTime(v) },
          ]}
        />
      </Card>
    </section>
  );
}

function Backlog({ backlog }: { backlog: Dashboard['backlog'] }) {
  const t = useT();
  return (
    <section aria-label={t('Thông điệp chờ chuyển', 'Async backlog')}>
      <Card
        title={<h2 style={{ fontSize: 16, margin: 0 }}>{t('Thông điệp chờ chuyển', 'Async backlog')}</h2>}
        extra={
          <Typography.Text type="secondary">
            {t('Chờ', 'Waiting')}: {backlog.waiting} · {t('cũ nhất', 'oldest')}:{' '}
            {seconds(backlog.oldestAgeSeconds, t)}
          </Typography.Text>
        }
      >
        <Table
          rowKey={(q) => `${q.versionId}-${q.environment}`}
          size="small"
          pagination={false}
          dataSource={backlog.queues}
          locale={{
            emptyText: <EmptyState text={t('Không có thông điệp nào đang chờ', 'No messages waiting')} />,
          }}
          columns={[
            { title: t('Dịch vụ', 'Service'), dataIndex: 'label' },
            {
              title: t('Môi trường', 'Environment'),
              dataIndex: 'environment',
              render: (e: string) => <StateTag state={e} />,
            },
            { title: t('Đang chờ', 'Waiting'), dataIndex: 'waiting', align: 'right' as const },
            {
              title: t('Cũ nhất', 'Oldest'),
              dataIndex: 'oldestAgeSeconds',
              render: (v: number) => seconds(v, t),
            },
          ]}
        />
      </Card>
    </section>
  );
}
