// Admin screens (管理员): pieces every admin view shares. Admin changes go straight to the
// admin JSON API (README "Admin API") and are online only: a town's set-up is done at a desk,
// and a change the server refuses must be seen at once, not queued for later.
import { h } from '../util.js';
import { t, serverText } from '../i18n/index.js';
import { ApiError } from '../api.js';
import { townPicker, chosenTown, ofChosenTown } from './town-picker.js';

export { chosenTown, ofChosenTown };

/** The town a new site, group or account goes to: the picked one, else the admin's own. */
export const newTownId = () => (chosenTown() ? Number(chosenTown()) : undefined);

export const ADMIN_VIEWS = ['sites', 'users', 'groups', 'villages', 'defences', 'police', 'audit'];

/** The admin screens' own tab strip. */
export function adminNav(active) {
  return h('nav', { class: 'console-nav no-print', 'aria-label': t('admin.nav_label'), data: { adminNav: '' } },
    ADMIN_VIEWS.map((v) => h('a', {
      href: `#/admin-${v}`, class: v === active ? 'active' : '', 'aria-current': v === active ? 'page' : null, data: { adminTab: v },
    }, t(`admin.nav.${v}`))));
}

/** Title, admin tabs, an offline notice and a message line; returns the parts to fill. */
export function frame(root, view, { nav = true, onTown = null } = {}) {
  const msg = h('div', { class: 'no-print', data: { msg: '' }, 'aria-live': 'polite' });
  const offline = h('p', { class: 'msg warn no-print', data: { offlineNote: '' }, hidden: navigator.onLine },
    t('admin.online_only'));
  const body = h('div', { class: 'admin-body', data: { adminBody: view } });
  // A county account's town picker (town-picker.js): the lists show that town, new rows go there.
  const picker = onTown ? townPicker(onTown) : '';
  root.append(nav ? adminNav(view) : '', h('h2', {}, t(`admin.title.${view}`)), picker, offline, msg, body);
  const onNet = () => { offline.hidden = navigator.onLine; };
  window.addEventListener('online', onNet);
  window.addEventListener('offline', onNet);
  return { msg, body, offline, unmount: () => { window.removeEventListener('online', onNet); window.removeEventListener('offline', onNet); } };
}

/** One problem of a refused request: "第4行 lat：..." for a CSV line, in the UI's language
 * (the server's message_zh in Chinese); the field is a code (a column or field name) and is
 * marked translate="no". */
function detailText(d) {
  const field = d.field || (Array.isArray(d.loc) ? d.loc.filter((x) => x !== 'body').join('.') : '');
  const text = serverText(d.message || d.msg || '', d.message_zh);
  return [d.line ? `${t('admin.line', { n: d.line })} ` : '',
    field ? h('code', { translate: 'no' }, field) : '', field || d.line ? '：' : '', text];
}

/** The text with each field name it quotes (a code, e.g. "ends") marked translate="no". */
function withCodes(text, codes) {
  if (!codes.length) return [text];
  const escaped = [...new Set(codes)].sort((a, b) => b.length - a.length)
    .map((c) => c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  const parts = String(text).split(new RegExp(`\\b(${escaped.join('|')})\\b`));
  return parts.map((part, i) => (i % 2 ? h('code', { translate: 'no' }, part) : part));
}

/** A refused request as a message with one line per problem the server named. */
export function showError(msg, e) {
  let text;
  if (e instanceof ApiError && e.status === 0) text = t('admin.online_only');
  else if (e instanceof ApiError && e.status === 403) text = t('console.forbidden');
  else text = t('admin.failed', { msg: e && e.message ? e.message : String(e) });
  const details = e instanceof ApiError && Array.isArray(e.details) ? e.details : [];
  const fields = details.map((d) => d && d.field).filter((f) => typeof f === 'string' && f);
  msg.replaceChildren(h('div', { class: 'msg bad', role: 'alert', data: { error: (e && e.code) || '' } },
    h('p', {}, ...withCodes(text, fields)),
    details.length ? h('ul', { class: 'line-errors', data: { lineErrors: String(details.length) } },
      details.map((d) => h('li', { data: { line: String(d.line ?? '') } }, ...detailText(d)))) : null));
}

export function showOk(msg, text) {
  msg.replaceChildren(h('p', { class: 'msg ok', role: 'status' }, text));
}

let fieldSeq = 0;

/** A label tied to its input by id (a screen reader names the input by the label). */
export function field(label, input, hint) {
  if (!input.id) { fieldSeq += 1; input.id = `f-${fieldSeq}`; }
  return h('div', { class: 'field' }, h('label', { for: input.id }, label), input,
    hint ? h('span', { class: 'muted' }, hint) : null);
}

export const input = (name, attrs = {}) => h('input', { type: 'text', name, ...attrs });

/** A table a keyboard can scroll sideways: a named, focusable region around it. */
export function table(label, head, rows) {
  return h('div', { class: 'table-wrap', role: 'region', 'aria-label': label, tabindex: '0' },
    h('table', { class: 'grid' },
      h('thead', {}, h('tr', {}, head.map((x) => h('th', { scope: 'col' }, x)))),
      h('tbody', {}, rows.map((r) => h('tr', r.attrs || {}, r.cells.map((c) => h('td', {}, c)))))));
}

/** Reads a form's named fields; empty strings are left out, numbers stay strings. */
export function formValues(form) {
  const out = {};
  for (const [k, v] of new FormData(form).entries()) {
    if (typeof v === 'string' && v.trim() !== '') out[k] = v.trim();
  }
  return out;
}

/** A number field's value or undefined. */
export const num = (v) => (v === undefined || v === '' ? undefined : Number(v));

/** A form whose submit runs fn with the form's values; the button is off while it runs. */
export function form(name, children, fn, submitLabel) {
  const button = h('button', { type: 'submit', class: 'small', data: { action: `submit-${name}` } }, submitLabel || t('common.save'));
  const el = h('form', { class: 'card admin-form', data: { form: name } }, ...children, h('div', { class: 'filter-actions' }, button));
  el.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    button.disabled = true;
    try { await fn(formValues(el), el); } finally { button.disabled = false; }
  });
  return el;
}
