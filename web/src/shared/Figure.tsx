import { Statistic, type StatisticProps } from 'antd';
import { useLanguage } from './i18n.tsx';

/**
 * antd's Statistic with the language's digit grouping: 1.280 in Vietnamese, where a comma is the decimal mark (antd
 * alone writes 1,280, which a Vietnamese reader takes for one point two eight), 1,280 in English.
 */
export function Figure(props: StatisticProps) {
  const { language } = useLanguage();
  const english = language === 'en';
  return <Statistic groupSeparator={english ? ',' : '.'} decimalSeparator={english ? '.' : ','} {...props} />;
}
