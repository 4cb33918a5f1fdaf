import { App, Form, Input, Modal } from 'antd';
import type { Dayjs } from 'dayjs';
import { useState } from 'react';
import { api, type OperationResponse } from '../../shared/api.ts';
import { type Translate, useT } from '../../shared/i18n.tsx';
import { formatDateTime } from '../../shared/time.ts';
import { CancelAnnouncementDialog } from './cancel-dialog.tsx';
import { ProblemAlert } from './page.tsx';
import { pickedVietnamTimeToIso, ReviewDateTimePicker } from './review-datetime.tsx';

/**
 * Ending a service, the same for whoever may do it — the operator administrator on the lifecycle screen, the
 * provider's own agency on its service's page (the API allows both): the form that announces the end, the dialog
 * that cancels it before its date.
 */

type Service = OperationResponse<'getService'>;

/** A scheduled end that may still be cancelled: its date has not come. */
export function decommissionCancellable(s: Service): boolean {
  return !s.decommissionedAt && !!s.decommissionAt && Date.parse(s.decommissionAt) > Date.now();
}

/** Whether the service may be announced to end: no end is scheduled or done. */
export function decommissionable(s: Service): boolean {
  return !s.decommissionAt && !s.decommissionedAt;
}

/** Where the service's end stands, in a table cell: ended on, ends on, or '—'. */
export function decommissionText(s: Service, t: Translate): string {
  if (s.decommissionedAt) return `${t('Đã ngừng', 'Stopped')} ${formatDateTime(s.decommissionedAt)}`;
  if (s.decommissionAt) return `${t('Sẽ ngừng', 'Stops')} ${formatDateTime(s.decommissionAt)}`;
  return '—';
}

/** The date and a reason (both published in the notice of the end); the API's refusal (< 60 days) shown in place. */
export function DecommissionDialog({
  service,
  onClose,
}: {
  service: Service;
  onClose: (changed: boolean) => void;
}) {
  const t = useT();
  const { message } = App.useApp();
  const [form] = Form.useForm<{ at: Dayjs; reason: string }>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const submit = async () => {
    const { at, reason } = await form.validateFields();
    setBusy(true);
    setError(null);
    try {
      await api.call('decommissionService', {
        params: { id: service.id },
        body: { at: pickedVietnamTimeToIso(at), reason: reason.trim() },
      });
      message.success(t('Đã thông báo ngừng dịch vụ', 'Decommission announced'));
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
      title={t(`Ngừng dịch vụ ${service.name}`, `Decommission ${service.name}`)}
      okText={t('Ngừng dịch vụ', 'Decommission')}
      cancelText={t('Huỷ', 'Cancel')}
      okButtonProps={{ danger: true, loading: busy }}
      onOk={() => void submit()}
      onCancel={() => onClose(false)}
    >
      <Form form={form} layout="vertical">
        <Form.Item
          name="at"
          label={t('Ngày ngừng (giờ Việt Nam)', 'Stops at (Vietnam time)')}
          extra={t(
            'Ít nhất 60 ngày sau hôm nay (R-21); thông báo ngừng cung cấp được đăng công khai và gửi tới các bên đang khai thác.',
            'At least 60 days from today (R-21); the notice of the end is published and sent to its consumers.',
          )}
          rules={[{ required: true, message: t('Chọn ngày ngừng', 'Pick the date') }]}
        >
          <ReviewDateTimePicker />
        </Form.Item>
        <Form.Item
          name="reason"
          label={t('Lý do', 'Reason')}
          rules={[{ required: true, whitespace: true, message: t('Cần nhập lý do', 'Required') }]}
        >
          <Input.TextArea rows={3} maxLength={2000} />
        </Form.Item>
      </Form>
      <ProblemAlert error={error} />
    </Modal>
  );
}

/** The confirmation before a scheduled end is cancelled: what follows, an optional published reason. */
export function CancelDecommissionDialog({
  service,
  onClose,
}: {
  service: Service;
  onClose: (changed: boolean) => void;
}) {
  const t = useT();
  const { message } = App.useApp();
  return (
    <CancelAnnouncementDialog
      title={t(`Huỷ lịch ngừng dịch vụ ${service.name}`, `Cancel the end of ${service.name}`)}
      explanation={t(
        `Dịch vụ sẽ tiếp tục được cung cấp sau ${formatDateTime(service.decommissionAt)}: thông báo ngừng được đánh dấu đã huỷ và một thông báo huỷ được đăng công khai, gửi tới các bên đang khai thác (R-21).`,
        `The service will carry on after ${formatDateTime(service.decommissionAt)}: the decommission notice is marked cancelled and a cancellation notice is published and sent to its consumers (R-21).`,
      )}
      okText={t('Huỷ lịch ngừng', 'Cancel the end')}
      onConfirm={async (reason) => {
        await api.call('cancelServiceDecommission', {
          params: { id: service.id },
          body: reason ? { reason } : {},
        });
        message.success(t('Đã huỷ lịch ngừng dịch vụ', 'Decommission cancelled'));
      }}
      onClose={onClose}
    />
  );
}
