import { Card, Typography } from 'antd';
import { api, type OperationResponse } from '../../shared/api.ts';
import { useT } from '../../shared/i18n.tsx';
import { useServerList } from '../../shared/server-list.ts';
import { NoticeKindTag } from '../../shared/tags.tsx';
import { formatDateTime } from '../../shared/time.ts';
import { ReviewListToolbar } from '../components/review-list-toolbar.tsx';
import { ServerTable } from '../components/server-table.tsx';

type Notice = OperationResponse<'listNotices'>['items'][number];

/**
 * The public notices (R-10, R-21, R-24): deprecations, cancellations of services, maintenance windows and endpoint
 * changes, as the portal and its Atom feed publish them — paged and searched on the server, newest first (issue 11).
 */
export function NoticesScreen() {
  const t = useT();
  const list = useServerList<Notice>((request) => api.call('listNotices', { query: request }));
  return (
    <Card
      title={<h1 style={{ fontSize: 20, margin: 0 }}>{t('Thông báo công khai', 'Public notices')}</h1>}
      extra={
        <Typography.Link href="/api/v1/public/notices.atom">
          {t('Nguồn tin Atom', 'Atom feed')}
        </Typography.Link>
      }
    >
      <ReviewListToolbar
        searchLabel={t('Tìm theo tiêu đề, nội dung', 'Search by title, body')}
        onSearch={list.search}
      />
      <ServerTable<Notice>
        list={list}
        emptyText={t('Chưa có thông báo nào', 'No notices yet')}
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
