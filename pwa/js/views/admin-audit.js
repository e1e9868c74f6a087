// Admin / supervisor: the append-only audit trail (GET /api/audit), newest first, each change
// with the fields it changed, before and after; pages back with before_id.
import { h } from '../util.js';
import { t } from '../i18n/index.js';
import { api } from '../api.js';
import { selectOf } from './common.js';
import * as vocab from '../vocabulary.js';
import { fmtDateTime, query } from './console-common.js';
import * as A from './admin-common.js';

export const ENTITIES = ['site', 'gate_window', 'checkpoint', 'user', 'patrol_group', 'roster', 'device'];
const PAGE = 50;

const show = (v) => (v === undefined ? '—' : (v === null ? t('audit.empty') : (typeof v === 'object' ? JSON.stringify(v) : String(v))));

/** "site.update" as 修改 场所; a verb without its own words as the code (marked untranslated). */
function actionLabel(action) {
  const [entity, verb] = String(action).split('.');
  const known = (key) => { const s = t(key); return s === key ? null : s; };
  const what = known(`audit.entity.${entity}`) || known(`audit.entity.${entity === 'group' ? 'patrol_group' : entity}`) || '';
  const how = known(`audit.verb.${verb}`) || vocab.label(entity === 'shift' ? 'review_decision' : 'hazard_actions', verb);
  return `${what} ${how}`.trim();
}

const fieldLabel = (key) => { const s = t(`audit.field.${key}`); return s === `audit.field.${key}` ? h('span', { translate: 'no' }, key) : s; };

/** The keys whose value differs between before and after (every key of a create or delete). */
export function changes(before, after) {
  const b = before || {}; const a = after || {};
  return [...new Set([...Object.keys(b), ...Object.keys(a)])]
    .filter((k) => JSON.stringify(b[k]) !== JSON.stringify(a[k]))
    .map((k) => ({ key: k, before: b[k], after: a[k] }));
}

export function mount(root) {
  const ui = A.frame(root, 'audit');
  const entity = selectOf('entity', ENTITIES.map((e) => [e, t(`audit.entity.${e}`)]), '', t('audit.all'));
  const actor = selectOf('actor_id', [], '', t('audit.all'));
  const rows = h('tbody');
  const more = h('button', { type: 'button', class: 'small', data: { action: 'more' }, hidden: true }, t('audit.more'));
  let users = [];
  let last = null;

  const filters = h('form', { class: 'card filters', data: { form: 'audit' } },
    h('div', { class: 'filter-grid' }, A.field(t('audit.entity'), entity), A.field(t('audit.actor'), actor)),
    h('div', { class: 'filter-actions' }, h('button', { type: 'submit', class: 'small', data: { action: 'load' } }, t('console.load'))));
  filters.addEventListener('submit', (ev) => { ev.preventDefault(); load(true); });
  more.addEventListener('click', () => load(false));
  ui.body.append(filters,
    h('div', { class: 'table-wrap', role: 'region', 'aria-label': t('admin.title.audit'), tabindex: '0' },
      h('table', { class: 'grid audit' },
        h('thead', {}, h('tr', {}, [t('audit.at'), t('audit.actor'), t('audit.action'), t('audit.what'), t('audit.change')].map((x) => h('th', { scope: 'col' }, x)))),
        rows)),
    more);

  const nameOf = (id) => { if (id == null) return t('audit.system'); const u = users.find((x) => x.id === id); return u ? u.display_name : `#${id}`; };

  function row(ev) {
    const diff = changes(ev.before, ev.after);
    return h('tr', { data: { audit: String(ev.id), action: ev.action } },
      h('td', { class: 'num' }, fmtDateTime(ev.at)),
      h('td', {}, nameOf(ev.actor_id)),
      h('td', {}, actionLabel(ev.action)),
      h('td', {}, `${t(`audit.entity.${ev.entity}`)} #${ev.entity_id}`),
      h('td', {}, diff.length ? h('dl', { class: 'diff' }, diff.map((d) => [
        h('dt', {}, fieldLabel(d.key)),
        h('dd', { data: { field: d.key } }, h('del', { translate: 'no' }, show(d.before)), ' → ', h('ins', { translate: 'no' }, show(d.after)))])) : '—'));
  }

  async function load(fresh) {
    if (fresh) { rows.replaceChildren(); last = null; }
    try {
      const page = await api(`/api/audit${query({ entity: entity.value, actor_id: actor.value, limit: PAGE, before_id: last })}`);
      rows.append(...page.map(row));
      if (page.length) last = page[page.length - 1].id;
      more.hidden = page.length < PAGE;
      if (fresh && !page.length) rows.append(h('tr', {}, h('td', { colspan: '5', class: 'muted' }, t('console.empty'))));
    } catch (e) { A.showError(ui.msg, e); }
  }

  let loaded = false;
  return {
    unmount: ui.unmount,
    async update() {
      if (loaded) return;
      loaded = true;
      try { users = await api('/api/users'); } catch { users = []; }
      const keep = actor.value;
      actor.replaceChildren(h('option', { value: '' }, t('audit.all')), ...users.map((u) => h('option', { value: String(u.id), selected: String(u.id) === keep }, u.display_name)));
      await load(true);
    },
  };
}
