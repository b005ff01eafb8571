import i18n from 'i18next';
import { initReactI18next } from 'react-i18next';
import { isLanguage, type Language } from '../store/index.js';
import en from './en.json';
import zhCN from './zh-CN.json';
// Finding texts are shared with the report exporter: one file per language, under `findings`.
import findingsEn from '../../../resources/findings/en.json';
import findingsZhCN from '../../../resources/findings/zh-CN.json';

export const LANGUAGE_STORAGE_KEY = 'rackside.lang';

/** Saved choice first, then the browser's language; technicians who read Chinese first get it. */
export function initialLanguage(): Language {
  try {
    const saved = localStorage.getItem(LANGUAGE_STORAGE_KEY);
    if (isLanguage(saved)) return saved;
  } catch {
    // Storage disabled: fall through to the browser language.
  }
  return navigator.language.toLowerCase().startsWith('zh') ? 'zh-CN' : 'en';
}

export function applyLanguage(language: Language): void {
  void i18n.changeLanguage(language);
  document.documentElement.lang = language;
  try {
    localStorage.setItem(LANGUAGE_STORAGE_KEY, language);
  } catch {
    // Not persisting is acceptable; the choice still applies to this session.
  }
}

export function setupI18n(language: Language): typeof i18n {
  void i18n.use(initReactI18next).init({
    resources: { en: { translation: { ...en, findings: findingsEn } }, 'zh-CN': { translation: { ...zhCN, findings: findingsZhCN } } },
    lng: language,
    fallbackLng: 'en',
    // Resources are bundled, so initialise synchronously: the first paint is already translated.
    initAsync: false,
    interpolation: { escapeValue: false },
    returnNull: false,
    showSupportNotice: false,
  });
  document.documentElement.lang = language;
  return i18n;
}
