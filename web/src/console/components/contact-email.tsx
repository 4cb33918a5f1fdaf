import { Form, Input } from 'antd';
import { useT } from '../../shared/i18n.tsx';

/**
 * The contact point's e-mail in a form: required, because notices of ends and maintenance and
 * alerts reach an organization there — the operator's organization form and the agency's own contact form alike.
 */
export function ContactEmailItem({ name }: { name: string }) {
  const t = useT();
  return (
    <Form.Item
      name={name}
      label={t('Thư điện tử', 'E-mail')}
      rules={[
        { required: true, message: t('Nhập thư điện tử của cán bộ đầu mối', 'Enter the contact e-mail') },
        { type: 'email', message: t('Địa chỉ thư không hợp lệ', 'Not an e-mail address') },
      ]}
      extra={t(
        'Thông báo ngừng, bảo trì (R-21, R-24) và cảnh báo gửi tới địa chỉ này',
        'Notices of ends and maintenance (R-21, R-24) and alerts are sent here',
      )}
    >
      <Input maxLength={254} type="email" />
    </Form.Item>
  );
}
