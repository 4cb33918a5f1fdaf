import { Segmented } from 'antd';
import { useLanguage } from './i18n.tsx';

/** Tiếng Việt first; English one click away, remembered in this browser. */
export function LanguageSwitch() {
  const { language, setLanguage } = useLanguage();
  return (
    <Segmented
      aria-label="Ngôn ngữ / Language"
      size="small"
      value={language}
      options={[
        { label: 'VI', value: 'vi' },
        { label: 'EN', value: 'en' },
      ]}
      onChange={(value) => setLanguage(value as 'vi' | 'en')}
    />
  );
}
