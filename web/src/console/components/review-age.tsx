import { Space, Tag, Typography } from 'antd';
import { useT } from '../../shared/i18n.tsx';
import { formatAge, formatDeadline } from '../../shared/time.ts';

/**
 * How long a request has waited, and its deadline of 2 working days (Decree 194/2025) when the API computed one:
 * the working days and holidays are the platform's, never recounted in the browser. Overdue reads in red.
 */
export function ReviewAge({
  since,
  deadlineAt,
  overdue,
}: {
  since: string;
  deadlineAt?: string | null;
  overdue?: boolean | null;
}) {
  const t = useT();
  const age = formatAge(since);
  const due = formatDeadline(deadlineAt);
  return (
    // Each line whole: in the review queues' narrow column "Hạn 09/12/2026 06:28" broke inside the date.
    <Space orientation="vertical" size={0} style={{ whiteSpace: 'nowrap' }}>
      <Typography.Text>
        {t('Đã chờ', 'Waiting')} {t(age.vi, age.en)}
      </Typography.Text>
      {deadlineAt ? (
        overdue ? (
          <Tag color="red">
            {t('Quá hạn', 'Overdue')} · {t(due.vi, due.en)}
          </Tag>
        ) : (
          <Typography.Text type="secondary">
            {t('Hạn', 'Due')} {t(due.vi, due.en)}
          </Typography.Text>
        )
      ) : null}
    </Space>
  );
}
