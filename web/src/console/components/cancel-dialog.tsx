import { Form, Input, Modal, Typography } from 'antd';
import { useState } from 'react';
import { useT } from '../../shared/i18n.tsx';
import { ProblemAlert } from './page.tsx';

/**
 * The confirmation before cancelling something already announced to the public (a maintenance window, a service's
 * scheduled end; ): says what follows, takes an optional reason (published in the cancellation notice),
 * and shows the API's refusal in place. `onConfirm` makes the call; the dialog closes once it succeeds.
 */
export function CancelAnnouncementDialog({
  title,
  explanation,
  okText,
  onConfirm,
  onClose,
}: {
  title: string;
  explanation: string;
  okText: string;
  onConfirm: (reason: string | undefined) => Promise<void>;
  onClose: (changed: boolean) => void;
}) {
  const t = useT();
  const [form] = Form.useForm<{ reason?: string }>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const submit = async () => {
    const { reason } = await form.validateFields();
    setBusy(true);
    setError(null);
    try {
      await onConfirm(reason?.trim() || undefined);
      onClose(true);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal
      open
      title={title}
      okText={okText}
      cancelText={t('Đóng', 'Close')}
      okButtonProps={{ danger: true, loading: busy }}
      onOk={() => void submit()}
      onCancel={() => onClose(false)}
    >
      <Typography.Paragraph>{explanation}</Typography.Paragraph>
      <Form form={form} layout="vertical">
        <Form.Item
          name="reason"
          label={t('Lý do huỷ (không bắt buộc, được đăng công khai)', 'Reason (optional, published)')}
        >
          <Input.TextArea rows={3} maxLength={2000} />
        </Form.Item>
      </Form>
      <ProblemAlert error={error} />
    </Modal>
  );
}
