import { CheckOutlined, HistoryOutlined, UserOutlined } from '@ant-design/icons';
import { Button, Card, Drawer, Pagination, Space, Timeline } from 'antd';
import { useState } from 'react';
import { api, type OperationResponse } from '../../shared/api.ts';
import { useT } from '../../shared/i18n.tsx';
import { useServerList } from '../../shared/server-list.ts';
import { SeverityTag, StateTag } from '../../shared/tags.tsx';
import { formatDateTime } from '../../shared/time.ts';
import { ProblemAlert } from '../components/page.tsx';
import { ReviewListToolbar } from '../components/review-list-toolbar.tsx';
import { ReviewReasonButton } from '../components/review-reasons.tsx';
import { ServerTable } from '../components/server-table.tsx';
import { useCanReview } from './roles.ts';

type AlertRow = OperationResponse<'listAlerts'>['items'][number];
type State = AlertRow['state'];

const STATES: Array<{ value: State | 'all'; vi: string; en: string }> = [
  { value: 'open', vi: 'Đang mở', en: 'Open' },
  { value: 'resolved', vi: 'Đã xử lý', en: 'Resolved' },
  { value: 'all', vi: 'Tất cả', en: 'All' },
];

/**
 * The operator's alerts: what is wrong now, its history, acknowledging it ("I am on it": it stays open
 * and is not escalated) and closing it with how it was handled.
 */
export function AlertsScreen() {
  const t = useT();
  const canReview = useCanReview();
  const [state, setState] = useState<State | 'all'>('open');
  const [history, setHistory] = useState<AlertRow | null>(null);
  const list = useServerList<AlertRow, { state?: State }>(
    (request) => api.call('listAlerts', { query: request }),
    { state: 'open' },
  );
  return (
    <Card title={<h1 style={{ fontSize: 20, margin: 0 }}>{t('Cảnh báo', 'Alerts')}</h1>}>
      <ReviewListToolbar
        searchLabel={t('Tìm theo loại, nội dung', 'Search by kind, subject')}
        onSearch={list.search}
        states={STATES}
        state={state}
        onState={(next) => {
          setState(next);
          list.setFilters(next === 'all' ? {} : { state: next });
        }}
      />
      <ServerTable<AlertRow>
        list={list}
        emptyText={t('Không có cảnh báo nào', 'No alerts')}
        columns={[
          {
            title: t('Mức độ', 'Severity'),
            dataIndex: 'severity',
            render: (s) => <SeverityTag severity={s} />,
          },
          { title: t('Nội dung', 'Subject'), dataIndex: 'subject' },
          { title: t('Loại', 'Kind'), dataIndex: 'kind', render: (k) => <code>{k}</code> },
          { title: t('Số lần', 'Times'), dataIndex: 'occurrences' },
          { title: t('Mở lúc', 'Opened'), dataIndex: 'openedAt', render: (v) => formatDateTime(v) },
          { title: t('Gần nhất', 'Last seen'), dataIndex: 'lastSeenAt', render: (v) => formatDateTime(v) },
          {
            title: t('Trạng thái', 'State'),
            dataIndex: 'state',
            render: (s, a) => (
              <Space wrap size={4}>
                <StateTag state={s} />
                {s === 'open' && a.acknowledgedAt ? (
                  <span>
                    <StateTag state="acknowledged" /> {formatDateTime(a.acknowledgedAt)}
                  </span>
                ) : null}
              </Space>
            ),
          },
          {
            title: t('Thao tác', 'Actions'),
            render: (_, a) => (
              <Space wrap>
                <Button icon={<HistoryOutlined />} onClick={() => setHistory(a)}>
                  {t('Lịch sử', 'History')}
                </Button>
                {canReview && a.state === 'open' && !a.acknowledgedAt && (
                  <ReviewReasonButton
                    icon={<UserOutlined />}
                    label={t('Tiếp nhận', 'Acknowledge')}
                    title={t('Tiếp nhận cảnh báo', 'Acknowledge the alert')}
                    fieldLabel={t('Ai đang xử lý, dự kiến thế nào', 'Who is on it, and what next')}
                    okText={t('Tiếp nhận', 'Acknowledge')}
                    successText={t('Đã tiếp nhận cảnh báo', 'Alert acknowledged')}
                    onSubmit={async (note) => {
                      await api.call('acknowledgeAlert', { params: { id: a.id }, body: { note } });
                      list.reload();
                    }}
                  />
                )}
                {canReview && a.state === 'open' && (
                  <ReviewReasonButton
                    icon={<CheckOutlined />}
                    label={t('Xử lý xong', 'Resolve')}
                    title={t('Đóng cảnh báo', 'Resolve the alert')}
                    fieldLabel={t('Cách đã xử lý', 'How it was dealt with')}
                    okText={t('Đóng cảnh báo', 'Resolve')}
                    successText={t('Đã đóng cảnh báo', 'Alert resolved')}
                    onSubmit={async (note) => {
                      await api.call('resolveAlert', { params: { id: a.id }, body: { note } });
                      list.reload();
                    }}
                  />
                )}
              </Space>
            ),
          },
        ]}
      />
      <Drawer
        open={history !== null}
        onClose={() => setHistory(null)}
        title={history ? `${t('Lịch sử', 'History')}: ${history.subject}` : ''}
      >
        {history && <AlertHistory key={history.id} alert={history} />}
      </Drawer>
    </Card>
  );
}

type AlertEventRow = OperationResponse<'listAlertEvents'>['items'][number];

/**
 * An alert's history, oldest first, one page at a time from the server (issue 11): an alert that reopens for
 * months keeps adding events. Keyed by the alert where it is shown, so another alert starts a new list.
 */
function AlertHistory({ alert }: { alert: AlertRow }) {
  const _t = useT();
  const list = useServerList<AlertEventRow>((request) =>
    api.call('listAlertEvents', { params: { id: alert.id }, query: request }),
  );
  if (list.error) return <ProblemAlert error={list.error} />;
  return (
    <>
      <Timeline
        items={list.items.map((e) => ({
          key: `${e.at}-${e.state}`,
          children: (
            <>
              <StateTag state={e.state} /> {formatDateTime(e.at)}
              {e.note ? <div>{e.note}</div> : null}
            </>
          ),
        }))}
      />
      {list.total > list.items.length ? <Pagination size="small" {...list.pagination} /> : null}
    </>
  );
}
