// Supervisor console (督查): pieces every console view shares. Reports are read online from
// /api/reports/*; the last answer of each view is kept on the phone (report-cache.js, per user
// and view) and shown with an "offline data" notice when the network is down. Charts are
// SVG built with createElementNS; user text only ever goes in as text nodes.
import { h, localDate } from '../util.js';
import { t } from '../i18n/index.js';
import { store } from '../store.js';
import { api, apiFetch, ApiError } from '../api.js';
import * as reportCache from '../report-cache.js';
import * as model from '../model.js';
import { townPicker, withTown } from './town-picker.js';

export { withTown };

export const CONSOLE_VIEWS = ['coverage', 'logs', 'gate', 'checkpoints', 'rosters', 'hazards', 'visitors', 'boarding', 'villages', 'drills', 'defences', 'police', 'duty', 'notices', 'assessment', 'devices', 'report'];

const SVG_NS = 'http://www.w3.org/2000/svg';

/** svg('rect', {x: 1}, 'text', child...) — attributes set one by one, text as text nodes. */
export function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.setAttribute('class', v);
    else if (k === 'data') for (const [dk, dv] of Object.entries(v)) el.dataset[dk] = dv;
    else el.setAttribute(k, String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/** The console's own tab strip (under the app's bottom navigation). */
export function consoleNav(active) {
  // The four-in-one office's staff (no supervisor, admin or leader) has the villages' view only.
  const full = ['supervisor', 'admin', 'leader'].some((r) => store.hasRole(r));
  return h('nav', { class: 'console-nav no-print', data: { consoleNav: '' } },
    CONSOLE_VIEWS.filter((v) => full || v === 'villages').map((v) => h('a', { href: `#/console-${v}`, class: v === active ? 'active' : '', data: { consoleTab: v } }, t(`console.nav.${v}`))));
}

/** "?a=1&site_id=2&site_id=3" from an object; empty values are left out, arrays repeat. */
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === '' || v === false) continue;
    if (Array.isArray(v)) v.forEach((x) => q.append(k, String(x)));
    else q.append(k, String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

const pad = (n) => String(n).padStart(2, '0');

/** YYYY-MM-DD HH:MM:SS in the browser's zone (the town's). */
export function fmtDateTime(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  return `${localDate(d)} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** HH:MM of an ISO time as written (a coverage segment is already in the site's zone). */
export function clockOf(iso, dayDate) {
  const s = String(iso);
  if (dayDate && s.slice(0, 10) > dayDate) return '24:00';
  return s.slice(11, 16);
}

export function addDays(dateStr, n) {
  const d = new Date(`${dateStr}T12:00:00`);
  d.setDate(d.getDate() + n);
  return localDate(d);
}

/** Seconds as a person says them: "3 小时 7 分", "4 分 10 秒", "12 秒" (the sign dropped). */
export function duration(seconds) {
  const s = Math.round(Math.abs(seconds));
  if (s < 60) return t('dur.s', { s });
  if (s < 3600) return t(s % 60 ? 'dur.m_s' : 'dur.m', { m: Math.floor(s / 60), s: s % 60 });
  if (s < 86400) return t('dur.h_m', { h: Math.floor(s / 3600), m: Math.floor((s % 3600) / 60) });
  return t('dur.d_h', { d: Math.floor(s / 86400), h: Math.floor((s % 86400) / 3600) });
}

export const hours = (x) => (Math.round(x * 10) / 10).toFixed(1);

// --- the offline copy of each view's last answer ------------------------------------------

const userId = () => (store.user ? store.user.id : 0);

export const saveReport = (view, path, data) => reportCache.save(userId(), view, path, data);

export const loadCached = (view) => reportCache.load(userId(), view);

/**
 * The report at path: from the server when it answers (and then kept for offline), else the
 * last copy of this view. Resolves {data, saved_at, offline}; throws when there is neither.
 */
export async function loadReport(view, asked, { keep = true } = {}) {
  const path = withTown(asked); // the town picker's choice (town-picker.js)
  try {
    if (!navigator.onLine) throw new ApiError(0, 'network', 'offline');
    const data = await api(path);
    if (keep) await saveReport(view, path, data);
    return { data, saved_at: new Date().toISOString(), offline: false, path };
  } catch (e) {
    if (!(e instanceof ApiError) || e.status !== 0) throw e;
    const row = await loadCached(view);
    if (!row) throw e;
    return { data: row.data, saved_at: row.saved_at, offline: true, path: row.path };
  }
}

/** The "offline data, updated at …" notice (hidden when the data is fresh). */
// One report into a view's frame: the loading line, then the freshness note and the view's
// render of the data, or the error a person can act on.
export async function loadInto(ui, view, path, render) {
  const load = beginLoad(ui);
  try {
    const res = await loadReport(view, path);
    if (!load.current()) return;
    showFreshness(ui.fresh, res);
    ui.msg.replaceChildren();
    await render(res.data);
  } catch (e) {
    if (load.current()) ui.msg.replaceChildren(h('p', { class: 'msg bad' }, errorText(e)));
  } finally {
    load.done();
  }
}

/** A view's load that a newer one of the same view has overtaken must not draw over it (the
 * view's first load, slow, landing after the one the user asked for). `current()` says
 * whether this is still the newest; the message area carries data-loading until it is done. */
export function beginLoad(ui) {
  const n = (ui.loads = (ui.loads || 0) + 1);
  ui.msg.replaceChildren(h('p', { class: 'muted' }, t('console.loading')));
  ui.msg.dataset.loading = '';
  return {
    current: () => n === ui.loads,
    done: () => { if (n === ui.loads) delete ui.msg.dataset.loading; },
  };
}

export function showFreshness(el, result) {
  el.hidden = !result || !result.offline;
  el.textContent = result && result.offline ? t('console.offline', { t: fmtDateTime(result.saved_at) }) : '';
}

/** el.replaceChildren, but a null, undefined or false child is left out, not written as
 * the text "null" (the DOM's replaceChildren stringifies it; h() already skips it). */
export const fill = (el, ...children) => el.replaceChildren(
  ...children.flat(Infinity).filter((c) => c !== null && c !== undefined && c !== false));

export function errorText(e) {
  if (e instanceof ApiError && e.status === 0) return t('console.offline_none');
  if (e instanceof ApiError && e.status === 403) return t('console.forbidden');
  return t('console.error', { msg: e && e.message ? e.message : String(e) });
}

// --- downloads (CSV, Excel) -------------------------------------------------------------------------

function filenameOf(res, fallback) {
  const cd = res.headers.get('content-disposition') || '';
  const star = /filename\*=UTF-8''([^;]+)/i.exec(cd);
  if (star) { try { return decodeURIComponent(star[1]); } catch { /* fall through */ } }
  const plain = /filename="?([^";]+)"?/i.exec(cd);
  return plain ? plain[1] : fallback;
}

/** Fetches path as ?format=csv or xlsx (Chinese labels, local times) and saves it through a
 * blob URL and <a download>; `stem` names the file if the server does not. */
export async function downloadCsv(asked, stem, format = 'csv') {
  const path = withTown(asked);
  const url = path + (path.includes('?') ? '&' : '?') + `format=${format}`;
  const fallbackName = `${stem}.${format}`;
  const res = await apiFetch(url);
  const blob = await res.blob();
  const href = URL.createObjectURL(blob);
  const a = h('a', { href, download: filenameOf(res, fallbackName), class: 'hidden-input' });
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(href), 10_000);
}

// --- the frame of a console view -------------------------------------------------------------

/**
 * Title, console tabs, a filter form, action buttons (CSV, print), the freshness notice and a
 * message line; returns the parts the view fills in.
 */
export function frame(root, view, { filters = [], csv = null, print = false, onSubmit = null } = {}) {
  const msg = h('div', { class: 'no-print', data: { msg: '' } });
  const fresh = h('p', { class: 'msg warn offline-note', data: { offlineNote: '' }, hidden: true });
  const body = h('div', { class: 'console-body', data: { consoleBody: view } });
  const form = h('form', { class: 'card filters no-print', data: { form: `console-${view}` } },
    townPicker(() => { if (onSubmit) onSubmit(); }),
    ...filters,
    h('div', { class: 'filter-actions' },
      onSubmit ? h('button', { type: 'submit', class: 'small', data: { action: 'load' } }, t('console.load')) : null,
      ...(csv ? ['csv', 'xlsx'].map((fmt) => h('button', { type: 'button', class: 'small', data: { action: fmt }, onclick: async (ev) => {
        ev.target.disabled = true;
        try { await csv(fmt); } catch (e) { msg.replaceChildren(h('p', { class: 'msg bad' }, errorText(e))); } finally { ev.target.disabled = false; }
      } }, t(`console.${fmt}`))) : []),
      print ? h('button', { type: 'button', class: 'small', data: { action: 'print' }, onclick: () => window.print() }, t('console.print')) : null));
  if (onSubmit) form.addEventListener('submit', (ev) => { ev.preventDefault(); onSubmit(); });
  root.classList.add('console');
  root.append(consoleNav(view), h('h2', {}, t(`console.title.${view}`)), form, fresh, msg, body);
  return { msg, fresh, body, form };
}

export const field = (label, input) => h('label', { class: 'field' }, h('span', {}, label), input);

export const dateInput = (name, value) => h('input', { type: 'date', name, value });

// The period filters most views share: from / to (the last `days` local days up to today),
// the school and the patrol group; `params()` reads them for the report's query.
export function periodFilters({ days = 7, site = true, group = true } = {}) {
  const from = dateInput('from', addDays(today(), 1 - days));
  const to = dateInput('to', today());
  const siteSel = site ? siteSelect() : null;
  const groupSel = group ? groupSelect() : null;
  const grid = h('div', { class: 'filter-grid' },
    field(t('console.from'), from), field(t('console.to'), to),
    siteSel ? field(t('common.site'), siteSel) : null, groupSel ? field(t('common.group'), groupSel) : null);
  const params = () => ({
    from: from.value, to: to.value,
    ...(siteSel ? { site_id: siteSel.value } : {}), ...(groupSel ? { group_id: groupSel.value } : {}),
  });
  return { grid, params };
}

export function siteSelect(name = 'site_id', value = '') {
  return h('select', { name },
    h('option', { value: '' }, t('console.all_sites')),
    model.sites().map((s) => h('option', { value: String(s.id), selected: String(s.id) === String(value) }, s.name)));
}

export function groupSelect(name = 'group_id') {
  return h('select', { name },
    h('option', { value: '' }, t('console.all_groups')),
    model.groups().map((g) => h('option', { value: String(g.id) }, g.name)));
}

export function personSelect(name = 'person') {
  const seen = new Map();
  for (const g of model.groups()) for (const m of model.membersOf(g)) if (!seen.has(m.id)) seen.set(m.id, m.display_name);
  return h('select', { name },
    h('option', { value: '' }, t('console.all_people')),
    [...seen].map(([id, name2]) => h('option', { value: String(id) }, name2)));
}

export const siteName = (id) => { const s = model.site(id); return s ? s.name : `#${id}`; };

export const today = () => localDate();

/** A small table: head labels, rows as {cells: [text or node], attrs}; its wrapper is a named,
 * focusable region, so a keyboard can scroll it sideways on a phone. */
export function table(head, rows, label = t('console.table')) {
  return h('div', { class: 'table-wrap', role: 'region', 'aria-label': label, tabindex: '0' },
    h('table', { class: 'grid' },
      h('thead', {}, h('tr', {}, head.map((x) => h('th', {}, x)))),
      h('tbody', {}, rows.map((r) => h('tr', r.attrs || {}, r.cells.map((c) => h('td', {}, c)))))));
}
