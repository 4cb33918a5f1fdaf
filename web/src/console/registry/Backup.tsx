import { Alert, Card, Descriptions, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { api } from '../../shared/api.ts';
import { useT } from '../../shared/i18n.tsx';
import { PageTitle, ProblemAlert, READABLE_LABEL } from '../components/page.tsx';

/**
 * Backup status. The platform keeps no record of backups: they are made outside it, by `lgsp backup` (the
 * embedded store only while the platform is stopped; PostgreSQL while it runs) or by the database's own tools, so
 * the API has no backup operation to read. This screen says so plainly, shows what the node's health does report
 * (store, configuration revision, records waiting to be written), and how to back up and check a backup.
 */
export function Backup() {
  const t = useT();
  const [health, setHealth] = useState<Record<string, unknown> | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    api
      .call('getHealth')
      .then((h) => setHealth(h as Record<string, unknown>))
      .catch(setError);
  }, []);

  const store = String(health?.['store'] ?? '—');
  return (
    <>
      <PageTitle>{t('Sao lưu và tình trạng nền tảng', 'Backup and platform status')}</PageTitle>
      <Alert
        type="info"
        showIcon
        style={{ marginBottom: 16 }}
        title={t(
          'Nền tảng không tự ghi nhận các lần sao lưu, nên bảng điều khiển không hiển thị được lần sao lưu gần nhất.',
          'The platform does not record backups itself, so the console cannot show the last backup.',
        )}
        description={t(
          'Sao lưu bằng lệnh lgsp backup theo lịch của máy chủ (cron, systemd timer) và theo dõi kết quả của lịch đó.',
          "Back up with lgsp backup on the server's schedule (cron, systemd timer) and watch that schedule's results.",
        )}
      />
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
