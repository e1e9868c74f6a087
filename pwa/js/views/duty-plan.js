// Leadership duty plan (领导值班 排班): a school's week, one duty cadre per day and an optional
// substitute (代班). Planned online by the school's own staff or the town's admin: it is one
// entry per school and day, decided at a desk and audited, and the cadres' phones take it in
// their bootstrap before the day (app/duty/routes.py). Each day saves at once or shows the
// server's reason.
import { h, localDate } from '../util.js';
import { t } from '../i18n/index.js';
import { store } from '../store.js';
import { api } from '../api.js';
import { selectOf, dayLabel } from './common.js';
import * as A from './admin-common.js';

function monday(d) {
  const x = new Date(`${d}T12:00:00`);
  x.setDate(x.getDate() - ((x.getDay() + 6) % 7));
  return localDate(x);
}
function addDays(d, n) {
  const x = new Date(`${d}T12:00:00`);
  x.setDate(x.getDate() + n);
  return localDate(x);
}

export function mount(root) {
  const ui = A.frame(root, 'duty_plan', { nav: store.hasRole('admin') });
  const params = new URLSearchParams(location.hash.split('?')[1] || '');
  let siteId = params.get('site') || String(store.user.home_site_id || '');
  let week = monday(localDate());
  const head = h('div', { class: 'row wrap' });
  const grid = h('div', { data: { planGrid: '' } });
  ui.body.append(head, grid);

  async function save(day, cadre, sub) {
    if (!cadre) return;
    const body = { site_id: Number(siteId), day, cadre_id: Number(cadre) };
    if (sub) body.substitute_id = Number(sub);
    try { await api('/api/duty/plan', { method: 'PUT', body }); A.showOk(ui.msg, t('dplan.saved', { day: dayLabel(day) })); await load(); } catch (e) { A.showError(ui.msg, e); }
  }

  async function load() {
    if (!siteId) { A.showError(ui.msg, new Error(t('dplan.no_site'))); return; }
    let plan; let cadres;
    try {
      [plan, cadres] = await Promise.all([
        api(`/api/duty/plan?site_id=${siteId}&date_from=${week}&date_to=${addDays(week, 6)}`),
        api(`/api/duty/cadres?site_id=${siteId}`),
      ]);
    } catch (e) { A.showError(ui.msg, e); return; }
    const options = cadres.map((c) => [c.id, c.display_name]);
    head.replaceChildren(
      h('button', { type: 'button', class: 'small', data: { action: 'prev-week' }, onclick: () => { week = addDays(week, -7); load(); } }, t('dplan.prev')),
      h('strong', {}, `${dayLabel(week)} – ${dayLabel(addDays(week, 6))}`),
      h('button', { type: 'button', class: 'small', data: { action: 'next-week' }, onclick: () => { week = addDays(week, 7); load(); } }, t('dplan.next')));
    const rows = [];
    for (let i = 0; i < 7; i += 1) {
      const day = addDays(week, i);
      const p = plan.find((x) => x.day === day);
      const cadre = selectOf(`cadre-${day}`, options, p ? p.cadre_id : '', t('dplan.none'));
      cadre.setAttribute('aria-label', t('dplan.cadre_of', { day: dayLabel(day) }));
      const sub = selectOf(`substitute-${day}`, options, p && p.substitute_id ? p.substitute_id : '', t('dplan.no_sub'));
      sub.setAttribute('aria-label', t('dplan.sub_of', { day: dayLabel(day) }));
      rows.push({
        attrs: { 'data-day': day, 'data-planned': String(Boolean(p)) },
        cells: [dayLabel(day), cadre, sub,
          h('button', { type: 'button', class: 'small', data: { action: 'save-day' }, onclick: () => save(day, cadre.value, sub.value) }, t('common.save'))],
      });
    }
    grid.replaceChildren(A.table(t('admin.title.duty_plan'), [t('dplan.day'), t('dplan.cadre'), t('dplan.substitute'), ''], rows));
  }

  let loaded = false;
  return { unmount: ui.unmount, async update() { if (!loaded) { loaded = true; await load(); } } };
}
