import { DownloadOutlined } from '@ant-design/icons';
import { Button, Card, Checkbox, Form, Select, Space, Table, Typography } from 'antd';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { OPERATIONS } from '../../../../src/api/contract/operations.ts';
import { NO_SERVICE_GROUPS } from '../../../../src/api/contract/reports.ts';
import { api, type OperationResponse } from '../../shared/api.ts';
import { useT } from '../../shared/i18n.tsx';
import { usePartyName } from '../../shared/party-name.ts';
import { useFormatPercent } from '../../shared/percent.ts';
import { useFormatSize } from '../../shared/size.ts';
import { formatDateTime } from '../../shared/time.ts';
import { EmptyState, PageTitle, ProblemAlert } from '../components/page.tsx';
import { RegistryChart } from '../components/registry-chart.tsx';
import { lastHours, type TimeRange, TimeRangePicker } from '../components/registry-time-range.tsx';

type Statistics = OperationResponse<'getStatistics'>;
type Row = Statistics['rows'][number];

/** What the statistics are grouped by: the dimensions a person asks for most. */
const GROUPS = ['service', 'consumerOrganization', 'providerOrganization', 'day', 'hour', 'month'] as const;
type Group = (typeof GROUPS)[number];

/** What is counted besides service calls, when asked: the API's includeTokenRequests, includePlatformCalls. */
interface Counted {
  includeTokenRequests: boolean;
  includePlatformCalls: boolean;
}

/**
 * Statistics by service, consumer, provider or period, as a chart and a table, with the same figures
 * downloadable as CSV or Excel from the API's own export (`format=csv|xlsx`). Service calls only, unless the
 * person ticks token requests or the platform's own endpoints (docs/reports.md).
 */
export function Statistics() {
  const t = useT();
  const formatPercent = useFormatPercent();
  const formatSize = useFormatSize();
  const groupNames: Record<Group, string> = {
    service: t('Dịch vụ', 'Service'),
    consumerOrganization: t('Cơ quan khai thác', 'Consumer organization'),
    providerOrganization: t('Cơ quan cung cấp', 'Provider organization'),
    day: t('Ngày', 'Day'),
    hour: t('Giờ', 'Hour'),
    month: t('Tháng', 'Month'),
  };
  const [range, setRange] = useState<TimeRange>(() => lastHours(24 * 7));
  const [groupBy, setGroupBy] = useState<Group>('service');
  const [counted, setCounted] = useState<Counted>({
    includeTokenRequests: false,
    includePlatformCalls: false,
  });
  const [asked, setAsked] = useState<{ range: TimeRange; groupBy: Group } & Counted>({
    range,
    groupBy,
    ...counted,
  });
  const [stats, setStats] = useState<Statistics | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(false);

  const query = useMemo(
    () => ({
      from: asked.range[0],
      to: asked.range[1],
      groupBy: asked.groupBy,
      utcOffsetHours: 7,
      // Sent only when ticked: the API's default (false) is the query without them, as the export links are.
      ...(asked.includeTokenRequests ? { includeTokenRequests: true } : {}),
      ...(asked.includePlatformCalls ? { includePlatformCalls: true } : {}),
    }),
    [asked],
  );

  useEffect(() => {
    let live = true;
    setLoading(true);
    api
      .call('getStatistics', { query: { ...query, format: 'json' } })
      .then((s) => {
        if (!live) return;
        setStats(s as Statistics);
        setError(null);
      })
      .catch((err) => live && setError(err))
      .finally(() => live && setLoading(false));
    return () => {
      live = false;
    };
  }, [query]);

  const exportUrl = (format: 'csv' | 'xlsx') =>
    `${OPERATIONS.getStatistics.path}?${new URLSearchParams({
      from: query.from,
      to: query.to,
      groupBy: query.groupBy,
      utcOffsetHours: '7',
      ...(query.includeTokenRequests ? { includeTokenRequests: 'true' } : {}),
      ...(query.includePlatformCalls ? { includePlatformCalls: 'true' } : {}),
      format,
    })}`;

  /**
   * What is counted reads as a filter of the figures shown, so it acts as one: a switch ticked while figures are on
   * screen asks again at once (the form as it stands, as "Xem thống kê" would); it used to wait for the next click,
   * under figures that still counted the other way.
   */
  const countedChanged = (next: Counted) => {
    setCounted(next);
    if (stats) setAsked({ range, groupBy, ...next });
  };

  const rows = stats?.rows ?? [];
  const dimension = asked.groupBy;
  const partyName = usePartyName();
  /**
   * A group as the reader reads it: the unknown group, the token requests and the platform's endpoints, and the platform's own
   * organizations (the API labels an organization `code — name`, its stored name), in the chosen language.
   */
  const rowLabel = useCallback(
    (r: Row): string => {
      const key = r.key[dimension] ?? '';
      const label = r.label[dimension] ?? key;
      // No key: the API's '(không xác định / unknown)' — a call to a path no service has, or without a system.
      if (key === '') return t('(không xác định)', '(unknown)');
      if (dimension === 'service' && Object.hasOwn(NO_SERVICE_GROUPS, key)) {
        const names = NO_SERVICE_GROUPS[key as keyof typeof NO_SERVICE_GROUPS];
        return t(names.vi, names.en);
      }
      const prefix = `${key} — `;
      if (dimension.endsWith('Organization') && label.startsWith(prefix)) {
        return `${prefix}${partyName('organization', key, label.slice(prefix.length))}`;
      }
      return label;
    },
    [dimension, t, partyName],
  );
  const categories = useMemo(() => rows.map(rowLabel), [rows, rowLabel]);
  const series = useMemo(
    () => [
      {
        name: t('Lượt gọi', 'Calls'),
        type: (dimension === 'service' || dimension.endsWith('Organization') ? 'bar' : 'line') as
          | 'bar'
          | 'line',
        data: rows.map((r) => r.calls),
      },
      // what the gateway refused itself (never reached the provider) is no error of the service.
      {
        name: t('Bị từ chối', 'Refused'),
        type: 'bar' as const,
        color: '#8c8c8c',
        data: rows.map((r) => r.refused),
      },
      { name: t('Lỗi', 'Errors'), type: 'bar' as const, color: '#cf1322', data: rows.map((r) => r.errors) },
    ],
    [rows, dimension, t],
  );

  return (
    <>
      <PageTitle>{t('Thống kê', 'Statistics')}</PageTitle>
      <Card style={{ marginBottom: 16 }}>
        <Form
          layout="inline"
          onFinish={() => setAsked({ range, groupBy, ...counted })}
          style={{ rowGap: 12 }}
        >
          <Form.Item label={t('Thời gian (giờ Việt Nam)', 'Time (Vietnam time)')}>
            <TimeRangePicker value={range} onChange={setRange} />
          </Form.Item>
          <Form.Item label={t('Nhóm theo', 'Group by')} htmlFor="statistics-group">
            <Select<Group>
              id="statistics-group"
              style={{ width: 220 }}
              value={groupBy}
              onChange={setGroupBy}
              options={GROUPS.map((g) => ({ value: g, label: groupNames[g] }))}
            />
          </Form.Item>
          <Form.Item>
            <Checkbox
              checked={counted.includeTokenRequests}
              onChange={(e) => countedChanged({ ...counted, includeTokenRequests: e.target.checked })}
            >
              {t('Tính cả yêu cầu cấp token (/token)', 'Also count token requests (/token)')}
            </Checkbox>
          </Form.Item>
          <Form.Item>
            <Checkbox
              checked={counted.includePlatformCalls}
              onChange={(e) => countedChanged({ ...counted, includePlatformCalls: e.target.checked })}
            >
              {t(
                'Tính cả yêu cầu tới /_lgsp/… (trạng thái, hộp thư)',
                'Also count /_lgsp/… requests (status, inbox)',
              )}
            </Checkbox>
          </Form.Item>
          <Form.Item>
            <Button type="primary" htmlType="submit">
              {t('Xem thống kê', 'Show statistics')}
            </Button>
          </Form.Item>
        </Form>
      </Card>
      <ProblemAlert error={error} />
      {stats && (
        <Card
          title={t(
            `${formatDateTime(stats.from)} – ${formatDateTime(stats.to)} · ${stats.totals.calls} lượt gọi, ${stats.totals.refused} bị từ chối, ${stats.totals.errors} lỗi`,
            `${formatDateTime(stats.from)} – ${formatDateTime(stats.to)} · ${stats.totals.calls} calls, ${stats.totals.refused} refused, ${stats.totals.errors} errors`,
          )}
          extra={
            <Space>
              <Button icon={<DownloadOutlined />} href={exportUrl('csv')} download>
                {t('Tải CSV', 'Download CSV')}
              </Button>
              <Button icon={<DownloadOutlined />} href={exportUrl('xlsx')} download>
                {t('Tải Excel', 'Download Excel')}
              </Button>
            </Space>
          }
          loading={loading}
        >
          {stats.rounded && (
            <Typography.Paragraph type="secondary">
              {t('Khoảng thời gian đã được làm tròn theo giờ.', 'The range was widened to whole hours.')}
            </Typography.Paragraph>
          )}
          {rows.length > 0 ? (
            <RegistryChart
              label={t(
                `Lượt gọi và lỗi theo ${groupNames[dimension]}`,
                `Calls and errors by ${groupNames[dimension]}`,
              )}
              categories={categories}
              series={series}
            />
          ) : (
            <Typography.Paragraph>
              {t('Không có giao dịch trong khoảng này.', 'No transaction in this range.')}
            </Typography.Paragraph>
          )}
          <Table<Row>
            rowKey={(r) => JSON.stringify(r.key)}
            dataSource={rows}
            pagination={false}
            size="small"
            locale={{ emptyText: <EmptyState text={t('Không có số liệu', 'No figures')} /> }}
            columns={[
              { title: groupNames[dimension], render: (_, r) => rowLabel(r) },
              { title: t('Lượt gọi', 'Calls'), dataIndex: 'calls', align: 'right' },
              {
                title: (
                  <span
                    title={t(
                      'Nền tảng tự từ chối, chưa tới bên cung cấp (chưa đăng ký, token, hạn mức…); không tính là lỗi',
                      'Refused by the gateway itself, the provider never reached (no subscription, token, quota…); not errors',
                    )}
                  >
                    {t('Bị từ chối', 'Refused')}
                  </span>
                ),
                dataIndex: 'refused',
                align: 'right',
              },
              { title: t('Lỗi', 'Errors'), dataIndex: 'errors', align: 'right' },
              {
                title: t('Tỉ lệ thành công', 'Success rate'),
                dataIndex: 'successRate',
                align: 'right',
                render: (v: number | null) => formatPercent(v, { fixed: true }),
              },
              {
                title: 'p95 (ms)',
                dataIndex: 'latencyP95Ms',
                align: 'right',
                render: (v: number) => Math.round(v),
              },
              {
                title: t('Dung lượng trả về', 'Bytes out'),
                dataIndex: 'responseBytes',
                align: 'right',
                render: (v: number) => formatSize(v),
              },
            ]}
          />
        </Card>
      )}
    </>
  );
}
