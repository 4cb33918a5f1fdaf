import { CloseOutlined } from '@ant-design/icons';
import { App, Button, Form, Input, Modal } from 'antd';
import { type ReactNode, useState } from 'react';
import { useT } from '../../shared/i18n.tsx';
import { ProblemAlert } from './page.tsx';

/**
 * A decisive or destructive review action (reject, return for completion, approve with a note): a button that opens
 * a dialog with the reason field, sends it, reports success, and shows the API's refusal text in place.
 * `multiple`: one reason or missing item per line, sent as a list (the API takes `reasons: string[]` there).
 */
export function ReviewReasonButton({
  label,
  title,
  fieldLabel,
  okText,
  danger,
  primary,
  optional,
  multiple,
  icon,
  successText,
  onSubmit,
}: {
  label: string;
  title: string;
  fieldLabel: string;
  okText: string;
  danger?: boolean;
  primary?: boolean;
  optional?: boolean;
  multiple?: boolean;
  icon?: ReactNode;
  successText: string;
  onSubmit: (text: string, lines: string[]) => Promise<unknown>;
}) {
  const t = useT();
  const { message } = App.useApp();
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [form] = Form.useForm<{ text?: string }>();

  const submit = async () => {
    const { text = '' } = await form.validateFields();
    const lines = text
      .split('\n')
      .map((line) => line.trim())
      .filter(Boolean);
    setBusy(true);
    setError(null);
    try {
      await onSubmit(text.trim(), lines);
      message.success(successText);
      setOpen(false);
      form.resetFields();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <Button
        type={primary ? 'primary' : 'default'}
        danger={danger}
        icon={icon}
        onClick={() => setOpen(true)}
      >
        {label}
      </Button>
      <Modal
        open={open}
        title={title}
        okText={okText}
        cancelText={t('Huỷ', 'Cancel')}
        okButtonProps={{ danger, loading: busy }}
        onOk={() => void submit()}
        onCancel={() => setOpen(false)}
        destroyOnHidden
      >
        <Form form={form} layout="vertical" preserve={false}>
          <Form.Item
            name="text"
            label={fieldLabel}
            extra={multiple ? t('Mỗi dòng một nội dung', 'One item per line') : undefined}
            rules={
              optional
                ? []
                : [{ required: true, whitespace: true, message: t('Cần nhập nội dung', 'Required') }]
            }
          >
            <Input.TextArea rows={4} maxLength={2000} />
          </Form.Item>
        </Form>
        <ProblemAlert error={error} />
      </Modal>
    </>
  );
}

/** The review's "Từ chối / Reject" action: a red button whose dialog asks for the reason the applicant reads. */
export function RejectButton({
  title,
  fieldLabel,
  multiple,
  successText,
  onSubmit,
}: {
  title: string;
  fieldLabel?: string;
  multiple?: boolean;
  successText: string;
  onSubmit: (text: string, lines: string[]) => Promise<unknown>;
}) {
  const t = useT();
  return (
    <ReviewReasonButton
      danger
      multiple={multiple}
      icon={<CloseOutlined />}
      label={t('Từ chối', 'Reject')}
      title={title}
      fieldLabel={fieldLabel ?? (multiple ? t('Lý do từ chối', 'Reasons') : t('Lý do từ chối', 'Reason'))}
      okText={t('Từ chối', 'Reject')}
      successText={successText}
      onSubmit={onSubmit}
    />
  );
}
