import { Select, Space, Typography } from 'antd';
import { useState } from 'react';
import { Link } from 'react-router-dom';
import { api, type OperationResponse } from '../../shared/api.ts';
import { useT } from '../../shared/i18n.tsx';
import { useServerList } from '../../shared/server-list.ts';
import { StateTag } from '../../shared/tags.tsx';
import { formatDateTime } from '../../shared/time.ts';
import { PageTitle, READABLE_PLACEHOLDER, SearchBox } from '../components/page.tsx';
import { OrganizationName, useRegistryName } from '../components/registry-names.tsx';
import { ServerTable } from '../components/server-table.tsx';

type Connection = OperationResponse<'listConnectedSystems'>['items'][number];

/**
 * Connected systems: each system's connection state from its traffic (active, idle, failing, never), when
 * it first and last connected, and its recent failures; its day-by-day history is on the system's page.
 */
export function ConnectedSystems() {
  const t = useT();
  const registryName = useRegistryName();
  const [state, setState] = useState<Connection['state'] | undefined>(undefined);
  // Paged and searched on the server like the systems list (issue 11); the connection facts come for one page.
  const list = useServerList<Connection, { state?: Connection['state'] }>((request) =>
    api.call('listConnectedSystems', { query: request }),
  );
  return (
    <>
      <PageTitle>{t('Hệ thống đã kết nối', 'Connected systems')}</PageTitle>
      <Typography.Paragraph type="secondary" style={{ maxWidth: 900 }}>
        {t(
          'Kết nối là lần hệ thống trao đổi với nền tảng: hệ thống gọi tới (kể cả lời gọi bị từ chối, lấy token), hoặc nền tảng chuyển yêu cầu tới nó. Lời gọi bị từ chối trước khi chuyển đi không phải là kết nối với bên cung cấp. Trạng thái xét giao dịch thành công trong 24 giờ và lỗi trong 15 phút qua.',
          'A connection is an exchange with the platform: the system called it (even a refused call or a token request), or the platform forwarded a request to it. A call refused before it was forwarded is no connection with its provider. The state weighs successful exchanges in 24 hours and failures in the last 15 minutes.',
        )}
      </Typography.Paragraph>
      <Space wrap align="start" style={{ marginBottom: 16 }}>
        <SearchBox
          label={t('Tìm theo tên hệ thống, mã cơ quan', 'Search by system name, organization code')}
          onSearch={list.search}
        />
        <Select
          aria-label={t('Lọc theo trạng thái kết nối', 'Filter by connection state')}
          allowClear
          placeholder={t('Mọi trạng thái', 'Any state')}
          styles={READABLE_PLACEHOLDER}
          style={{ width: 200 }}
          value={state}
          onChange={(value?: Connection['state']) => {
            setState(value);
            list.setFilters(value ? { state: value } : {});
          }}
          options={[
            { value: 'active', label: t('Đang hoạt động', 'Active') },
            { value: 'failing', label: t('Đang lỗi', 'Failing') },
            {
              value: 'idle',
              label: t('Không có giao dịch thành công (24 giờ)', 'No successful exchange (24 h)'),
            },
            { value: 'never', label: t('Chưa kết nối', 'Never connected') },
          ]}
        />
      </Space>
      <ServerTable<Connection>
        list={list}
        emptyText={t('Chưa có hệ thống nào', 'No system yet')}
        rowKey="systemId"
        columns={[
          {
            title: t('Hệ thống', 'System'),
            dataIndex: 'name',
            render: (name: string, c) => (
              <Link to={`/systems/${c.systemId}`}>{registryName('system', c.organizationCode, name)}</Link>
            ),
          },
          {
            title: t('Cơ quan', 'Organization'),
            dataIndex: 'organizationCode',
            render: (code: string, r) => <OrganizationName id={r.organizationId} code={code} />,
          },
          {
            title: t('Kết nối', 'Connection'),
            dataIndex: 'state',
            render: (s: string) => <StateTag state={s} />,
          },
          {
            title: t('Danh mục', 'Registry'),
            dataIndex: 'systemStatus',
            render: (s: string) => <StateTag state={s} />,
          },
          {
            title: t('Kết nối lần đầu', 'First connection'),
            dataIndex: 'firstConnectionAt',
            render: formatDateTime,
          },
          {
            title: t('Kết nối gần nhất', 'Last connection'),
            dataIndex: 'lastConnectionAt',
            render: formatDateTime,
          },
          {
            title: t('Gần đây', 'Recent'),
            render: (_, c) =>
              t(
                `${c.recent.asConsumer.calls} gọi đi · ${c.recent.asProvider.calls} được gọi · ${c.recent.asProvider.failures + c.recent.asConsumer.credentialRefusals} lỗi (${c.recent.windowMinutes} phút)`,
                `${c.recent.asConsumer.calls} made · ${c.recent.asProvider.calls} served · ${c.recent.asProvider.failures + c.recent.asConsumer.credentialRefusals} failed (${c.recent.windowMinutes} min)`,
              ),
          },
        ]}
      />
    </>
  );
}
