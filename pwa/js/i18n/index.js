// t('key', {n: 3}) in the current language; Chinese by default, the choice kept per phone.
import zh from './zh.js';
import en from './en.js';

const LANGS = { zh, en };
let lang = (typeof localStorage !== 'undefined' && localStorage.getItem('lang')) || 'zh';
if (!LANGS[lang]) lang = 'zh';

export const getLang = () => lang;

export function setLang(next) {
  lang = LANGS[next] ? next : 'zh';
  localStorage.setItem('lang', lang);
  document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
}

export function t(key, params = {}) {
  const s = LANGS[lang][key] ?? zh[key] ?? key;
  return s.replace(/\{(\w+)\}/g, (_, k) => (params[k] ?? `{${k}}`));
}
