import { Card, Descriptions, Select, Space, Steps, Table, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { api, type OperationResponse } from '../../shared/api.ts';
import { useT } from '../../shared/i18n.tsx';
import { R11_ITEMS, R11_KEYS } from '../../shared/r11.ts';
import { useServerList } from '../../shared/server-list.ts';
import { useUser } from '../../shared/session.tsx';
import { StateTag } from '../../shared/tags.tsx';
import { formatDateTime } from '../../shared/time.ts';
import { VERSION_STATES } from '../../shared/version-state.ts';
import {
  EmptyState,
  PageTitle,
  ProblemAlert,
  READABLE_LABEL,
  READABLE_PLACEHOLDER,
  SearchBox,
} from '../components/page.tsx';
import { ProviderSystemName } from '../components/registry-names.tsx';
import { ServerTable } from '../components/server-table.tsx';

type Service = OperationResponse<'getService'>;
type Version = OperationResponse<'getVersion'>;

/** Services: context on the gateway, provider system, and whether they are being decommissioned. */
export function Services() {
  const t = useT();
  const user = useUser();
  const agencyOrganizationId = user.role === 'agency' ? (user.organizationId ?? '') : null;
  const list = useServerList((request) => api.call('listServices', { query: request }));
  return (
    <>
      <PageTitle>{t('Dịch vụ chia sẻ dữ liệu', 'Data-sharing services')}</PageTitle>
      <SearchBox
        label={t('Tìm theo tên dịch vụ, context', 'Search by service name, context')}
        onSearch={list.search}
      />
      <ServerTable<Service>
        list={list}
        emptyText={t('Chưa có dịch vụ nào', 'No service yet')}
        columns={[
          {
            title: t('Tên dịch vụ', 'Service'),
            dataIndex: 'name',
            render: (name: string, s) => <Link to={`/services/${s.id}`}>{name}</Link>,
          },
          { title: 'Context', dataIndex: 'context', render: (c: string) => <code>/{c}</code> },
          {
            title: t('Hệ thống cung cấp', 'Provider system'),
            dataIndex: 'providerSystemId',
            render: (id: string, s) => (
              <ProviderSystemName
                serviceId={s.id}
                systemId={id}
                agencyOrganizationId={agencyOrganizationId}
              />
            ),
          },
          {
            title: t('Ngừng cung cấp', 'Decommission'),
            render: (_, s) =>
              s.decommissionedAt
                ? t(
                    `Đã ngừng ${formatDateTime(s.decommissionedAt)}`,
                    `Ended ${formatDateTime(s.decommissionedAt)}`,
                  )
                : s.decommissionAt
                  ? t(
                      `Sẽ ngừng ${formatDateTime(s.decommissionAt)}`,
                      `Ends ${formatDateTime(s.decommissionAt)}`,
                    )
                  : '—',
          },
          { title: t('Cập nhật', 'Updated'), dataIndex: 'updatedAt', render: formatDateTime },
        ]}
      />
    </>
  );
}

/** The version's path through the state machine, in the order it walks it. */
const STEPS = ['submitted', 'sandbox_test', 'published', 'deprecated', 'retired'] as const;

export function VersionSteps({ version }: { version: Version }) {
  const t = useT();
  const when: Partial<Record<(typeof STEPS)[number], string | null>> = {
    submitted: version.submittedAt,
    published: version.publishedAt,
    deprecated: version.deprecatedAt,
    retired: version.status === 'retired' ? version.sunsetAt : null,
  };
  // A draft has not started; a rejected version stopped at review, shown as an error on its first step.
  const current =
    version.status === 'draft' ? -1 : version.status === 'rejected' ? 0 : STEPS.indexOf(version.status);
  const finished = version.status === 'retired';
  return (
    <Steps
      size="small"
      current={finished ? STEPS.length : current}
      status={version.status === 'rejected' ? 'error' : 'process'}
      items={STEPS.map((step, i) => ({
        title: t(VERSION_STATES[step].vi, VERSION_STATES[step].en),
        content:
          version.status === 'rejected' && i === 0
            ? `${t('Bị từ chối', 'Rejected')}: ${version.rejectionReason ?? ''}`
            : step === 'deprecated' && version.sunsetAt
              ? `${t('ngừng', 'sunset')} ${formatDateTime(version.sunsetAt)}`
              : when[step]
                ? formatDateTime(when[step])
                : undefined,
      }))}
    />
  );
}

/** One service: its R-11 description and its versions, each with its place in the state machine. */
export function ServiceDetail() {
  const t = useT();
  const user = useUser();
  const agencyOrganizationId = user.role === 'agency' ? (user.organizationId ?? '') : null;
  const { id = '' } = useParams();
  const [service, setService] = useState<Service | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [status, setStatus] = useState<string | undefined>(undefined);
  const versions = useServerList(
    (request) => api.call('listServiceVersions', { params: { id }, query: request }),
    {} as { status?: string },
    10,
  );

  // Each version opens with its steps shown; a person may fold them.
  const [expanded, setExpanded] = useState<string[]>([]);
  useEffect(() => setExpanded(versions.items.map((v) => v.id)), [versions.items]);

  useEffect(() => {
    let live = true;
    api
      .call('getService', { params: { id } })
      .then((s) => live && setService(s))
      .catch((err) => live && setError(err));
    return () => {
      live = false;
    };
  }, [id]);

  const items = service
    ? R11_KEYS.map((key) => ({
        key,
        label: t(R11_ITEMS[key].vi, R11_ITEMS[key].en),
        children: <span style={{ whiteSpace: 'pre-line' }}>{service.description[key] ?? '—'}</span>,
      }))
    : [];

  return (
    <>
      <PageTitle>
        {t('Dịch vụ', 'Service')}: {service?.name ?? id}
      </PageTitle>
      <ProblemAlert error={error} />
      {service && (
        <Descriptions
          styles={READABLE_LABEL}
          bordered
          size="small"
          column={1}
          style={{ marginBottom: 16 }}
          items={[
            { key: 'context', label: 'Context', children: <code>/{service.context}</code> },
            {
              key: 'provider',
              label: t('Hệ thống cung cấp', 'Provider system'),
              children: (
                <ProviderSystemName
                  serviceId={service.id}
                  systemId={service.providerSystemId}
                  agencyOrganizationId={agencyOrganizationId}
                />
              ),
            },
            ...items,
          ]}
        />
      )}
      <Card title={t('Các phiên bản', 'Versions')}>
        <Select
          aria-label={t('Lọc phiên bản theo trạng thái', 'Filter versions by state')}
          allowClear
          placeholder={t('Mọi trạng thái', 'Any state')}
          styles={READABLE_PLACEHOLDER}
          style={{ width: 220, marginBottom: 16 }}
          value={status}
          onChange={(value?: string) => {
            setStatus(value);
            versions.setFilters(value ? { status: value } : {});
          }}
          options={['draft', ...STEPS, 'rejected'].map((s) => ({ value: s, label: <StateTag state={s} /> }))}
        />
        <ProblemAlert error={versions.error} />
        <Table<Version>
          rowKey="id"
          loading={versions.loading}
          dataSource={versions.items}
          pagination={versions.pagination}
          locale={{ emptyText: <EmptyState text={t('Chưa có phiên bản nào', 'No version yet')} /> }}
          expandable={{
            expandedRowRender: (v) => (
              <Space orientation="vertical" style={{ width: '100%' }}>
                <VersionSteps version={v} />
                <Typography.Text type="secondary">
                  {t('Tài nguyên', 'Resources')}:{' '}
                  {v.resources.length ? v.resources.map((r) => `${r.method} ${r.path}`).join(', ') : '—'}
                </Typography.Text>
              </Space>
            ),
            expandedRowKeys: expanded,
            onExpandedRowsChange: (keys) => setExpanded(keys.map(String)),
          }}
          columns={[
            { title: t('Phiên bản', 'Version'), dataIndex: 'version' },
            { title: t('Giao thức', 'Protocol'), dataIndex: 'protocol' },
            {
              title: t('Chế độ', 'Mode'),
              dataIndex: 'mode',
              render: (m: string) => (m === 'async' ? t('Bất đồng bộ', 'Async') : t('Đồng bộ', 'Sync')),
            },
            {
              title: t('Trạng thái', 'State'),
              dataIndex: 'status',
              render: (s: string) => <StateTag state={s} />,
            },
            { title: t('Công bố', 'Published'), dataIndex: 'publishedAt', render: formatDateTime },
            { title: t('Ngừng', 'Sunset'), dataIndex: 'sunsetAt', render: formatDateTime },
          ]}
        />
      </Card>
    </>
  );
}
