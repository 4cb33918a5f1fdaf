import { Select, Space } from 'antd';
import { useState } from 'react';
import { Link } from 'react-router-dom';
import { api, type OperationResponse } from '../../shared/api.ts';
import { useT } from '../../shared/i18n.tsx';
import { useServerList } from '../../shared/server-list.ts';
import { StateTag } from '../../shared/tags.tsx';
import { formatDateTime } from '../../shared/time.ts';
import { PageTitle, READABLE_PLACEHOLDER, SearchBox } from '../components/page.tsx';
import { ServerTable } from '../components/server-table.tsx';

type Connection = OperationResponse<'listConnectedSystems'>['items'][number];

/**
 * Connected systems: each system's connection state from its traffic (active, idle, failing, never), when
 * it first and last connected, and its recent failures; its day-by-day history is on the system's page.
 */
export function ConnectedSystems() {
  const t = useT();
  const [state, setState] = useState<Connection['state'] | undefined>(undefined);
  // Paged and searched on the server like the systems list (issue 11); the connection facts come for one page.
  const list = useServerList<Connection, { state?: Connection['state'] }>((request) =>
    api.call('listConnectedSystems', { query: request }),
  );
  return (
    <>
      <PageTitle>{t('Hệ thống đã kết nối', 'Connected systems')}</PageTitle>
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
            { value: 'idle', label: t('Không có giao dịch', 'Idle') },
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
            render: (name: string, c) => <Link to={`/systems/${c.systemId}`}>{name}</Link>,
          },
          { title: t('Cơ quan', 'Organization'), dataIndex: 'organizationCode' },
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
          { title: t('Lần đầu', 'First'), dataIndex: 'firstConnectionAt', render: formatDateTime },
          { title: t('Gần nhất', 'Last'), dataIndex: 'lastConnectionAt', render: formatDateTime },
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
