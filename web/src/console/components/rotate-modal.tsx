import { Form, InputNumber, Modal, Typography } from 'antd';
import { type ReactNode, useId, useState } from 'react';
import { useT } from '../../shared/i18n.tsx';
import { ProblemAlert } from './page.tsx';

/** The rotation overlap the API applies when none is given, in hours. */
export const DEFAULT_OVERLAP_HOURS = 24;

/**
 * Rotation with overlap, for every secret that rotates — a consumer key, a webhook signing secret: a new
 * secret now, the old one keeps working for `overlapHours` so the system can switch, then stops. The caller says what
 * rotates (`rotate` calls the API) and receives the answer in `onClose`, which it shows on the secret-once step; a
 * refusal stays in the dialog beside the field it concerns.
 */
export function RotateWithOverlapModal<Rotated>({
  title,
  intro,
  maxOverlapHours,
  rotate,
  onClose,
}: {
  title: string;
  intro: ReactNode;
  /** The API's upper bound for this secret's overlap, in hours. */
  maxOverlapHours: number;
  rotate: (overlapHours: number) => Promise<Rotated>;
  /** The API's answer, or null when the person cancelled. */
  onClose: (rotated: Rotated | null) => void;
}) {
  const t = useT();
  const inputId = useId();
  const [overlapHours, setOverlapHours] = useState<number>(DEFAULT_OVERLAP_HOURS);
  const [error, setError] = useState<unknown>(null);
  const [sending, setSending] = useState(false);

  const send = async () => {
    setSending(true);
    setError(null);
    try {
      onClose(await rotate(overlapHours));
    } catch (err) {
      setError(err);
    } finally {
      setSending(false);
    }
  };

  return (
    <Modal
      open
      title={title}
      okText={t('Đổi khoá', 'Rotate')}
      cancelText={t('Huỷ', 'Cancel')}
      okButtonProps={{ loading: sending }}
      onOk={() => void send()}
      onCancel={() => onClose(null)}
      destroyOnHidden
    >
      <Typography.Paragraph>{intro}</Typography.Paragraph>
      <Form layout="vertical">
        <Form.Item
          label={t('Thời gian chồng lấn (giờ)', 'Overlap (hours)')}
          htmlFor={inputId}
          extra={t(`0–${maxOverlapHours} giờ`, `0–${maxOverlapHours} hours`)}
        >
          <InputNumber
            id={inputId}
            min={0}
            max={maxOverlapHours}
            value={overlapHours}
            onChange={(v) => setOverlapHours(typeof v === 'number' ? v : 0)}
          />
        </Form.Item>
      </Form>
      <ProblemAlert error={error} />
    </Modal>
  );
}
