import { Alert, Card, Descriptions, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { api, type OperationResponse } from '../../shared/api.ts';
import { useT } from '../../shared/i18n.tsx';
import { useFormatSize } from '../../shared/size.ts';
import { formatDateTime } from '../../shared/time.ts';
import { PageTitle, ProblemAlert, READABLE_LABEL } from '../components/page.tsx';

/**
 * Backup status. Scheduled backups (`backup.schedule`) are files the platform writes and reads back whole
 * into its backup folder: the screen shows the setting, the newest verified backup and when the next is due, late in
 * red (`getBackupStatus`). A hand-run `lgsp backup` or the database's own tools are outside the platform's view;
 * the screen says how to make and restore one, beside what the node's health reports.
 */
export function Backup() {
  const t = useT();
  const size = useFormatSize();
  const [health, setHealth] = useState<Record<string, unknown> | null>(null);
  const [backups, setBackups] = useState<OperationResponse<'getBackupStatus'> | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    api
      .call('getHealth')
      .then((h) => setHealth(h as Record<string, unknown>))
      .catch(setError);
    api.call('getBackupStatus').then(setBackups).catch(setError);
  }, []);

  const store = String(health?.['store'] ?? '—');
  // The job looks every minute; a backup several minutes past its time did not happen.
  const late = backups?.nextDueAt ? Date.now() > Date.parse(backups.nextDueAt) + 10 * 60_000 : false;
  return (
    <>
      <PageTitle>{t('Sao lưu và tình trạng nền tảng', 'Backup and platform status')}</PageTitle>
      {backups && !backups.schedule && (
        <Alert
          type="info"
          showIcon
          style={{ marginBottom: 16 }}
          title={t('Sao lưu tự động đang tắt.', 'Scheduled backups are off.')}
          description={t(
            'Đặt backup.schedule (LGSP_BACKUP_SCHEDULE, ví dụ 1d) để nền tảng tự sao lưu và đọc lại kiểm tra từng bản, hoặc chạy lgsp backup theo lịch của máy chủ (cron, systemd timer).',
            "Set backup.schedule (LGSP_BACKUP_SCHEDULE, e.g. 1d) for the platform to back up by itself and read each copy back, or run lgsp backup on the server's schedule (cron, systemd timer).",
          )}
        />
      )}
      {backups?.schedule && (
        <Descriptions
          styles={READABLE_LABEL}
          bordered
          size="small"
          column={1}
          style={{ marginBottom: 16 }}
          title={t('Sao lưu tự động', 'Scheduled backups')}
          items={[
            { key: 'schedule', label: t('Chu kỳ', 'Every'), children: backups.schedule },
            {
              key: 'newest',
              label: t('Bản mới nhất (đã kiểm tra)', 'Newest (verified)'),
              children: backups.newest
                ? `${formatDateTime(backups.newest.at)} — ${backups.newest.file} (${size(backups.newest.bytes)})`
                : t('Chưa có bản nào', 'None yet'),
            },
            {
              key: 'count',
              label: t('Số bản đang giữ', 'Copies kept'),
              children: `${backups.count} / ${backups.keep}`,
            },
            {
              key: 'next',
              label: t('Lần tới đến hạn', 'Next due'),
              children: backups.nextDueAt ? (
                <Typography.Text type={late ? 'danger' : undefined}>
                  {formatDateTime(backups.nextDueAt)}
                  {late
                    ? ` — ${t('quá hạn, xem nhật ký của nút chạy việc sao lưu', 'late: see the log of the node running backups')}`
                    : ''}
                </Typography.Text>
              ) : (
                '—'
              ),
            },
            { key: 'dir', label: t('Thư mục', 'Folder'), children: <code>{backups.dir}</code> },
          ]}
        />
      )}
      <ProblemAlert error={error} />
      {health && (
        <Descriptions
          styles={READABLE_LABEL}
          bordered
          size="small"
          column={1}
          style={{ marginBottom: 16 }}
          title={t('Tình trạng của nút này', "This node's health")}
          items={[
            {
              key: 'status',
              label: t('Trạng thái', 'Status'),
              children:
                health['status'] === 'ok'
                  ? t('Hoạt động bình thường', 'Running normally')
                  : String(health['status']),
            },
            {
              key: 'store',
              label: t('Kho dữ liệu', 'Store'),
              children:
                store === 'pglite'
                  ? t('Kho nhúng (PGlite)', 'Embedded (PGlite)')
                  : store === 'postgres'
                    ? 'PostgreSQL'
                    : store,
            },
            {
              key: 'revision',
              label: t('Phiên bản cấu hình', 'Configuration revision'),
              children: String(health['revision'] ?? '—'),
            },
            {
              key: 'backlog',
              label: t('Bản ghi giao dịch đang chờ ghi', 'Transaction records waiting to be written'),
              children: String(health['recorderBacklog'] ?? '—'),
            },
          ]}
        />
      )}
      <Card title={t('Cách sao lưu và khôi phục', 'How to back up and restore')}>
        <Typography.Paragraph>
          {store === 'pglite'
            ? t(
                'Kho nhúng chỉ sao lưu được khi nền tảng đã dừng:',
                'The embedded store is backed up only while the platform is stopped:',
              )
            : t(
                'PostgreSQL được sao lưu trong khi nền tảng chạy (một ảnh chụp nhất quán):',
                'PostgreSQL is backed up while the platform runs (one consistent snapshot):',
              )}
        </Typography.Paragraph>
        <pre>lgsp backup --out /var/backups/lgsp/lgsp-backup-$(date -u +%Y%m%dT%H%M%SZ).jsonl.gz</pre>
        <Typography.Paragraph>
          {t(
            'Khôi phục vào một kho trống trước khi khởi động (docs/cli.md). Giữ khoá mã hoá khoá (KEK) tách khỏi bản sao lưu.',
            'Restore into an empty store before starting (docs/cli.md). Keep the key-encryption key (KEK) apart from the backups.',
          )}
        </Typography.Paragraph>
        <pre>lgsp restore --from /var/backups/lgsp/lgsp-backup-….jsonl.gz</pre>
      </Card>
    </>
  );
}
