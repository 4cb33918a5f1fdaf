import { CloseCircleOutlined } from '@ant-design/icons';
import { App, Button, Card, Space, Typography } from 'antd';
import { useState } from 'react';
import { noticeDates } from '../../../../src/api/contract/lifecycle.ts';
import { api, type OperationResponse } from '../../shared/api.ts';
import { useT } from '../../shared/i18n.tsx';
import { useServerList } from '../../shared/server-list.ts';
import { ColourTag, NoticeKindTag } from '../../shared/tags.tsx';
import { formatDateTime } from '../../shared/time.ts';
import { CancelAnnouncementDialog } from '../components/cancel-dialog.tsx';
import { ReviewListToolbar } from '../components/review-list-toolbar.tsx';
import { ServerTable } from '../components/server-table.tsx';
import { useIsOperatorAdmin } from './roles.ts';

type Notice = OperationResponse<'listNotices'>['items'][number];

/** A notice's public page on the portal, where its cancellation, or what it cancels, is read. */
const noticePage = (id: string) => `/portal/notices/${encodeURIComponent(id)}`;

/** A maintenance window the operator may still cancel: announced, not cancelled, not yet over. */
function cancellable(n: Notice): boolean {
  return n.kind === 'maintenance' && !n.cancelledBy && !!n.endsAt && Date.parse(n.endsAt) > Date.now();
}

/**
 * The public notices: deprecations, cancellations of services, maintenance windows and endpoint
 * changes, as the portal and its Atom feed publish them — paged and searched on the server, newest first (issue 11).
 * The operator administrator cancels a maintenance window here that has not ended (a mistyped one would close the
 * service): the gateway serves again at once, and a cancellation notice tells the parties.
 */
export function NoticesScreen() {
  const t = useT();
  const { message } = App.useApp();
  const isAdmin = useIsOperatorAdmin();
  const [target, setTarget] = useState<Notice | null>(null);
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
          {
            title: t('Loại', 'Kind'),
            dataIndex: 'kind',
            render: (k, n) => (
              <Space size={4} wrap>
                <NoticeKindTag kind={k} />
                {n.cancelledBy ? (
                  <ColourTag color="default">
                    {t('Đã huỷ', 'Cancelled')} {formatDateTime(n.cancelledBy.at)}
                  </ColourTag>
                ) : null}
              </Space>
            ),
          },
          { title: t('Tiêu đề', 'Title'), dataIndex: 'title' },
          {
            // In words, as the portal says them: a cancellation's dates are of what it cancelled, and a cancelled
            // notice's are struck through, with the cancellation it links to.
            title: t('Thời gian', 'When'),
            render: (_, n) => {
              const dates = noticeDates(n, formatDateTime);
              return (
                <Space orientation="vertical" size={0}>
                  {dates ? (
                    <Typography.Text delete={!!n.cancelledBy}>{t(dates.vi, dates.en)}</Typography.Text>
                  ) : (
                    '—'
                  )}
                  {n.cancelledBy ? (
                    <Typography.Link href={noticePage(n.cancelledBy.id)} target="_blank">
                      {t('Thông báo huỷ', 'Cancellation')}
                    </Typography.Link>
                  ) : null}
                </Space>
              );
            },
          },
          { title: t('Ngày đăng', 'Published'), dataIndex: 'publishedAt', render: (v) => formatDateTime(v) },
          ...(isAdmin
            ? [
                {
                  title: t('Thao tác', 'Action'),
                  render: (_: unknown, n: Notice) =>
                    cancellable(n) ? (
                      <Button danger icon={<CloseCircleOutlined />} onClick={() => setTarget(n)}>
                        {t('Huỷ lịch bảo trì', 'Cancel maintenance')}
                      </Button>
                    ) : null,
                },
              ]
            : []),
        ]}
      />
      {target && (
        <CancelAnnouncementDialog
          title={t(`Huỷ lịch bảo trì: ${target.title}`, `Cancel maintenance: ${target.title}`)}
          explanation={t(
            `Khung giờ ${formatDateTime(target.startsAt)} → ${formatDateTime(target.endsAt)} sẽ bị huỷ: cổng kết nối phục vụ bình thường ngay, thông báo bảo trì được đánh dấu đã huỷ và một thông báo huỷ được đăng công khai, gửi tới các bên đã được báo. Không hoàn tác được.`,
            `The window ${formatDateTime(target.startsAt)} → ${formatDateTime(target.endsAt)} will be cancelled: the gateway serves as usual at once, the notice is marked cancelled and a cancellation notice is published and sent to the parties told. This cannot be undone.`,
          )}
          okText={t('Huỷ lịch bảo trì', 'Cancel maintenance')}
          onConfirm={async (reason) => {
            await api.call('cancelMaintenance', {
              params: { id: target.id },
              body: reason ? { reason } : {},
            });
            message.success(t('Đã huỷ lịch bảo trì', 'Maintenance cancelled'));
          }}
          onClose={(changed) => {
            setTarget(null);
            if (changed) list.reload();
          }}
        />
      )}
    </Card>
  );
}
