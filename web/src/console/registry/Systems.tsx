import { Card, Descriptions, Select, Space, Tag } from 'antd';
import { useEffect, useMemo, useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { api, type OperationResponse } from '../../shared/api.ts';
import { useT } from '../../shared/i18n.tsx';
import { useServerList } from '../../shared/server-list.ts';
import { StateTag } from '../../shared/tags.tsx';
import { formatDate, formatDateTime } from '../../shared/time.ts';
import {
  PageTitle,
  ProblemAlert,
  READABLE_LABEL,
  READABLE_PLACEHOLDER,
  SearchBox,
} from '../components/page.tsx';
import { RegistryChart } from '../components/registry-chart.tsx';
import { OrganizationName, RegistryName, useRegistryName } from '../components/registry-names.tsx';
import { ServerTable } from '../components/server-table.tsx';
import { CredentialTable } from './Credentials.tsx';

type System = OperationResponse<'getSystem'>;

/** Information systems: owner, roles (provider / consumer) and registry state. */
export function Systems() {
  const t = useT();
  const registryName = useRegistryName();
  const [status, setStatus] = useState<string | undefined>(undefined);
  const list = useServerList(
    (request) => api.call('listSystems', { query: request }),
    {} as { status?: string },
  );
  return (
    <>
      <PageTitle>{t('Hệ thống thông tin', 'Information systems')}</PageTitle>
      <Space wrap style={{ marginBottom: 16 }}>
        <SearchBox
          label={t('Tìm theo tên hệ thống, mã cơ quan', 'Search by system name, organization code')}
          onSearch={list.search}
        />
        <Select
          aria-label={t('Trạng thái', 'State')}
          allowClear
          placeholder={t('Mọi trạng thái', 'Any state')}
          styles={READABLE_PLACEHOLDER}
          value={status}
          style={{ width: 200, marginBottom: 16 }}
          onChange={(value?: string) => {
            setStatus(value);
            list.setFilters(value ? { status: value } : {});
          }}
          options={[
            { value: 'active', label: t('Đang hoạt động', 'Active') },
            { value: 'suspended', label: t('Tạm dừng', 'Suspended') },
          ]}
        />
      </Space>
      <ServerTable<System>
        list={list}
        emptyText={t('Chưa có hệ thống nào', 'No system yet')}
        columns={[
          {
            title: t('Tên hệ thống', 'System'),
            dataIndex: 'name',
            render: (name: string, s) => (
              <Link to={`/systems/${s.id}`}>{registryName('system', s.organizationCode, name)}</Link>
            ),
          },
          {
            title: t('Cơ quan', 'Organization'),
            dataIndex: 'organizationCode',
            render: (code: string, r) => <OrganizationName id={r.organizationId} code={code} />,
          },
          {
            title: t('Vai trò', 'Role'),
            render: (_, s) => (
              <>
                {s.isProvider && <Tag>{t('Cung cấp', 'Provider')}</Tag>}
                {s.isConsumer && <Tag>{t('Khai thác', 'Consumer')}</Tag>}
              </>
            ),
          },
          {
            title: t('Trạng thái', 'State'),
            dataIndex: 'status',
            render: (s: string) => <StateTag state={s} />,
          },
          { title: t('Tạo lúc', 'Created'), dataIndex: 'createdAt', render: formatDateTime },
        ]}
      />
    </>
  );
}

/** One system: its registry facts, its connection state with 30 days of traffic, and its credentials. */
export function SystemDetail() {
  const t = useT();
  const registryName = useRegistryName();
  const { id = '' } = useParams();
  const [system, setSystem] = useState<System | null>(null);
  const [connection, setConnection] = useState<OperationResponse<'getSystemConnection'> | null>(null);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    let live = true;
    setError(null);
    Promise.all([
      api.call('getSystem', { params: { id } }),
      api.call('getSystemConnection', { params: { id }, query: { days: 30 } }),
    ])
      .then(([s, c]) => {
        if (!live) return;
        setSystem(s);
        setConnection(c);
      })
      .catch((err) => live && setError(err));
    return () => {
      live = false;
    };
  }, [id]);

  const history = connection?.history.items ?? [];
  const series = useMemo(
    () => [
      {
        name: t('Gọi đi (khai thác)', 'Calls made (consumer)'),
        type: 'bar' as const,
        data: history.map((d) => d.asConsumer.calls),
      },
      {
        name: t('Được gọi (cung cấp)', 'Calls served (provider)'),
        type: 'bar' as const,
        data: history.map((d) => d.asProvider.calls),
      },
      {
        name: t('Lỗi', 'Errors'),
        type: 'line' as const,
        color: '#cf1322',
        data: history.map((d) => d.asConsumer.errors + d.asProvider.errors),
      },
    ],
    [history, t],
  );
  const categories = useMemo(() => history.map((d) => formatDate(`${d.day}T00:00:00+07:00`)), [history]);

  return (
    <>
      <PageTitle>
        {t('Hệ thống', 'System')}:{' '}
        {system ? registryName('system', system.organizationCode, system.name) : id}
      </PageTitle>
      <ProblemAlert error={error} />
      {system && (
        <Descriptions
          styles={READABLE_LABEL}
          bordered
          size="small"
          column={2}
          style={{ marginBottom: 16 }}
          items={[
            {
              key: 'org',
              label: t('Cơ quan', 'Organization'),
              children: <RegistryName kind="organization" id={system.organizationId} />,
            },
            {
              key: 'status',
              label: t('Trạng thái trong danh mục', 'Registry state'),
              children: <StateTag state={system.status} />,
            },
            {
              key: 'roles',
              label: t('Vai trò', 'Role'),
              children: [
                system.isProvider && t('Cung cấp', 'Provider'),
                system.isConsumer && t('Khai thác', 'Consumer'),
              ]
                .filter(Boolean)
                .join(', '),
            },
            {
              key: 'cert',
              label: t('Chứng chỉ máy khách (mTLS)', 'Client certificate (mTLS)'),
              children: system.clientCertificate
                ? [
                    system.clientCertificate.subject,
                    system.clientCertificate.sha256 &&
                      `SHA-256 ${system.clientCertificate.sha256.slice(0, 16)}…`,
                    system.clientCertificate.notAfter &&
                      `${t('hết hạn', 'expires')} ${formatDate(system.clientCertificate.notAfter)}`,
                  ]
                    .filter(Boolean)
                    .join(' · ')
                : t('Chưa gắn', 'None'),
            },
            { key: 'desc', label: t('Mô tả', 'Description'), children: system.description ?? '—', span: 2 },
          ]}
        />
      )}
      {connection && (
        <Card title={t('Kết nối (30 ngày)', 'Connection (30 days)')} style={{ marginBottom: 16 }}>
          <Descriptions
            styles={READABLE_LABEL}
            size="small"
            column={3}
            items={[
              {
                key: 'state',
                label: t('Trạng thái kết nối', 'Connection state'),
                children: <StateTag state={connection.state} />,
              },
              {
                key: 'first',
                label: t('Kết nối lần đầu', 'First connection'),
                children: formatDateTime(connection.firstConnectionAt),
              },
              {
                key: 'last',
                label: t('Kết nối gần nhất', 'Last connection'),
                children: formatDateTime(connection.lastConnectionAt),
              },
              {
                key: 'send',
                label: t('Gửi thành công gần nhất', 'Last successful send'),
                children: formatDateTime(connection.lastSuccessfulSendAt),
              },
              {
                key: 'recv',
                label: t('Nhận thành công gần nhất', 'Last successful receive'),
                children: formatDateTime(connection.lastSuccessfulReceiveAt),
              },
              {
                key: 'recent',
                label: t(
                  `${connection.recent.windowMinutes} phút gần đây`,
                  `Last ${connection.recent.windowMinutes} min`,
                ),
                children: t(
                  `${connection.recent.asConsumer.calls} lượt gọi, ${connection.recent.asProvider.failures} lỗi phía cung cấp`,
                  `${connection.recent.asConsumer.calls} calls, ${connection.recent.asProvider.failures} provider failures`,
                ),
              },
            ]}
          />
          {history.length > 0 && (
            <RegistryChart
              // the rows are Vietnam days (UTC+7), as in the statistics: said where the days are read.
              label={t(
                'Lưu lượng theo ngày của hệ thống (ngày theo giờ Việt Nam)',
                "The system's traffic by day (Vietnam time)",
              )}
              titled
              categories={categories}
              series={series}
              height={260}
            />
          )}
        </Card>
      )}
      {system && (
        <Card title={t('Khoá truy cập của hệ thống', "The system's credentials")}>
          <CredentialTable systemId={system.id} canIssue={system.isConsumer} />
        </Card>
      )}
    </>
  );
}
