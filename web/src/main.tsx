import { App as AntApp, ConfigProvider } from 'antd';
import enUS from 'antd/locale/en_US';
import viVN from 'antd/locale/vi_VN';
import dayjs from 'dayjs';
import 'dayjs/locale/vi';
import { StrictMode, useSyncExternalStore } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.tsx';
import './shared/page.css';
import { BrandingProvider, useBranding } from './shared/branding.tsx';
import { LanguageProvider, useLanguage } from './shared/i18n.tsx';

/**
 * Someone who asked their system for less motion (`prefers-reduced-motion`: vestibular disorders, WCAG 2.3.3) gets
 * screens without animations: dialogs, menus and messages appear at once. Followed live, should they change it.
 */
const REDUCED_MOTION = window.matchMedia('(prefers-reduced-motion: reduce)');
function usePrefersReducedMotion(): boolean {
  return useSyncExternalStore(
    (onChange) => {
      REDUCED_MOTION.addEventListener('change', onChange);
      return () => REDUCED_MOTION.removeEventListener('change', onChange);
    },
    () => REDUCED_MOTION.matches,
  );
}

function Themed() {
  const { language } = useLanguage();
  const branding = useBranding();
  const reducedMotion = usePrefersReducedMotion();
  dayjs.locale(language === 'en' ? 'en' : 'vi');
  return (
    <ConfigProvider
      locale={language === 'en' ? enUS : viVN}
      // The click ripple of buttons is an animation of its own, outside `token.motion`.
      wave={{ disabled: reducedMotion }}
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
          motion: !reducedMotion,
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
