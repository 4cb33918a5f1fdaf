import { createContext, type ReactNode, useContext, useMemo, useState } from 'react';

/**
 * Vietnamese first, English beside it: every text a person reads is written once, in place, as a pair —
 * `t('Đăng nhập', 'Sign in')` — so no key can drift from its text and a reviewer reads both where they are used.
 * The switch only chooses which of the pair is shown; Vietnamese is the default.
 */
export type Language = 'vi' | 'en';

const STORAGE_KEY = 'lgsp.language';

interface LanguageState {
  language: Language;
  setLanguage: (language: Language) => void;
}

const LanguageContext = createContext<LanguageState>({ language: 'vi', setLanguage: () => {} });

export function LanguageProvider({ children }: { children: ReactNode }) {
  const [language, setLanguageState] = useState<Language>(() =>
    localStorage.getItem(STORAGE_KEY) === 'en' ? 'en' : 'vi',
  );
  const value = useMemo<LanguageState>(
    () => ({
      language,
      setLanguage: (next) => {
        localStorage.setItem(STORAGE_KEY, next);
        document.documentElement.lang = next;
        setLanguageState(next);
      },
    }),
    [language],
  );
  return <LanguageContext.Provider value={value}>{children}</LanguageContext.Provider>;
}

export function useLanguage(): LanguageState {
  return useContext(LanguageContext);
}

/** The text to show: `t(vietnamese, english)`. */
export type Translate = (vi: string, en: string) => string;

const VIETNAMESE: Translate = (vi) => vi;
const ENGLISH: Translate = (_vi, en) => en;

/**
 * The same function for as long as the language is the same: effects and memos list `t` among their dependencies,
 * and a new function at every render re-ran them at every render — the sign-in page asked GET /auth/options again
 * after each answer, without end.
 */
export function useT(): Translate {
  const { language } = useLanguage();
  return language === 'en' ? ENGLISH : VIETNAMESE;
}
