import { CopyOutlined } from '@ant-design/icons';
import { Alert, App, Button, Checkbox, Descriptions, Modal, Typography } from 'antd';
import { useState } from 'react';
import { useT } from '../../shared/i18n.tsx';
import { READABLE_LABEL } from './page.tsx';

/**
 * The one step where a secret is on screen — a consumer secret, a webhook signing secret: "chỉ hiện một lần /
 * shown only now", a copy button, and the box "Tôi đã lưu / I have stored it" that must be ticked before the step
 * closes. The caller hands the secret in and drops it in `onClose`, so once closed it is neither on the page nor kept
 * by the console (never in localStorage).
 */
export function SecretOnceModal({
  title,
  fields,
  secretLabel,
  secret,
  onClose,
}: {
  title: string;
  /** Public facts beside the secret (consumer key, environment, URL…); `code` for identifiers a person copies. */
  fields: Array<{ label: string; value: string; code?: boolean }>;
  secretLabel: string;
  /** The secret, or null when no step is open. */
  secret: string | null;
  onClose: () => void;
}) {
  const t = useT();
  const { message } = App.useApp();
  const [stored, setStored] = useState(false);

  const close = () => {
    setStored(false);
    onClose();
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
      title={`${title} — ${t('chỉ hiện một lần', 'shown only now')}`}
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
      {secret !== null ? (
        <>
          <Alert
            type="warning"
            showIcon
            title={t(
              'Bí mật chỉ hiện một lần, ngay bây giờ. Nền tảng không lưu bản rõ, không ai xem lại được. Hãy sao chép và cất giữ ở nơi an toàn.',
              'The secret is shown only now. The platform keeps no readable copy; nobody can show it again. Copy it and store it safely.',
            )}
          />
          <Descriptions styles={READABLE_LABEL} column={1} size="small" style={{ marginTop: 16 }} bordered>
            {fields.map((field) => (
              <Descriptions.Item key={field.label} label={field.label}>
                {field.code ? <Typography.Text code>{field.value}</Typography.Text> : field.value}
              </Descriptions.Item>
            ))}
            <Descriptions.Item label={secretLabel}>
              <Typography.Text code data-testid="secret-once">
                {secret}
              </Typography.Text>{' '}
              <Button
                size="small"
                icon={<CopyOutlined />}
                aria-label={t('Sao chép bí mật', 'Copy the secret')}
                onClick={() => void copy(secret)}
              />
            </Descriptions.Item>
          </Descriptions>
          <Checkbox checked={stored} onChange={(e) => setStored(e.target.checked)} style={{ marginTop: 16 }}>
            {t('Tôi đã lưu khoá bí mật', 'I have stored it')}
          </Checkbox>
        </>
      ) : null}
    </Modal>
  );
}
/** A consumer key and the secret the API answered once (issue, collect, rotate). */
export interface OneTimeSecret {
  consumerKey: string;
  consumerSecret: string;
  /** The environment as a person reads it ("Sandbox", "Chính thức"). */
  environment: string;
  /** After a rotation: until when the old key keeps working (the overlap, R-19). */
  oldKeyWorksUntil?: string | null;
}

/** The secret-once step for a consumer credential: environment, consumer key, then the secret. */
export function ConsumerSecretModal({
  title,
  secret,
  onClose,
}: {
  title?: string;
  secret: OneTimeSecret | null;
  onClose: () => void;
}) {
  const t = useT();
  const fields = secret
    ? [
        { label: t('Môi trường', 'Environment'), value: secret.environment },
        { label: 'Consumer key', value: secret.consumerKey, code: true },
        ...(secret.oldKeyWorksUntil
          ? [{ label: t('Khoá cũ còn dùng được đến', 'Old key works until'), value: secret.oldKeyWorksUntil }]
          : []),
      ]
    : [];
  return (
    <SecretOnceModal
      title={title ?? t('Khoá bí mật', 'Secret key')}
      fields={fields}
      secretLabel={t('Khoá bí mật (consumer secret)', 'Consumer secret')}
      secret={secret?.consumerSecret ?? null}
      onClose={onClose}
    />
  );
}
