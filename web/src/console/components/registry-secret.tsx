import { Alert, Descriptions, Modal, Typography } from 'antd';
import { useT } from '../../shared/i18n.tsx';
import { READABLE_LABEL } from './registry-page.tsx';

/**
 * A secret the API answers once (a consumer secret, a webhook signing secret), shown on the screen that issued it
 * with a copy button and "chỉ hiện một lần / shown only now". The caller keeps it only while this modal is open and
 * drops it in `onClose`, so once closed it is gone from the page (and never in localStorage).
 */
export function SecretOnceModal({
  open,
  title,
  fields,
  secretLabel,
  secret,
  onClose,
}: {
  open: boolean;
  title: string;
  /** Public facts beside the secret (consumer key, environment…). */
  fields: Array<{ label: string; value: string }>;
  secretLabel: string;
  secret: string | null;
  onClose: () => void;
}) {
  const t = useT();
  return (
    <Modal
      open={open && secret !== null}
      title={title}
      onOk={onClose}
      onCancel={onClose}
      okText={t('Tôi đã lưu bí mật', 'I have saved the secret')}
      cancelButtonProps={{ style: { display: 'none' } }}
      mask={{ closable: false }}
      destroyOnHidden
    >
      <Alert
        type="warning"
        showIcon
        title={t(
          'Chỉ hiện một lần: hãy sao chép và cất giữ ngay. Sau khi đóng, không ai xem lại được.',
          'Shown only now: copy it and keep it safe. Once closed, nobody can see it again.',
        )}
        style={{ marginBottom: 16 }}
      />
      <Descriptions
        styles={READABLE_LABEL}
        column={1}
        bordered
        size="small"
        items={[
          ...fields.map((f) => ({ key: f.label, label: f.label, children: f.value })),
          {
            key: 'secret',
            label: secretLabel,
            children: (
              <Typography.Text
                code
                data-testid="secret-once"
                copyable={{
                  text: secret ?? '',
                  tooltips: [t('Sao chép', 'Copy'), t('Đã sao chép', 'Copied')],
                }}
              >
                {secret}
              </Typography.Text>
            ),
          },
        ]}
      />
      <Typography.Paragraph type="secondary" style={{ marginTop: 12, marginBottom: 0 }}>
        {t('chỉ hiện một lần / shown only now', 'shown only now / chỉ hiện một lần')}
      </Typography.Paragraph>
    </Modal>
  );
}
