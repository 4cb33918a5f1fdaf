import { Alert, Table, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { api, type OperationResponse, problemText } from '../shared/api.ts';
import { useT } from '../shared/i18n.tsx';

type Organization = OperationResponse<'listPublicContacts'>['items'][number];

/** Each agency's contact point for data sharing. */
export function Contacts() {
  const t = useT();
  const [items, setItems] = useState<Organization[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  useEffect(() => {
    api
      .call('listPublicContacts', { auth: false })
      .then((answer) => setItems(answer.items))
      .catch(setError)
      .finally(() => setLoading(false));
  }, []);
  return (
    <>
      <Typography.Title level={1} style={{ fontSize: 26 }}>
        {t('Đầu mối liên hệ của các cơ quan', 'Agencies’ contact points')}
      </Typography.Title>
      {error ? <Alert type="error" showIcon title={problemText(error, t)} /> : null}
      <Table
        rowKey="code"
        loading={loading}
        dataSource={items}
        columns={[
          { title: t('Mã cơ quan', 'Code'), dataIndex: 'code' },
          { title: t('Cơ quan', 'Organization'), dataIndex: 'name' },
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
