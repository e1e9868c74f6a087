// The town picker (镇) of the console and admin screens: shown only to a supervisor or admin
// whose reach holds more than one town (a county office account; GET /api/towns). The choice
// ("" = every town) is kept per user on this browser; reports are asked with ?town_id (the
// server narrows the caller's reach to it, app/reports/scope.py within_town), admin lists show
// that town's rows and new sites, groups and accounts go to it.
import { h } from '../util.js';
import { t } from '../i18n/index.js';
import { store } from '../store.js';
import { api } from '../api.js';

let towns = null; // the last answer of /api/towns for this user, or null before it
let townsOf = null; // whose answer it is

const userId = () => (store.user ? store.user.id : 0);
const keyOf = (what) => `patrol.${what}.${userId()}`;
const mayPick = () => store.hasRole('supervisor') || store.hasRole('admin');

/** The towns within the caller's reach ([] for anyone who has no picker). Kept on the browser
 * too, so the picker is there offline beside the cached reports. */
export async function loadTowns() {
  if (!mayPick()) return [];
  if (towns && townsOf === userId()) return towns;
  try {
    towns = await api('/api/towns');
    townsOf = userId();
    try { localStorage.setItem(keyOf('towns'), JSON.stringify(towns)); } catch { /* private mode */ }
  } catch {
    try { towns = JSON.parse(localStorage.getItem(keyOf('towns')) || '[]'); } catch { towns = []; }
    townsOf = userId();
  }
  return towns;
}

/** The chosen town's id as text, or "" for every town. */
export function chosenTown() {
  if (!mayPick()) return '';
  try { return localStorage.getItem(keyOf('town')) || ''; } catch { return ''; }
}

function choose(id) {
  try { localStorage.setItem(keyOf('town'), id); } catch { /* private mode */ }
}

/** A report path with the chosen town (?town_id=…); any other path as it is. */
export function withTown(path) {
  const town = chosenTown();
  if (!town || !path.startsWith('/api/reports/') || /[?&]town_id=/.test(path)) return path;
  return `${path}${path.includes('?') ? '&' : '?'}town_id=${encodeURIComponent(town)}`;
}

/** Keeps only the rows of the chosen town (rows carry town_id), or all of them. */
export function ofChosenTown(rows) {
  const town = chosenTown();
  return town ? rows.filter((r) => String(r.town_id) === town) : rows;
}

/** The picker: hidden until the towns are known, and left hidden for a reach of one town.
 * onChange runs after a new choice (the view loads again). */
export function townPicker(onChange) {
  const select = h('select', { name: 'town_id', id: `town-picker-${Math.random().toString(36).slice(2, 8)}` });
  const wrap = h('div', { class: 'field town-picker no-print', data: { townPicker: '' }, hidden: true },
    h('label', { for: select.id }, t('town.picker')), select);
  select.addEventListener('change', () => { choose(select.value); if (onChange) onChange(select.value); });
  loadTowns().then((list) => {
    if (!list || list.length < 2) { if (chosenTown()) choose(''); return; }
    const now = chosenTown();
    if (now && !list.some((x) => String(x.id) === now)) choose('');
    select.replaceChildren(
      h('option', { value: '' }, t('town.all', { n: list.length })),
      ...list.map((x) => h('option', { value: String(x.id), selected: String(x.id) === chosenTown() }, x.name)));
    wrap.hidden = false;
  });
  return wrap;
}
