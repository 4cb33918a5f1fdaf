import { Button, Space, Typography } from 'antd';
import { useT } from '../../shared/i18n.tsx';

/** "Previous / next" under a cursor-paged list, with the page number. */
export function KeysetPager({
  page,
  hasPrevious,
  hasNext,
  onPrevious,
  onNext,
}: {
  page: number;
  hasPrevious: boolean;
  hasNext: boolean;
  onPrevious: () => void;
  onNext: () => void;
}) {
  const t = useT();
  return (
    <Space style={{ marginTop: 16 }}>
      <Button disabled={!hasPrevious} onClick={onPrevious}>
        {t('‹ Trang trước', '‹ Previous')}
      </Button>
      <Typography.Text>{t(`Trang ${page}`, `Page ${page}`)}</Typography.Text>
      <Button disabled={!hasNext} onClick={onNext}>
        {t('Trang sau ›', 'Next ›')}
      </Button>
    </Space>
  );
}
