// t('key', {n: 3}) in the current language; Chinese by default, the choice kept per phone.
// Only Chinese is loaded at start; the English strings are imported when English is chosen
// (loadLang), so a phone in Chinese never parses them on the way to the first screen.
import zh from './zh.js';

const LANGS = { zh };
const LOADERS = { zh: async () => zh, en: async () => (await import('./en.js')).default };
let lang = (typeof localStorage !== 'undefined' && localStorage.getItem('lang')) || 'zh';
if (!LOADERS[lang]) lang = 'zh';

export const getLang = () => lang;

/** A server text in the UI's language: the server sends `message` (English) and, for a person,
 * `message_zh`; Chinese is shown whenever the UI is Chinese and the server had it. */
export const serverText = (en, zh) => (lang === 'zh' && zh ? zh : en);

/** Makes the strings of a language available to t(); false if they could not be loaded. */
export async function loadLang(next) {
  if (!LOADERS[next]) return false;
  try {
    if (!LANGS[next]) LANGS[next] = await LOADERS[next]();
    return true;
  } catch (e) {
    console.warn(`strings for ${next} not loaded`, e);
    return false;
  }
}

/** Switches to a language; call (and await) loadLang(next) first so t() has its strings. */
export function setLang(next) {
  lang = LOADERS[next] ? next : 'zh';
  localStorage.setItem('lang', lang);
  document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
}

export function t(key, params = {}) {
  const s = (LANGS[lang] || zh)[key] ?? zh[key] ?? key;
  return s.replace(/\{(\w+)\}/g, (_, k) => (params[k] ?? `{${k}}`));
}
