import { CloseCircleOutlined, StopOutlined, TeamOutlined } from '@ant-design/icons';
import { Button, Card, Drawer, Table, Tabs, Typography } from 'antd';
import { useState } from 'react';
import { api, type OperationResponse } from '../../shared/api.ts';
import { useT } from '../../shared/i18n.tsx';
import { useServerList } from '../../shared/server-list.ts';
import { StateTag } from '../../shared/tags.tsx';
import { formatDate, formatDateTime } from '../../shared/time.ts';
import {
  CancelDecommissionDialog,
  DecommissionDialog,
  decommissionable,
  decommissionCancellable,
  decommissionText,
} from '../components/decommission.tsx';
import { EmptyState, ProblemAlert } from '../components/page.tsx';
import { RegistryName } from '../components/registry-names.tsx';
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
      <ProblemAlert error={list.error} />
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

function Decommission() {
  const t = useT();
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
            render: (_, s) => decommissionText(s, t),
          },
          ...(isAdmin
            ? [
                {
                  title: t('Thao tác', 'Action'),
                  render: (_: unknown, s: Service) =>
                    decommissionCancellable(s) ? (
                      <Button icon={<CloseCircleOutlined />} onClick={() => setCancelling(s)}>
                        {t('Huỷ lịch ngừng', 'Cancel the end')}
                      </Button>
                    ) : decommissionable(s) ? (
                      <Button danger icon={<StopOutlined />} onClick={() => setTarget(s)}>
                        {t('Ngừng dịch vụ', 'Decommission')}
                      </Button>
                    ) : null,
                },
              ]
            : []),
        ]}
      />
      {cancelling && (
        <CancelDecommissionDialog
          service={cancelling}
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
