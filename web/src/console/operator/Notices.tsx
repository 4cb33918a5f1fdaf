import { Alert, Card, Table, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { api, type OperationResponse, problemText } from '../../shared/api.ts';
import { useT } from '../../shared/i18n.tsx';
import { NoticeKindTag } from '../../shared/tags.tsx';
import { formatDateTime } from '../../shared/time.ts';
import { EmptyState } from '../components/page.tsx';

type Notice = OperationResponse<'listNotices'>['items'][number];

/**
 * The public notices (R-10, R-21, R-24): deprecations, cancellations of services, maintenance windows and endpoint
 * changes, as the portal and its Atom feed publish them. `listNotices` takes no paging yet: the API answers its 500
 * newest notices at most (a handful a month in a province), paged here in the table — the one list of the operator
 * screens not paged on the server, until the operation takes `limit`/`offset` like the others.
 */
export function NoticesScreen() {
  const t = useT();
  const [notices, setNotices] = useState<Notice[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    api
      .call('listNotices')
      .then((answer) => setNotices(answer.items))
      .catch(setError);
  }, []);
  return (
    <Card
      title={<h1 style={{ fontSize: 20, margin: 0 }}>{t('Thông báo công khai', 'Public notices')}</h1>}
      extra={
        <Typography.Link href="/api/v1/public/notices.atom">
          {t('Nguồn tin Atom', 'Atom feed')}
        </Typography.Link>
      }
    >
      {error ? <Alert type="error" showIcon message={problemText(error, t)} /> : null}
      <Table<Notice>
        rowKey="id"
        loading={notices === null && !error}
        dataSource={notices ?? []}
        pagination={{ pageSize: 20, showSizeChanger: false }}
        locale={{ emptyText: <EmptyState text={t('Chưa có thông báo nào', 'No notices yet')} /> }}
        expandable={{
          expandedRowRender: (n) => (
            <Typography.Paragraph style={{ whiteSpace: 'pre-line', margin: 0 }}>
              {n.body}
            </Typography.Paragraph>
          ),
        }}
        columns={[
          { title: t('Loại', 'Kind'), dataIndex: 'kind', render: (k) => <NoticeKindTag kind={k} /> },
          { title: t('Tiêu đề', 'Title'), dataIndex: 'title' },
          {
            title: t('Hiệu lực', 'When'),
            render: (_, n) =>
              n.startsAt
                ? `${formatDateTime(n.startsAt)}${n.endsAt ? ` → ${formatDateTime(n.endsAt)}` : ''}`
                : '—',
          },
          { title: t('Ngày đăng', 'Published'), dataIndex: 'publishedAt', render: (v) => formatDateTime(v) },
        ]}
      />
    </Card>
  );
}
