import { Alert, Card, Input, List, Space, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { type NoticeKind, noticeDates } from '../../../src/api/contract/lifecycle.ts';
import { ApiError, api, type OperationResponse, problemText } from '../shared/api.ts';
import { useT } from '../shared/i18n.tsx';
import { useServerList } from '../shared/server-list.ts';
import { ColourTag } from '../shared/tags.tsx';
import { formatDateTime } from '../shared/time.ts';

type Notice = OperationResponse<'listPublicNotices'>['items'][number];

/** Typed by the contract's list of kinds: a new kind fails to compile here until it has a label. */
const KINDS: Record<NoticeKind, { vi: string; en: string; color: string }> = {
  deprecation: { vi: 'Ngừng hỗ trợ phiên bản', en: 'Version deprecation', color: 'orange' },
  decommission: { vi: 'Ngừng cung cấp dịch vụ (R-21)', en: 'Service withdrawal (R-21)', color: 'red' },
  maintenance: { vi: 'Bảo trì', en: 'Maintenance', color: 'blue' },
  endpoint_change: { vi: 'Thay đổi địa chỉ kết nối', en: 'Endpoint change', color: 'purple' },
  announcement: { vi: 'Thông báo chung', en: 'Announcement', color: 'default' },
  maintenance_cancelled: { vi: 'Huỷ bảo trì', en: 'Maintenance cancelled', color: 'green' },
  decommission_cancelled: { vi: 'Huỷ ngừng cung cấp dịch vụ', en: 'Service end cancelled', color: 'green' },
};

/** One notice by id (where the Atom feed's entries link), not looked for in a page of the list. */
function useNotice(id: string) {
  const [notice, setNotice] = useState<Notice | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    setNotice(null);
    setError(null);
    api.call('getPublicNotice', { auth: false, params: { id } }).then(setNotice).catch(setError);
  }, [id]);
  return { notice, error };
}

function NoticeCard({ notice }: { notice: Notice }) {
  const t = useT();
  const kind = KINDS[notice.kind];
  // A cancellation's dates are those of what it cancelled and read so ("Đã huỷ bảo trì dự kiến từ …"); a cancelled
  // notice's dates are struck through: neither reads as something that starts then (contract noticeDates).
  const dates = noticeDates(notice, formatDateTime);
  const cancelled = notice.cancelledBy;
  return (
    <Card
      style={{ width: '100%' }}
      title={<Link to={noticePath(notice.id)}>{notice.title}</Link>}
      extra={
        <Space size={4}>
          {cancelled ? <ColourTag color="default">{t('Đã huỷ', 'Cancelled')}</ColourTag> : null}
          <ColourTag color={kind.color}>{t(kind.vi, kind.en)}</ColourTag>
        </Space>
      }
    >
      <Typography.Paragraph type="secondary">
        {t('Đăng lúc', 'Published')} {formatDateTime(notice.publishedAt)}
        {dates ? (
          <>
            {' · '}
            <Typography.Text type="secondary" delete={!!cancelled} data-testid="notice-dates">
              {t(dates.vi, dates.en)}
            </Typography.Text>
          </>
        ) : null}
      </Typography.Paragraph>
      {cancelled ? (
        <Alert
          type="success"
          showIcon
          style={{ marginBottom: 12 }}
          title={
            <>
              {t(
                `Lịch này đã được huỷ lúc ${formatDateTime(cancelled.at)}. `,
                `This schedule was cancelled at ${formatDateTime(cancelled.at)}. `,
              )}
              <Link to={noticePath(cancelled.id)} style={UNDERLINED}>
                {t('Xem thông báo huỷ', 'See the cancellation')}
              </Link>
            </>
          }
        />
      ) : null}
      {notice.cancelsNoticeId ? (
        <Typography.Paragraph>
          <Link to={noticePath(notice.cancelsNoticeId)} style={UNDERLINED}>
            {t('Xem thông báo bị huỷ', 'See the cancelled notice')}
          </Link>
        </Typography.Paragraph>
      ) : null}
      <Typography.Paragraph style={{ whiteSpace: 'pre-wrap' }}>{notice.body}</Typography.Paragraph>
    </Card>
  );
}

const noticePath = (id: string) => `/portal/notices/${encodeURIComponent(id)}`;
/** A link inside a sentence is told from the text by more than its colour (WCAG 1.4.1). */
const UNDERLINED = { textDecoration: 'underline' } as const;

/**
 * Public notices: deprecations, withdrawals, cancellations and maintenance, newest first, searched and paged
 * on the server (issue 11); also as an Atom feed.
 */
export function Notices() {
  const t = useT();
  const list = useServerList<Notice>(
    (request) => api.call('listPublicNotices', { auth: false, query: request }),
    {},
    10,
  );
  return (
    <Space orientation="vertical" style={{ width: '100%' }} size="large">
      <Typography.Title level={1} style={{ fontSize: 26 }}>
        {t('Thông báo', 'Notices')}
      </Typography.Title>
      <Typography.Paragraph>
        {t(
          'Thông báo ngừng hỗ trợ, ngừng cung cấp, huỷ kết nối và bảo trì. Trang thông tin chuyển đổi số của tỉnh có thể đăng lại qua nguồn tin Atom: ',
          'Deprecations, withdrawals, cancellations and maintenance. The province’s digital-transformation site can republish them from the Atom feed: ',
        )}
        <Typography.Link href="/api/v1/public/notices.atom" underline>
          /api/v1/public/notices.atom
        </Typography.Link>
      </Typography.Paragraph>
      <Input.Search
        aria-label={t('Tìm thông báo', 'Search notices')}
        placeholder={t('Tìm theo tiêu đề, nội dung…', 'Search by title, body…')}
        allowClear
        enterButton
        onSearch={list.search}
        style={{ maxWidth: 480 }}
      />
      {list.error ? <Alert type="error" showIcon title={problemText(list.error, t)} /> : null}
      <List
        loading={list.loading}
        dataSource={list.items}
        pagination={{ ...list.pagination, align: 'center' }}
        locale={{ emptyText: t('Chưa có thông báo', 'No notices yet') }}
        renderItem={(notice) => (
          <List.Item>
            <NoticeCard notice={notice} />
          </List.Item>
        )}
      />
    </Space>
  );
}

/** One notice, where the Atom feed's entries link to. */
export function NoticePage() {
  const t = useT();
  const { id = '' } = useParams();
  const { notice, error } = useNotice(id);
  const missing = error instanceof ApiError && error.status === 404;
  return (
    <Space orientation="vertical" style={{ width: '100%' }}>
      <Link to="/portal/notices">← {t('Thông báo', 'Notices')}</Link>
      {missing ? (
        <Alert type="warning" showIcon title={t('Không tìm thấy thông báo này', 'No such notice')} />
      ) : error ? (
        <Alert type="error" showIcon title={problemText(error, t)} />
      ) : notice ? (
        <NoticeCard notice={notice} />
      ) : null}
    </Space>
  );
}
