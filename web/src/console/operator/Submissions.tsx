import { ExperimentOutlined, RocketOutlined } from '@ant-design/icons';
import { App, Button, Card, Form, Modal, Space, Table, Tag, Typography } from 'antd';
import type { Dayjs } from 'dayjs';
import { useCallback, useEffect, useRef, useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { ApiError, api, type OperationResponse } from '../../shared/api.ts';
import { useT } from '../../shared/i18n.tsx';
import { useServerList } from '../../shared/server-list.ts';
import { StateTag } from '../../shared/tags.tsx';
import { formatDate, formatDateTime } from '../../shared/time.ts';
import { EmptyState, ProblemAlert } from '../components/page.tsx';
import { ReviewAge } from '../components/review-age.tsx';
import { pickedVietnamTimeToIso, ReviewDateTimePicker } from '../components/review-datetime.tsx';
import { ReviewTechnicalDescription } from '../components/review-description.tsx';
import { ReviewListToolbar } from '../components/review-list-toolbar.tsx';
import { RejectButton } from '../components/review-reasons.tsx';
import { ReviewSandboxTry } from '../components/review-sandbox-try.tsx';
import { ServerTable } from '../components/server-table.tsx';
import { useReviewDeadlines } from './review-deadlines.ts';
import { useCanReview } from './roles.ts';

type Version = OperationResponse<'getVersion'>;

/** The sandbox try's card on a submission's page: where a refusal for want of a try leads. */
const TRY_CARD_ID = 'sandbox-try';
type Service = OperationResponse<'getService'>;
type Waiting = 'submitted' | 'sandbox_test';

const STATES: Array<{ value: Waiting | 'all'; vi: string; en: string }> = [
  { value: 'submitted', vi: 'Chờ xét duyệt', en: 'Submitted' },
  { value: 'sandbox_test', vi: 'Đang thử nghiệm', en: 'In sandbox test' },
];

/** versions a provider submitted, waiting for the operator's review, sandbox test and publication. */
export function SubmissionsQueue() {
  const t = useT();
  const [state, setState] = useState<Waiting | 'all'>('submitted');
  const list = useServerList<Version, { status: Waiting }>(
    (request) => api.call('listVersions', { query: request }),
    { status: 'submitted' },
  );
  const deadlines = useReviewDeadlines('serviceSubmission');
  return (
    <Card
      title={<h1 style={{ fontSize: 20, margin: 0 }}>{t('Dịch vụ chờ công bố', 'Service submissions')}</h1>}
    >
      <ReviewListToolbar
        searchLabel={t('Tìm theo ngữ cảnh, phiên bản', 'Search by context, version')}
        onSearch={list.search}
        states={STATES}
        state={state}
        onState={(next) => {
          setState(next);
          if (next !== 'all') list.setFilters({ status: next });
        }}
      />
      <ServerTable<Version>
        list={list}
        emptyText={t('Không có phiên bản nào chờ xử lý', 'No submissions waiting')}
        columns={[
          {
            title: t('Dịch vụ / phiên bản', 'Service / version'),
            render: (_, v) => (
              <Link to={`/submissions/${encodeURIComponent(v.id)}`}>
                {v.context} / {v.version}
              </Link>
            ),
          },
          { title: t('Giao thức', 'Protocol'), dataIndex: 'protocol' },
          {
            title: t('Tài liệu API', 'API document'),
            dataIndex: 'technicalDocumentType',
            render: (v) => (v ? <Tag>{v === 'wsdl' ? 'WSDL' : 'OpenAPI'}</Tag> : '—'),
          },
          { title: t('Ngày gửi', 'Submitted'), dataIndex: 'submittedAt', render: (v) => formatDateTime(v) },
          {
            title: t('Thời gian chờ', 'Waiting'),
            render: (_, v) =>
              v.submittedAt ? (
                <ReviewAge
                  since={v.submittedAt}
                  deadlineAt={deadlines.get(v.id)?.deadlineAt}
                  overdue={deadlines.get(v.id)?.overdue}
                />
              ) : (
                '—'
              ),
          },
          {
            title: t('Trạng thái', 'State'),
            dataIndex: 'status',
            render: (v) => <StateTag state={v} />,
          },
        ]}
      />
    </Card>
  );
}

/**
 * One submitted version: the R-11 description, the operations its API document declares, the sandbox test (the
 * operator's own try-it call) and the decision — publish, or reject with reasons.
 */
export function SubmissionDetail() {
  const t = useT();
  const { message } = App.useApp();
  const { id = '' } = useParams();
  const canReview = useCanReview();
  const [version, setVersion] = useState<Version | null>(null);
  const [service, setService] = useState<Service | null>(null);
  const [current, setCurrent] = useState<Version | null>(null);
  const [error, setError] = useState<unknown>(null);
  // A refused start of the sandbox test: beside its button, until dismissed or tried again.
  const [startError, setStartError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const load = useCallback(async () => {
    try {
      const found = await api.call('getVersion', { params: { id } });
      setVersion(found);
      setService(await api.call('getService', { params: { id: found.serviceId } }));
      // The version now published, if any: publishing this one makes it deprecated with a sunset date.
      const published = await api.call('listServiceVersions', {
        params: { id: found.serviceId },
        query: { status: 'published', limit: 1 },
      });
      setCurrent(published.items.find((v) => v.id !== found.id) ?? null);
    } catch (err) {
      setError(err);
    }
  }, [id]);
  useEffect(() => {
    void load();
  }, [load]);

  const startTest = async () => {
    setBusy(true);
    setStartError(null);
    try {
      setVersion(await api.call('startVersionSandboxTest', { params: { id }, body: {} }));
      message.success(t('Đã chuyển sang thử nghiệm sandbox', 'Moved to sandbox test'));
    } catch (err) {
      setStartError(err);
    } finally {
      setBusy(false);
    }
  };

  if (error) return <ProblemAlert error={error} />;
  if (!version || !service) return <Card loading />;
  // Publishing refused for want of a successful try (CP_SANDBOX_TEST_REQUIRED) leads here: the try, its button.
  const goToTry = () => {
    const card = document.getElementById(TRY_CARD_ID);
    card?.scrollIntoView({ block: 'start' });
    card?.querySelector<HTMLButtonElement>('button[type="submit"]')?.focus();
  };
  const waiting = version.status === 'submitted' || version.status === 'sandbox_test';
  return (
    <Space orientation="vertical" size="large" style={{ width: '100%' }}>
      <Card
        title={
          <h1 style={{ fontSize: 20, margin: 0 }}>
            {service.name} — {version.context}/{version.version}
          </h1>
        }
        extra={<Link to="/submissions">← {t('Danh sách', 'List')}</Link>}
      >
        <Space orientation="vertical" style={{ width: '100%' }}>
          <Space wrap>
            <StateTag state={version.status} />
            {waiting && version.submittedAt && <ReviewAge since={version.submittedAt} />}
            {version.rejectionReason && (
              <Typography.Text type="danger">
                {t('Lý do từ chối', 'Rejection reason')}: {version.rejectionReason}
              </Typography.Text>
            )}
          </Space>
          {canReview && waiting && (
            <Space wrap>
              {version.status === 'submitted' && (
                <Button
                  type="primary"
                  icon={<ExperimentOutlined />}
                  loading={busy}
                  onClick={() => void startTest()}
                >
                  {t('Bắt đầu thử nghiệm sandbox', 'Start the sandbox test')}
                </Button>
              )}
              {version.status === 'sandbox_test' && (
                <PublishButton
                  version={version}
                  current={current}
                  onPublished={setVersion}
                  onGoToTry={goToTry}
                />
              )}
              <RejectButton
                title={t('Từ chối phiên bản', 'Reject the version')}
                fieldLabel={t('Lý do từ chối (cơ quan đọc để sửa)', 'Reason (the provider reads it)')}
                successText={t('Đã từ chối phiên bản', 'Version rejected')}
                onSubmit={async (reason) =>
                  setVersion(await api.call('rejectVersion', { params: { id }, body: { reason } }))
                }
              />
            </Space>
          )}
          <ProblemAlert error={startError} onClose={() => setStartError(null)} />
        </Space>
      </Card>
      <Card>
        <ReviewTechnicalDescription description={service.description} />
      </Card>
      <Card
        title={
          <h2 style={{ fontSize: 16, margin: 0 }}>
            {t('Tài liệu API', 'API document')}:{' '}
            {version.technicalDocumentType === 'wsdl'
              ? 'WSDL'
              : version.technicalDocumentType === 'openapi'
                ? 'OpenAPI 3'
                : t('chưa có', 'none')}
          </h2>
        }
      >
        <Table
          rowKey={(r) => `${r.method} ${r.path}`}
          size="small"
          pagination={false}
          dataSource={version.resources}
          locale={{
            emptyText: <EmptyState text={t('Chưa khai báo thao tác nào', 'No operations declared')} />,
          }}
          columns={[
            {
              title: t('Phương thức', 'Method'),
              dataIndex: 'method',
              width: 120,
              render: (m) => <Tag>{m}</Tag>,
            },
            { title: t('Đường dẫn', 'Path'), dataIndex: 'path', render: (p) => <code>{p}</code> },
          ]}
        />
      </Card>
      {canReview && version.status === 'sandbox_test' && (
        <Card
          id={TRY_CARD_ID}
          title={
            <h2 style={{ fontSize: 16, margin: 0 }}>{t('Gọi thử ở sandbox', 'Try it in the sandbox')}</h2>
          }
        >
          <ReviewSandboxTry
            versionId={version.id}
            defaultPath={version.resources[0]?.path.replace(/\{[^}]*\}/g, '1') ?? '/'}
          />
        </Card>
      )}
    </Space>
  );
}

/**
 * Publishing: the version goes live; a version published before it becomes deprecated with a sunset at least 180
 * days ahead. The API refuses an earlier date and says the earliest it accepts.
 */
function PublishButton({
  version,
  current,
  onPublished,
  onGoToTry,
}: {
  version: Version;
  current: Version | null;
  onPublished: (version: Version) => void;
  /** Shows the sandbox try, for a refusal that says a successful try is missing. */
  onGoToTry: () => void;
}) {
  const t = useT();
  const { message } = App.useApp();
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [form] = Form.useForm<{ sunset?: Dayjs | null }>();
  const needsTry = error instanceof ApiError && error.problem?.code === 'CP_SANDBOX_TEST_REQUIRED';
  // Once the dialog has closed — it gives the focus back to "Công bố" as it does — the try takes it.
  const goToTryOnClose = useRef(false);

  const publish = async () => {
    const { sunset } = await form.validateFields();
    setBusy(true);
    setError(null);
    try {
      const published = await api.call('publishVersion', {
        params: { id: version.id },
        body: sunset ? { previousSunsetAt: pickedVietnamTimeToIso(sunset) } : {},
      });
      onPublished(published);
      setOpen(false);
      message.success(t('Đã công bố phiên bản', 'Version published'));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <Button type="primary" icon={<RocketOutlined />} onClick={() => setOpen(true)}>
        {t('Công bố', 'Publish')}
      </Button>
      <Modal
        open={open}
        title={t(
          `Công bố ${version.context}/${version.version}`,
          `Publish ${version.context}/${version.version}`,
        )}
        okText={t('Công bố', 'Publish')}
        cancelText={t('Huỷ', 'Cancel')}
        okButtonProps={{ loading: busy }}
        onOk={() => void publish()}
        onCancel={() => setOpen(false)}
        afterClose={() => {
          setError(null);
          if (goToTryOnClose.current) onGoToTry();
          goToTryOnClose.current = false;
        }}
        destroyOnHidden
      >
        <Form form={form} layout="vertical" preserve={false}>
          {current ? (
            <Form.Item
              name="sunset"
              label={t(
                `Ngày ngừng phiên bản đang chạy ${current.version} (giờ Việt Nam)`,
                `Sunset of the running version ${current.version} (Vietnam time)`,
              )}
              extra={t(
                'Phiên bản cũ phải chạy tiếp ít nhất 180 ngày sau khi công bố phiên bản mới (R-18). Để trống: đúng 180 ngày kể từ hôm nay.',
                'The old version keeps running at least 180 days after its successor is published (R-18). Empty: exactly 180 days from today.',
              )}
            >
              <ReviewDateTimePicker />
            </Form.Item>
          ) : (
            <Typography.Paragraph>
              {t(
                'Đây là phiên bản đầu tiên được công bố của dịch vụ.',
                'This is the service’s first published version.',
              )}
            </Typography.Paragraph>
          )}
          {version.sandboxEvidenceTransactionId && (
            <Typography.Paragraph type="secondary">
              {t('Bằng chứng thử nghiệm', 'Sandbox evidence')}: {version.sandboxEvidenceTransactionId}
            </Typography.Paragraph>
          )}
        </Form>
        <ProblemAlert
          error={error}
          action={
            needsTry ? (
              <Button
                size="small"
                icon={<ExperimentOutlined />}
                onClick={() => {
                  goToTryOnClose.current = true;
                  setOpen(false);
                }}
              >
                {t('Đến "Gọi thử"', 'Go to "Try it"')}
              </Button>
            ) : undefined
          }
        />
        {current?.sunsetAt && (
          <Typography.Text type="secondary">
            {t('Ngày ngừng hiện tại', 'Current sunset')}: {formatDate(current.sunsetAt)}
          </Typography.Text>
        )}
      </Modal>
    </>
  );
}
