import { CloseCircleOutlined, StopOutlined, TeamOutlined } from '@ant-design/icons';
import { Alert, App, Button, Card, Drawer, Form, Input, Modal, Table, Tabs, Typography } from 'antd';
import type { Dayjs } from 'dayjs';
import { useState } from 'react';
import { api, type OperationResponse, problemText } from '../../shared/api.ts';
import { useT } from '../../shared/i18n.tsx';
import { useServerList } from '../../shared/server-list.ts';
import { StateTag } from '../../shared/tags.tsx';
import { formatDate, formatDateTime } from '../../shared/time.ts';
import { CancelAnnouncementDialog } from '../components/cancel-dialog.tsx';
import { EmptyState } from '../components/page.tsx';
import { RegistryName } from '../components/registry-names.tsx';
import { pickedVietnamTimeToIso, ReviewDateTimePicker } from '../components/review-datetime.tsx';
import { ReviewListToolbar } from '../components/review-list-toolbar.tsx';
import { ServerTable } from '../components/server-table.tsx';
import { useIsOperatorAdmin } from './roles.ts';

type Version = OperationResponse<'getVersion'>;
type Service = OperationResponse<'getService'>;
type Consumer = OperationResponse<'listVersionConsumers'>['items'][number];
type Live = 'published' | 'deprecated';

/**
 * The end of versions and services (R-18, R-21): which consumers still call a version that is being replaced, and
 * decommissioning a service with at least 60 days' notice.
 */
export function LifecycleScreen() {
  const t = useT();
  return (
    <Card
      title={
        <h1 style={{ fontSize: 20, margin: 0 }}>
          {t('Vòng đời phiên bản, dịch vụ', 'Version and service lifecycle')}
        </h1>
      }
    >
      <Tabs
        items={[
          { key: 'versions', label: t('Phiên bản đang chạy', 'Live versions'), children: <LiveVersions /> },
          { key: 'services', label: t('Ngừng dịch vụ', 'Decommission'), children: <Decommission /> },
        ]}
      />
    </Card>
  );
}

const LIVE: Array<{ value: Live | 'all'; vi: string; en: string }> = [
  { value: 'deprecated', vi: 'Sắp ngừng', en: 'Deprecated' },
  { value: 'published', vi: 'Đã công bố', en: 'Published' },
];

function LiveVersions() {
  const t = useT();
  const [state, setState] = useState<Live | 'all'>('deprecated');
  const [report, setReport] = useState<Version | null>(null);
  const list = useServerList<Version, { status: Live }>(
    (request) => api.call('listVersions', { query: request }),
    { status: 'deprecated' },
  );
  return (
    <>
      <ReviewListToolbar
        searchLabel={t('Tìm theo ngữ cảnh, phiên bản', 'Search by context, version')}
        onSearch={list.search}
        states={LIVE}
        state={state}
        onState={(next) => {
          setState(next);
          if (next !== 'all') list.setFilters({ status: next });
        }}
      />
      <ServerTable<Version>
        list={list}
        emptyText={t('Không có phiên bản nào', 'No versions')}
        columns={[
          { title: t('Phiên bản', 'Version'), render: (_, v) => `${v.context}/${v.version}` },
          {
            title: t('Trạng thái', 'State'),
            dataIndex: 'status',
            render: (s) => <StateTag state={s} />,
          },
          { title: t('Công bố', 'Published'), dataIndex: 'publishedAt', render: (v) => formatDate(v) },
          {
            title: t('Ngày ngừng', 'Sunset'),
            dataIndex: 'sunsetAt',
            render: (v) => (v ? formatDateTime(v) : '—'),
          },
          {
            title: t('Báo cáo', 'Report'),
            render: (_, v) => (
              <Button icon={<TeamOutlined />} onClick={() => setReport(v)}>
                {t('Bên khai thác còn gọi', 'Consumers still calling')}
              </Button>
            ),
          },
        ]}
      />
      <Drawer
        open={report !== null}
        onClose={() => setReport(null)}
        size="large"
        title={
          report
            ? t(
                `Bên khai thác ${report.context}/${report.version}`,
                `Consumers of ${report.context}/${report.version}`,
              )
            : ''
        }
      >
        {report && <ConsumersReport key={report.id} version={report} />}
      </Drawer>
    </>
  );
}

/**
 * The deprecation report: each consumer system that called the version, how often and when last — busiest first,
 * paged and searched on the server (issue 11). Keyed by the version where it is shown, so another version starts
 * a new list.
 */
function ConsumersReport({ version }: { version: Version }) {
  const t = useT();
  const list = useServerList<Consumer>((request) =>
    api.call('listVersionConsumers', { params: { id: version.id }, query: request }),
  );
  return (
    <>
      {version.sunsetAt && (
        <Typography.Paragraph>
          {t('Phiên bản ngừng hoạt động lúc', 'The version stops at')} {formatDateTime(version.sunsetAt)}.{' '}
          {t(
            'Các hệ thống dưới đây cần chuyển sang phiên bản mới.',
            'The systems below must move to the successor.',
          )}
        </Typography.Paragraph>
      )}
      <ReviewListToolbar
        searchLabel={t('Tìm theo hệ thống, mã cơ quan', 'Search by system, organization code')}
        onSearch={list.search}
      />
      {list.error ? <Alert type="error" showIcon message={problemText(list.error, t)} /> : null}
      <Table<Consumer>
        rowKey={(r) => `${r.systemId}-${r.environment}`}
        loading={list.loading}
        dataSource={list.items}
        pagination={list.pagination}
        locale={{
          emptyText: (
            <EmptyState
              text={t('Không còn bên nào gọi phiên bản này', 'Nobody calls this version any more')}
            />
          ),
        }}
        columns={[
          {
            title: t('Hệ thống', 'System'),
            dataIndex: 'systemId',
            // By name (it showed the bare sys_… id); the organization's code is the next column.
            render: (id: string) => <RegistryName kind="system" id={id} />,
          },
          {
            title: t('Mã cơ quan', 'Organization code'),
            dataIndex: 'organizationCode',
            render: (v) => v ?? '—',
          },
          {
            title: t('Môi trường', 'Environment'),
            dataIndex: 'environment',
            render: (v: string | null) => <StateTag state={v} />,
          },
          { title: t('Số lượt gọi', 'Calls'), dataIndex: 'calls' },
          {
            title: t('Lần gọi cuối', 'Last call'),
            dataIndex: 'lastCallAt',
            render: (v) => formatDateTime(v),
          },
        ]}
      />
    </>
  );
}

/** A scheduled end that may still be cancelled: its date has not come. */
function endCancellable(s: Service): boolean {
  return !s.decommissionedAt && !!s.decommissionAt && Date.parse(s.decommissionAt) > Date.now();
}

function Decommission() {
  const t = useT();
  const { message } = App.useApp();
  const isAdmin = useIsOperatorAdmin();
  const [target, setTarget] = useState<Service | null>(null);
  const [cancelling, setCancelling] = useState<Service | null>(null);
  const list = useServerList<Service>((request) => api.call('listServices', { query: request }));
  return (
    <>
      <ReviewListToolbar searchLabel={t('Tìm dịch vụ', 'Search services')} onSearch={list.search} />
      <ServerTable<Service>
        list={list}
        emptyText={t('Không có dịch vụ nào', 'No services')}
        columns={[
          { title: t('Dịch vụ', 'Service'), dataIndex: 'name' },
          { title: t('Ngữ cảnh', 'Context'), dataIndex: 'context' },
          {
            title: t('Ngừng hoạt động', 'Decommission'),
            render: (_, s) =>
              s.decommissionedAt
                ? `${t('Đã ngừng', 'Stopped')} ${formatDateTime(s.decommissionedAt)}`
                : s.decommissionAt
                  ? `${t('Sẽ ngừng', 'Stops')} ${formatDateTime(s.decommissionAt)}`
                  : '—',
          },
          ...(isAdmin
            ? [
                {
                  title: t('Thao tác', 'Action'),
                  render: (_: unknown, s: Service) =>
                    endCancellable(s) ? (
                      <Button icon={<CloseCircleOutlined />} onClick={() => setCancelling(s)}>
                        {t('Huỷ lịch ngừng', 'Cancel the end')}
                      </Button>
                    ) : s.decommissionAt || s.decommissionedAt ? null : (
                      <Button danger icon={<StopOutlined />} onClick={() => setTarget(s)}>
                        {t('Ngừng dịch vụ', 'Decommission')}
                      </Button>
                    ),
                },
              ]
            : []),
        ]}
      />
      {cancelling && (
        <CancelAnnouncementDialog
          title={t(`Huỷ lịch ngừng dịch vụ ${cancelling.name}`, `Cancel the end of ${cancelling.name}`)}
          explanation={t(
            `Dịch vụ sẽ tiếp tục được cung cấp sau ${formatDateTime(cancelling.decommissionAt)}: thông báo ngừng được đánh dấu đã huỷ và một thông báo huỷ được đăng công khai, gửi tới các bên đang khai thác (R-21).`,
            `The service will carry on after ${formatDateTime(cancelling.decommissionAt)}: the decommission notice is marked cancelled and a cancellation notice is published and sent to its consumers (R-21).`,
          )}
          okText={t('Huỷ lịch ngừng', 'Cancel the end')}
          onConfirm={async (reason) => {
            await api.call('cancelServiceDecommission', {
              params: { id: cancelling.id },
              body: reason ? { reason } : {},
            });
            message.success(t('Đã huỷ lịch ngừng dịch vụ', 'Decommission cancelled'));
          }}
          onClose={(changed) => {
            setCancelling(null);
            if (changed) list.reload();
          }}
        />
      )}
      {target && (
        <DecommissionDialog
          service={target}
          onClose={(changed) => {
            setTarget(null);
            if (changed) list.reload();
          }}
        />
      )}
    </>
  );
}

function DecommissionDialog({ service, onClose }: { service: Service; onClose: (changed: boolean) => void }) {
  const t = useT();
  const { message } = App.useApp();
  const [form] = Form.useForm<{ at: Dayjs; reason: string }>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const submit = async () => {
    const { at, reason } = await form.validateFields();
    setBusy(true);
    setError(null);
    try {
      await api.call('decommissionService', {
        params: { id: service.id },
        body: { at: pickedVietnamTimeToIso(at), reason: reason.trim() },
      });
      message.success(t('Đã thông báo ngừng dịch vụ', 'Decommission announced'));
      onClose(true);
    } catch (err) {
      setError(problemText(err, t));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal
      open
      title={t(`Ngừng dịch vụ ${service.name}`, `Decommission ${service.name}`)}
      okText={t('Ngừng dịch vụ', 'Decommission')}
      cancelText={t('Huỷ', 'Cancel')}
      okButtonProps={{ danger: true, loading: busy }}
      onOk={() => void submit()}
      onCancel={() => onClose(false)}
    >
      <Form form={form} layout="vertical">
        <Form.Item
          name="at"
          label={t('Ngày ngừng (giờ Việt Nam)', 'Stops at (Vietnam time)')}
          extra={t(
            'Ít nhất 60 ngày sau hôm nay (R-21); thông báo ngừng cung cấp được đăng công khai và gửi tới các bên đang khai thác.',
            'At least 60 days from today (R-21); the notice of the end is published and sent to its consumers.',
          )}
          rules={[{ required: true, message: t('Chọn ngày ngừng', 'Pick the date') }]}
        >
          <ReviewDateTimePicker />
        </Form.Item>
        <Form.Item
          name="reason"
          label={t('Lý do', 'Reason')}
          rules={[{ required: true, whitespace: true, message: t('Cần nhập lý do', 'Required') }]}
        >
          <Input.TextArea rows={3} maxLength={2000} />
        </Form.Item>
      </Form>
      {error && (
        <Alert
          type="error"
          showIcon
          role="alert"
          message={<span style={{ whiteSpace: 'pre-line' }}>{error}</span>}
        />
      )}
    </Modal>
  );
}
