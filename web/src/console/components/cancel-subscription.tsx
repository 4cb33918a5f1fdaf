import { Button, Popconfirm } from 'antd';
import { useT } from '../../shared/i18n.tsx';
import { DANGER_BUTTON, DANGER_OK } from './page.tsx';

/** The consumer stops using a subscription, after a confirmation: its keys for the service are revoked. */
export function CancelSubscriptionButton({ onConfirm }: { onConfirm: () => unknown }) {
  const t = useT();
  return (
    <Popconfirm
      title={t('Huỷ đăng ký khai thác?', 'Cancel this subscription?')}
      description={t(
        'Không hoàn tác được: các khoá của hệ thống dành cho dịch vụ này bị thu hồi.',
        "Cannot be undone: the system's keys for this service are revoked.",
      )}
      okText={t('Huỷ đăng ký', 'Cancel subscription')}
      okButtonProps={DANGER_OK}
      cancelText={t('Không', 'No')}
      onConfirm={onConfirm}
    >
      <Button size="small" {...DANGER_BUTTON}>
        {t('Huỷ đăng ký', 'Cancel')}
      </Button>
    </Popconfirm>
  );
}
