import { CheckOutlined, EditOutlined } from '@ant-design/icons';
import { App, Button, Card, Descriptions, Popconfirm, Space, Typography } from 'antd';
import { useState } from 'react';
import { api, type OperationResponse } from '../../shared/api.ts';
import { useT } from '../../shared/i18n.tsx';
import { useServerList } from '../../shared/server-list.ts';
import { StateTag } from '../../shared/tags.tsx';
import { formatDateTime } from '../../shared/time.ts';
import { ProblemAlert } from '../components/page.tsx';
import { ServiceVersionName } from '../components/registry-names.tsx';
import { ReviewAge } from '../components/review-age.tsx';
import { ReviewListToolbar } from '../components/review-list-toolbar.tsx';
import { RejectButton, ReviewReasonButton } from '../components/review-reasons.tsx';
import { ServerTable } from '../components/server-table.tsx';
import { useCanReview } from './roles.ts';

type SubscriptionRequest = OperationResponse<'getSubscriptionRequest'>;
type Status = SubscriptionRequest['status'];

/** The queue opens on what waits for the reviewer, sandbox and production alike. */
const STATES: Array<{ value: Status | 'waiting' | 'all'; vi: string; en: string }> = [
  { value: 'waiting', vi: 'Chờ xử lý', en: 'Waiting' },
  { value: 'submitted', vi: 'Chờ cấp sandbox', en: 'Waiting for sandbox' },
  { value: 'production_requested', vi: 'Chờ cấp chính thức', en: 'Waiting for production' },
  { value: 'needs_completion', vi: 'Cần bổ sung', en: 'Needs completion' },
  { value: 'all', vi: 'Tất cả', en: 'All' },
];

/**
 * R-12 (Art. 11.2): consumers' requests to use a service. The reviewer grants the sandbox, then production, or
 * sends the request back with the items to complete, or rejects it with reasons.
 */
export function SubscriptionRequestsQueue() {
  const t = useT();
  const { message } = App.useApp();
  const canReview = useCanReview();
  const [state, setState] = useState<Status | 'waiting' | 'all'>('waiting');
  const list = useServerList<SubscriptionRequest, { status?: Status; waiting?: boolean }>(
    (request) => api.call('listSubscriptionRequests', { query: request }),
    { waiting: true },
  );
  // A refused approval stays above the queue with its code until dismissed or tried again.
  const [error, setError] = useState<unknown>(null);

  const approve = async (request: SubscriptionRequest) => {
    setError(null);
    try {
      if (request.status === 'submitted') {
        await api.call('approveSubscriptionRequestSandbox', { params: { id: request.id }, body: {} });
        message.success(t('Đã cấp quyền khai thác sandbox', 'Sandbox access approved'));
      } else {
        await api.call('approveSubscriptionRequestProduction', { params: { id: request.id }, body: {} });
        message.success(t('Đã cấp quyền khai thác chính thức', 'Production access approved'));
      }
      list.reload();
    } catch (err) {
      setError(err);
    }
  };

  return (
    <Card
      title={
        <h1 style={{ fontSize: 20, margin: 0 }}>{t('Đề nghị khai thác dịch vụ', 'Subscription requests')}</h1>
      }
    >
      <ReviewListToolbar
        searchLabel={t('Tìm theo cơ quan, hệ thống, dịch vụ', 'Search by organization, system, service')}
        onSearch={list.search}
        states={STATES}
        state={state}
        onState={(next) => {
          setState(next);
          list.setFilters(next === 'all' ? {} : next === 'waiting' ? { waiting: true } : { status: next });
        }}
      />
      <ProblemAlert error={error} onClose={() => setError(null)} />
      <ServerTable<SubscriptionRequest>
        list={list}
        emptyText={t('Không có đề nghị nào', 'No requests')}
        expandable={{
          expandedRowRender: (r) => <RequestFields request={r} />,
          expandRowByClick: false,
        }}
        columns={[
          {
            title: t('Cơ quan khai thác', 'Consumer'),
            render: (_, r) => (
              <Space orientation="vertical" size={0}>
                <Typography.Text>{r.organizationName}</Typography.Text>
                <Typography.Text type="secondary">{r.systemName}</Typography.Text>
              </Space>
            ),
          },
          {
            title: t('Dịch vụ', 'Service'),
            render: (_, r) => (
              <ServiceVersionName serviceName={r.serviceName} context={r.context} version={r.version} />
            ),
          },
          { title: t('Ngày gửi', 'Submitted'), dataIndex: 'submittedAt', render: (v) => formatDateTime(v) },
          {
            title: t('Thời gian chờ / hạn', 'Waiting / deadline'),
            render: (_, r) =>
              r.age ? (
                <ReviewAge since={r.stageStartedAt} deadlineAt={r.age.deadlineAt} overdue={r.age.overdue} />
              ) : (
                '—'
              ),
          },
          { title: t('Trạng thái', 'State'), dataIndex: 'status', render: (v) => <StateTag state={v} /> },
          ...(canReview
            ? [
                {
                  title: t('Xử lý', 'Decide'),
                  render: (_: unknown, r: SubscriptionRequest) =>
                    r.status === 'submitted' || r.status === 'production_requested' ? (
                      <Space wrap>
                        <Popconfirm
                          title={
                            r.status === 'submitted'
                              ? t('Cấp quyền khai thác sandbox?', 'Approve sandbox access?')
                              : t('Cấp quyền khai thác chính thức?', 'Approve production access?')
                          }
                          okText={t('Cấp quyền', 'Approve')}
                          cancelText={t('Huỷ', 'Cancel')}
                          onConfirm={() => approve(r)}
                        >
                          <Button type="primary" icon={<CheckOutlined />}>
                            {r.status === 'submitted'
                              ? t('Cấp sandbox', 'Approve sandbox')
                              : t('Cấp chính thức', 'Approve production')}
                          </Button>
                        </Popconfirm>
                        <ReviewReasonButton
                          multiple
                          icon={<EditOutlined />}
                          label={t('Yêu cầu bổ sung', 'Needs completion')}
                          title={t('Yêu cầu bổ sung hồ sơ', 'Ask for completion')}
                          fieldLabel={t('Nội dung cần bổ sung', 'Items to complete')}
                          okText={t('Gửi yêu cầu', 'Send')}
                          successText={t('Đã gửi yêu cầu bổ sung', 'Sent back for completion')}
                          onSubmit={async (_text, reasons) => {
                            await api.call('returnSubscriptionRequestForCompletion', {
                              params: { id: r.id },
                              body: { reasons },
                            });
                            list.reload();
                          }}
                        />
                        <RejectButton
                          multiple
                          title={t('Từ chối đề nghị khai thác', 'Reject the request')}
                          successText={t('Đã từ chối đề nghị', 'Request rejected')}
                          onSubmit={async (_text, reasons) => {
                            await api.call('rejectSubscriptionRequest', {
                              params: { id: r.id },
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

function RequestFields({ request: r }: { request: SubscriptionRequest }) {
  const t = useT();
  return (
    <Descriptions
      size="small"
      column={1}
      items={[
        { key: 'app', label: t('Ứng dụng khai thác', 'Application'), children: r.application },
        { key: 'purpose', label: t('Mục đích khai thác', 'Purpose'), children: r.purpose },
        {
          key: 'freq',
          label: t('Tần suất', 'Frequency'),
          children: `${r.frequencyPerDay} ${t('lượt/ngày', '/day')}${
            r.frequencyPerMinute ? `, ${r.frequencyPerMinute} ${t('lượt/phút', '/min')}` : ''
          }`,
        },
        {
          key: 'time',
          label: t('Thời gian khai thác', 'Time of use'),
          children: r.timeOfUse ?? t('Cả ngày', 'All day'),
        },
        { key: 'notes', label: t('Ghi chú khác', 'Other notes'), children: r.otherNotes ?? '—' },
        ...(r.reasons.length
          ? [
              {
                key: 'reasons',
                label: t('Lý do / nội dung cần bổ sung', 'Reasons / items to complete'),
                children: (
                  <ul style={{ margin: 0 }}>
                    {r.reasons.map((reason) => (
                      <li key={reason}>{reason}</li>
                    ))}
                  </ul>
                ),
              },
            ]
          : []),
      ]}
    />
  );
}
