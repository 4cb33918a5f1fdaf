import { CheckOutlined, SwapOutlined } from '@ant-design/icons';
import { App, Button, Card, Descriptions, Popconfirm, Space, Typography } from 'antd';
import { useState } from 'react';
import { api, type OperationResponse } from '../../shared/api.ts';
import { useT } from '../../shared/i18n.tsx';
import { useServerList } from '../../shared/server-list.ts';
import { StateTag } from '../../shared/tags.tsx';
import { formatDateTime } from '../../shared/time.ts';
import { ProblemAlert } from '../components/page.tsx';
import { ReviewAge } from '../components/review-age.tsx';
import { ReviewListToolbar } from '../components/review-list-toolbar.tsx';
import { RejectButton } from '../components/review-reasons.tsx';
import { ServerTable } from '../components/server-table.tsx';
import { useReviewDeadlines } from './review-deadlines.ts';
import { useCanReview } from './roles.ts';

type VersionChange = OperationResponse<'getVersionChange'>;
type Status = VersionChange['status'];

const STATES: Array<{ value: Status | 'all'; vi: string; en: string }> = [
  { value: 'submitted', vi: 'Chờ xét duyệt', en: 'Submitted' },
  { value: 'sandbox_test', vi: 'Đang thử nghiệm', en: 'In sandbox test' },
  { value: 'all', vi: 'Tất cả', en: 'All' },
];

/**
 * Proposed changes to published versions (where the gateway forwards, what it lets through): approved for a
 * sandbox test, then applied to production once a sandbox call to the proposal is recorded — or rejected.
 */
export function VersionChangesQueue() {
  const t = useT();
  const { message } = App.useApp();
  const canReview = useCanReview();
  const [state, setState] = useState<Status | 'all'>('submitted');
  const list = useServerList<VersionChange, { status?: Status }>(
    (request) => api.call('listVersionChanges', { query: request }),
    { status: 'submitted' },
  );
  const deadlines = useReviewDeadlines('versionChange');
  // A refused step stays above the queue with its code until dismissed or tried again.
  const [error, setError] = useState<unknown>(null);

  const act = async (change: VersionChange) => {
    setError(null);
    try {
      if (change.status === 'submitted') {
        await api.call('approveVersionChange', { params: { id: change.id }, body: {} });
        message.success(
          t('Đã duyệt; sandbox phục vụ cấu hình đề nghị', 'Approved; the sandbox serves the proposal'),
        );
      } else {
        await api.call('applyVersionChange', { params: { id: change.id }, body: {} });
        message.success(t('Đã áp dụng thay đổi ở môi trường chính thức', 'Applied to production'));
      }
      list.reload();
    } catch (err) {
      setError(err);
    }
  };

  return (
    <Card
      title={
        <h1 style={{ fontSize: 20, margin: 0 }}>
          {t('Đề nghị thay đổi phiên bản', 'Proposed version changes')}
        </h1>
      }
    >
      <ReviewListToolbar
        searchLabel={t('Tìm theo ngữ cảnh, phiên bản', 'Search by context, version')}
        onSearch={list.search}
        states={STATES}
        state={state}
        onState={(next) => {
          setState(next);
          list.setFilters(next === 'all' ? {} : { status: next });
        }}
      />
      <ProblemAlert error={error} onClose={() => setError(null)} />
      <ServerTable<VersionChange>
        list={list}
        emptyText={t('Không có đề nghị nào', 'No proposals')}
        expandable={{ expandedRowRender: (c) => <ChangeFields change={c} /> }}
        columns={[
          { title: t('Phiên bản', 'Version'), render: (_, c) => `${c.context}/${c.version}` },
          { title: t('Lý do thay đổi', 'Reason'), dataIndex: 'reason', ellipsis: true },
          { title: t('Ngày gửi', 'Submitted'), dataIndex: 'submittedAt', render: (v) => formatDateTime(v) },
          {
            title: t('Thời gian chờ', 'Waiting'),
            render: (_, c) =>
              c.status === 'submitted' || c.status === 'sandbox_test' ? (
                <ReviewAge
                  since={c.stageStartedAt}
                  deadlineAt={deadlines.get(c.id)?.deadlineAt}
                  overdue={deadlines.get(c.id)?.overdue}
                />
              ) : (
                '—'
              ),
          },
          { title: t('Trạng thái', 'State'), dataIndex: 'status', render: (v) => <StateTag state={v} /> },
          ...(canReview
            ? [
                {
                  title: t('Xử lý', 'Decide'),
                  render: (_: unknown, c: VersionChange) =>
                    c.status === 'submitted' || c.status === 'sandbox_test' ? (
                      <Space wrap>
                        <Popconfirm
                          title={
                            c.status === 'submitted'
                              ? t('Duyệt để thử nghiệm ở sandbox?', 'Approve for a sandbox test?')
                              : t(
                                  'Áp dụng thay đổi cho môi trường chính thức?',
                                  'Apply the change to production?',
                                )
                          }
                          okText={t('Đồng ý', 'Confirm')}
                          cancelText={t('Huỷ', 'Cancel')}
                          onConfirm={() => act(c)}
                        >
                          <Button
                            type="primary"
                            icon={c.status === 'submitted' ? <CheckOutlined /> : <SwapOutlined />}
                          >
                            {c.status === 'submitted'
                              ? t('Duyệt thử nghiệm', 'Approve for test')
                              : t('Áp dụng', 'Apply')}
                          </Button>
                        </Popconfirm>
                        <RejectButton
                          multiple
                          title={t('Từ chối đề nghị thay đổi', 'Reject the proposal')}
                          successText={t('Đã từ chối đề nghị', 'Proposal rejected')}
                          onSubmit={async (_text, reasons) => {
                            await api.call('rejectVersionChange', {
                              params: { id: c.id },
                              body: { reasons },
                            });
                            list.reload();
                          }}
                        />
                      </Space>
                    ) : null,
                },
              ]
            : []),
        ]}
      />
    </Card>
  );
}

function ChangeFields({ change: c }: { change: VersionChange }) {
  const t = useT();
  const resources = (list: Array<{ method: string; path: string }> | null) =>
    list ? list.map((r) => `${r.method} ${r.path}`).join(', ') || '—' : t('Giữ nguyên', 'Unchanged');
  const upstream = (value: string | null | undefined) =>
    value === undefined ? t('Giữ nguyên', 'Unchanged') : (value ?? '—');
  return (
    <Descriptions
      size="small"
      column={2}
      bordered
      items={[
        {
          key: 'h1',
          label: ' ',
          children: <Typography.Text strong>{t('Hiện tại', 'Current')}</Typography.Text>,
        },
        {
          key: 'h2',
          label: ' ',
          children: <Typography.Text strong>{t('Đề nghị', 'Proposed')}</Typography.Text>,
        },
        {
          key: 'ps',
          label: t('Địa chỉ sandbox', 'Sandbox upstream'),
          children: c.current.upstreams.sandbox ?? '—',
        },
        {
          key: 'ns',
          label: t('Địa chỉ sandbox', 'Sandbox upstream'),
          children: upstream(c.proposed.upstreams.sandbox),
        },
        {
          key: 'pp',
          label: t('Địa chỉ chính thức', 'Production upstream'),
          children: c.current.upstreams.production ?? '—',
        },
        {
          key: 'np',
          label: t('Địa chỉ chính thức', 'Production upstream'),
          children: upstream(c.proposed.upstreams.production),
        },
        { key: 'pr', label: t('Tài nguyên', 'Resources'), children: resources(c.current.resources) },
        { key: 'nr', label: t('Tài nguyên', 'Resources'), children: resources(c.proposed.resources) },
      ]}
    />
  );
}
