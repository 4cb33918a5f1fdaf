import { App as AntApp, ConfigProvider } from 'antd';
import enUS from 'antd/locale/en_US';
import viVN from 'antd/locale/vi_VN';
import dayjs from 'dayjs';
import 'dayjs/locale/vi';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.tsx';
import { BrandingProvider, useBranding } from './shared/branding.tsx';
import { LanguageProvider, useLanguage } from './shared/i18n.tsx';

function Themed() {
  const { language } = useLanguage();
  const branding = useBranding();
  dayjs.locale(language === 'en' ? 'en' : 'vi');
  return (
    <ConfigProvider
      locale={language === 'en' ? enUS : viVN}
      theme={{
        token: {
          colorPrimary: branding.primaryColor,
          colorLink: branding.primaryColor,
          // Ant Design's default secondary grey is just under WCAG AA contrast (4.5:1) on white.
          colorTextSecondary: 'rgba(0, 0, 0, 0.65)',
          colorTextDescription: 'rgba(0, 0, 0, 0.65)',
          // Placeholders, empty-list texts and the error red at WCAG AA contrast too (axe checks every screen).
          colorTextPlaceholder: 'rgba(0, 0, 0, 0.6)',
          colorTextDisabled: 'rgba(0, 0, 0, 0.6)',
          colorError: '#c62828',
        },
      }}
    >
      <AntApp>
        <App />
      </AntApp>
    </ConfigProvider>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <LanguageProvider>
      <BrandingProvider>
        <Themed />
      </BrandingProvider>
    </LanguageProvider>
  </StrictMode>,
);
