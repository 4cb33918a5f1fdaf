import { CopyOutlined } from '@ant-design/icons';
import { Alert, App, Button, Checkbox, Descriptions, Modal, Typography } from 'antd';
import { useState } from 'react';
import { useT } from '../../shared/i18n.tsx';
import { READABLE_LABELS } from './common.tsx';

/** A consumer key and the secret the API answered once (collect, rotate): what this step shows. */
export interface OneTimeSecret {
  consumerKey: string;
  consumerSecret: string;
  environment: string;
  /** After a rotation: until when the old key keeps working (the overlap, R-19). */
  oldKeyWorksUntil?: string | null;
}

/**
 * The one step where a secret is on screen: "chỉ hiện một lần / shown only now", a copy button, and the
 * box "Tôi đã lưu / I have stored it" that must be ticked before the step closes. The parent hands the secret in
 * and drops it on `onDone`, so after closing it is neither on the page nor kept in memory by the console.
 */
export function SecretOnceModal({ secret, onDone }: { secret: OneTimeSecret | null; onDone: () => void }) {
  const t = useT();
  const { message } = App.useApp();
  const [stored, setStored] = useState(false);

  const close = () => {
    setStored(false);
    onDone();
  };

  const copy = async (text: string) => {
    try {
      await navigator.clipboard.writeText(text);
      message.success(t('Đã sao chép', 'Copied'));
    } catch {
      message.warning(
        t('Không sao chép được, hãy chọn và sao chép thủ công', 'Could not copy; select and copy it'),
      );
    }
  };

  return (
    <Modal
      open={secret !== null}
      title={t('Khoá bí mật — chỉ hiện một lần', 'Secret key — shown only now')}
      closable={false}
      mask={{ closable: false }}
      keyboard={false}
      destroyOnHidden
      footer={
        <Button type="primary" disabled={!stored} onClick={close}>
          {t('Đóng', 'Close')}
        </Button>
      }
    >
      {secret ? (
        <>
          <Alert
            type="warning"
            showIcon
            title={t(
              'Khoá bí mật chỉ hiện một lần, ngay bây giờ. Nền tảng chỉ lưu bản băm, không ai xem lại được. Hãy lưu vào nơi an toàn của hệ thống khai thác.',
              'The secret is shown only now. The platform keeps only its hash; nobody can show it again. Store it safely in your consumer system.',
            )}
          />
          <Descriptions styles={READABLE_LABELS} column={1} size="small" style={{ marginTop: 16 }} bordered>
            <Descriptions.Item label={t('Môi trường', 'Environment')}>{secret.environment}</Descriptions.Item>
            <Descriptions.Item label="Consumer key">
              <Typography.Text code>{secret.consumerKey}</Typography.Text>
            </Descriptions.Item>
            <Descriptions.Item label={t('Khoá bí mật (consumer secret)', 'Consumer secret')}>
              <Typography.Text code data-testid="one-time-secret">
                {secret.consumerSecret}
              </Typography.Text>{' '}
              <Button
                size="small"
                icon={<CopyOutlined />}
                aria-label={t('Sao chép khoá bí mật', 'Copy the secret')}
                onClick={() => void copy(secret.consumerSecret)}
              />
            </Descriptions.Item>
            {secret.oldKeyWorksUntil ? (
              <Descriptions.Item label={t('Khoá cũ còn dùng được đến', 'Old key works until')}>
                {secret.oldKeyWorksUntil}
              </Descriptions.Item>
            ) : null}
          </Descriptions>
          <Checkbox checked={stored} onChange={(e) => setStored(e.target.checked)} style={{ marginTop: 16 }}>
            {t('Tôi đã lưu khoá bí mật', 'I have stored it')}
          </Checkbox>
        </>
      ) : null}
    </Modal>
  );
}
