import { Descriptions, Typography } from 'antd';
import type { TechnicalDescription } from '../../../../src/api/contract/services.ts';
import { useT } from '../../shared/i18n.tsx';

/** The items of the R-11 technical description (Decree 47/2020 Art. 24), with their Vietnamese names. */
const ITEMS: Array<[keyof TechnicalDescription, string, string]> = [
  ['addressAndInterface', 'Địa chỉ và giao diện kết nối', 'Address and interface'],
  ['communicationStandards', 'Tiêu chuẩn kết nối, truyền thông', 'Connection and communication standards'],
  ['encryptionAndSecurity', 'Mã hoá và an toàn thông tin', 'Encryption and security'],
  ['capacity', 'Năng lực đáp ứng (tần suất, dung lượng)', 'Capacity (frequency, volume)'],
  ['connectionProcedure', 'Quy trình kết nối', 'Connection procedure'],
  [
    'dataQuality',
    'Chất lượng dữ liệu: thu thập, phê duyệt, cập nhật, thời điểm',
    'Data quality: collection, approval, updates, timeliness',
  ],
  ['dataPresentation', 'Cách thức trình bày dữ liệu', 'Data presentation'],
];

export function ReviewTechnicalDescription({ description }: { description: TechnicalDescription }) {
  const t = useT();
  return (
    <Descriptions
      bordered
      size="small"
      column={1}
      title={t('Mô tả kỹ thuật (R-11)', 'Technical description (R-11)')}
      items={ITEMS.map(([key, vi, en]) => ({
        key,
        label: t(vi, en),
        children: description[key] ? (
          <Typography.Paragraph style={{ whiteSpace: 'pre-line', margin: 0 }}>
            {description[key]}
          </Typography.Paragraph>
        ) : (
          <Typography.Text type="danger">{t('Chưa cung cấp', 'Missing')}</Typography.Text>
        ),
      }))}
    />
  );
}
