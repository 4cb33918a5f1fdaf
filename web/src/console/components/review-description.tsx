import { Descriptions, Typography } from 'antd';
import type { TechnicalDescription } from '../../../../src/api/contract/services.ts';
import { useT } from '../../shared/i18n.tsx';
import { R11_ITEMS, R11_KEYS } from '../../shared/r11.ts';

/** The items of the R-11 technical description (Decree 47/2020 Art. 24), with their Vietnamese names; missing ones said. */
export function ReviewTechnicalDescription({ description }: { description: TechnicalDescription }) {
  const t = useT();
  return (
    <Descriptions
      bordered
      size="small"
      column={1}
      title={t('Mô tả kỹ thuật (R-11)', 'Technical description (R-11)')}
      items={R11_KEYS.map((key) => ({
        key,
        label: t(R11_ITEMS[key].vi, R11_ITEMS[key].en),
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
