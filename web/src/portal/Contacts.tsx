import { Alert, Input, Table, Typography } from 'antd';
import { api, type OperationResponse, problemText } from '../shared/api.ts';
import { useT } from '../shared/i18n.tsx';
import { usePartyName } from '../shared/party-name.ts';
import { useServerList } from '../shared/server-list.ts';
import { useTableScroll } from '../shared/table-scroll.ts';

type Organization = OperationResponse<'listPublicContacts'>['items'][number];

/** Each agency's contact point for data sharing, searched and paged on the server (issue 11). */
export function Contacts() {
  const t = useT();
  const partyName = usePartyName();
  const scroll = useTableScroll();
  const list = useServerList<Organization>((request) =>
    api.call('listPublicContacts', { auth: false, query: request }),
  );
  return (
    <>
      <Typography.Title level={1} style={{ fontSize: 26 }}>
        {t('Đầu mối liên hệ của các cơ quan', 'Agencies’ contact points')}
      </Typography.Title>
      <Input.Search
        aria-label={t('Tìm cơ quan, cán bộ đầu mối', 'Search agencies, contacts')}
        placeholder={t('Tìm theo mã, tên cơ quan, tên cán bộ…', 'Search by code, agency, contact name…')}
        allowClear
        enterButton
        onSearch={list.search}
        style={{ maxWidth: 480, marginBottom: 16 }}
      />
      {list.error ? <Alert type="error" showIcon title={problemText(list.error, t)} /> : null}
      <Table
        rowKey="code"
        scroll={scroll}
        loading={list.loading}
        dataSource={list.items}
        pagination={list.pagination}
        columns={[
          { title: t('Mã cơ quan', 'Code'), dataIndex: 'code' },
          {
            title: t('Cơ quan', 'Organization'),
            dataIndex: 'name',
            render: (name: string, o: Organization) => partyName('organization', o.code, name),
          },
          { title: t('Cán bộ đầu mối', 'Contact'), render: (_, o: Organization) => o.contact?.name ?? '—' },
          {
            title: t('Chức vụ, đơn vị', 'Title, unit'),
            render: (_, o: Organization) =>
              [o.contact?.title, o.contact?.unit].filter(Boolean).join(', ') || '—',
          },
          { title: t('Điện thoại', 'Phone'), render: (_, o: Organization) => o.contact?.phone ?? '—' },
          { title: 'E-mail', render: (_, o: Organization) => o.contact?.email ?? '—' },
        ]}
      />
    </>
  );
}
