import { CheckOutlined, DownloadOutlined } from '@ant-design/icons';
import { Button, Card, Descriptions, Space, Typography } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { api, type OperationResponse } from '../../shared/api.ts';
import { useT } from '../../shared/i18n.tsx';
import { useServerList } from '../../shared/server-list.ts';
import { StateTag } from '../../shared/tags.tsx';
import { formatDateTime } from '../../shared/time.ts';
import { ProblemAlert } from '../components/page.tsx';
import { ReviewAge } from '../components/review-age.tsx';
import { ReviewListToolbar } from '../components/review-list-toolbar.tsx';
import { RejectButton, ReviewReasonButton } from '../components/review-reasons.tsx';
import { ServerTable } from '../components/server-table.tsx';
import { useReviewDeadlines } from './review-deadlines.ts';
import { useCanReview } from './roles.ts';

type ConnectionRequest = OperationResponse<'getConnectionRequest'>;
type Status = ConnectionRequest['status'];

const STATES: Array<{ value: Status | 'all'; vi: string; en: string }> = [
  { value: 'submitted', vi: 'Chờ xét duyệt', en: 'Waiting' },
  { value: 'approved', vi: 'Đã phê duyệt', en: 'Approved' },
  { value: 'rejected', vi: 'Từ chối', en: 'Rejected' },
  { value: 'all', vi: 'Tất cả', en: 'All' },
];

/** R-08: agencies' requests to connect a system, waiting for the operator's decision. */
export function ConnectionRequestsQueue() {
  const t = useT();
  const [state, setState] = useState<Status | 'all'>('submitted');
  const list = useServerList<ConnectionRequest, { status?: Status }>(
    (request) => api.call('listConnectionRequests', { query: request }),
    { status: 'submitted' },
  );
  const deadlines = useReviewDeadlines('connectionRequest');
  return (
    <Card title={<h1 style={{ fontSize: 20, margin: 0 }}>{t('Đề nghị kết nối', 'Connection requests')}</h1>}>
      <ReviewListToolbar
        searchLabel={t('Tìm theo cơ quan, hệ thống', 'Search by organization, system')}
        onSearch={list.search}
        states={STATES}
        state={state}
        onState={(next) => {
          setState(next);
          list.setFilters(next === 'all' ? {} : { status: next });
        }}
      />
      <ServerTable<ConnectionRequest>
        list={list}
        emptyText={t('Không có đề nghị nào', 'No requests')}
        columns={[
          {
            title: t('Cơ quan', 'Organization'),
            render: (_, r) => (
              <Space orientation="vertical" size={0}>
                <Typography.Text>{r.organizationName}</Typography.Text>
                <Typography.Text type="secondary">{r.organizationCode}</Typography.Text>
              </Space>
            ),
          },
          {
            // The request opens from the system it asks to connect, as a submission opens from its service: a
            // link on the organization's name read as the organization's page.
            title: t('Hệ thống', 'System'),
            dataIndex: 'systemName',
            render: (name: string, r) => (
              <Link to={`/connection-requests/${encodeURIComponent(r.id)}`}>{name}</Link>
            ),
          },
          { title: t('Số công văn', 'Letter no.'), dataIndex: 'letterNumber', render: (v) => v ?? '—' },
          { title: t('Ngày gửi', 'Submitted'), dataIndex: 'submittedAt', render: (v) => formatDateTime(v) },
          {
            title: t('Thời gian chờ', 'Waiting'),
            render: (_, r) =>
              r.status === 'submitted' ? (
                <ReviewAge
                  since={r.submittedAt}
                  deadlineAt={deadlines.get(r.id)?.deadlineAt}
                  overdue={deadlines.get(r.id)?.overdue}
                />
              ) : (
                '—'
              ),
          },
          { title: t('Trạng thái', 'State'), dataIndex: 'status', render: (v) => <StateTag state={v} /> },
        ]}
      />
    </Card>
  );
}

/** One request with every field of the regulation's Appendix, its Word letter, and the decision. */
export function ConnectionRequestDetail() {
  const t = useT();
  const { id = '' } = useParams();
  const canReview = useCanReview();
  const [request, setRequest] = useState<ConnectionRequest | null>(null);
  const [error, setError] = useState<unknown>(null);
  // The letter's download refused: beside its button, until dismissed or tried again (the request stays shown).
  const [downloadError, setDownloadError] = useState<unknown>(null);

  const load = useCallback(() => {
    api.call('getConnectionRequest', { params: { id } }).then(setRequest).catch(setError);
  }, [id]);
  useEffect(load, [load]);

  const downloadLetter = async () => {
    if (!request) return;
    setDownloadError(null);
    try {
      const bytes = await api.call('getConnectionRequestLetter', { params: { id } });
      const url = URL.createObjectURL(
        new Blob([bytes as BlobPart], {
          type: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
        }),
      );
      const link = document.createElement('a');
      link.href = url;
      link.download = `de-nghi-ket-noi-${request.organizationCode}.docx`;
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 30_000);
    } catch (err) {
      setDownloadError(err);
    }
  };

  if (error) return <ProblemAlert error={error} />;
  if (!request) return <Card loading />;
  const c = request.contact;
  return (
    <Card
      title={
        <h1 style={{ fontSize: 20, margin: 0 }}>
          {t('Đề nghị kết nối', 'Connection request')}: {request.systemName}
        </h1>
      }
      extra={<Link to="/connection-requests">← {t('Danh sách', 'List')}</Link>}
    >
      <Space orientation="vertical" size="large" style={{ width: '100%' }}>
        <Space wrap>
          <StateTag state={request.status} />
          {request.status === 'submitted' && <ReviewAge since={request.submittedAt} />}
        </Space>
        <Descriptions
          bordered
          size="small"
          column={1}
          items={[
            {
              key: 'org',
              label: t('Cơ quan đề nghị', 'Applicant'),
              children: `${request.organizationName} (${request.organizationCode})`,
            },
            { key: 'letter', label: t('Số công văn', 'Letter no.'), children: request.letterNumber ?? '—' },
            {
              key: 'system',
              label: t('Hệ thống thông tin', 'Information system'),
              children: request.systemName,
            },
            {
              key: 'desc',
              label: t('Mô tả hệ thống', 'System description'),
              children: request.systemDescription ?? '—',
            },
            {
              key: 'role',
              label: t('Vai trò', 'Role'),
              children: [
                request.isProvider ? t('Cung cấp dịch vụ', 'Provides services') : null,
                request.isConsumer ? t('Khai thác dịch vụ', 'Consumes services') : null,
              ]
                .filter(Boolean)
                .join(', '),
            },
            {
              key: 'purpose',
              label: t('1. Mục đích sử dụng', '1. Purpose of use'),
              children: request.purpose,
            },
            { key: 'scope', label: t('2. Phạm vi sử dụng', '2. Scope of use'), children: request.scopeOfUse },
            {
              key: 'contact',
              label: t('3. Đầu mối phối hợp', '3. Contact point'),
              children: [c.name, c.title, c.unit, c.phone, c.email].filter(Boolean).join(' · '),
            },
            {
              key: 'other',
              label: t('4. Đề xuất, kiến nghị khác', '4. Other proposals'),
              children: request.otherProposals ?? '—',
            },
            { key: 'at', label: t('Ngày gửi', 'Submitted'), children: formatDateTime(request.submittedAt) },
            ...(request.decidedAt
              ? [
                  {
                    key: 'decided',
                    label: t('Quyết định', 'Decision'),
                    children: `${formatDateTime(request.decidedAt)} · ${request.decidedByUsername ?? request.decidedBy ?? ''}${
                      request.decisionReason ? ` — ${request.decisionReason}` : ''
                    }`,
                  },
                ]
              : []),
          ]}
        />
        <Space wrap>
          <Button icon={<DownloadOutlined />} onClick={() => void downloadLetter()}>
            {t('Tải công văn (.docx)', 'Download the letter (.docx)')}
          </Button>
          {canReview && request.status === 'submitted' && (
            <>
              <ReviewReasonButton
                primary
                optional
                icon={<CheckOutlined />}
                label={t('Phê duyệt', 'Approve')}
                title={t('Phê duyệt đề nghị kết nối', 'Approve the connection request')}
                fieldLabel={t('Ghi chú phê duyệt (không bắt buộc)', 'Approval note (optional)')}
                okText={t('Phê duyệt', 'Approve')}
                successText={t('Đã phê duyệt; hệ thống đã được tạo', 'Approved; the system was created')}
                onSubmit={async (note) => {
                  const approved = await api.call('approveConnectionRequest', {
                    params: { id },
                    body: note ? { note } : {},
                  });
                  setRequest(approved.request);
                }}
              />
              <RejectButton
                title={t('Từ chối đề nghị kết nối', 'Reject the connection request')}
                successText={t('Đã từ chối đề nghị', 'Request rejected')}
                onSubmit={async (reason) =>
                  setRequest(await api.call('rejectConnectionRequest', { params: { id }, body: { reason } }))
                }
              />
            </>
          )}
        </Space>
        <ProblemAlert error={downloadError} onClose={() => setDownloadError(null)} />
      </Space>
    </Card>
  );
}
