// Console: leadership duty (领导值班和带班) per school: the days kept of those due, the school
// days nobody was planned for, the planned days the cadre did not record (app/reports/duty.py).
import { h } from '../util.js';
import { t } from '../i18n/index.js';
import * as C from './console-common.js';
import { dayLabel } from './common.js';

export function mount(root) {
  const { grid, params } = C.periodFilters({ group: true });
  let loaded = false;
  const ui = C.frame(root, 'duty', {
    filters: [grid],
    csv: (fmt) => C.downloadCsv(`/api/reports/duty${C.query(params())}`, 'duty', fmt),
    print: true,
    onSubmit: () => load(),
  });

  const dayItem = (d) => h('li', { class: 'short', data: { dutyDay: `${d.site_id}:${d.day}`, state: d.state } },
    h('div', { class: 'rec-head' }, h('span', { class: 'rec-title' }, d.site_name), h('span', { class: 'rec-time' }, dayLabel(d.day))),
    d.cadre_name ? h('div', { class: 'rec-body' }, t('dutyc.cadre', { name: d.cadre_name })) : null);

  function render(report) {
    const schools = report.schools.map((s) => h('li', { data: { school: String(s.site_id) } },
      h('div', { class: 'rec-head' }, h('span', { class: 'rec-title' }, s.site_name)),
      h('div', { class: `rec-body ${s.days_kept < s.days_due ? 'bad-text' : 'ok-text'}` },
        t('dutyc.school_line', { kept: s.days_kept, due: s.days_due, no_plan: s.days_no_plan, not_kept: s.days_not_kept }))));
    C.fill(ui.body,
      h('p', { class: 'muted' }, `${report.date_from} – ${report.date_to}`),
      h('h3', {}, t('dutyc.schools')),
      schools.length ? h('ul', { class: 'list' }, schools) : h('p', { class: 'muted' }, t('console.empty')),
      h('h3', {}, t('dutyc.no_plan')),
      report.no_plan.length ? h('ul', { class: 'list', data: { noPlan: '' } }, report.no_plan.map(dayItem)) : h('p', { class: 'ok-text' }, t('dutyc.all_planned')),
      h('h3', {}, t('dutyc.not_kept')),
      report.not_kept.length ? h('ul', { class: 'list', data: { notKept: '' } }, report.not_kept.map(dayItem)) : h('p', { class: 'ok-text' }, t('dutyc.all_kept')));
  }

  async function load() {
    await C.loadInto(ui, 'duty', `/api/reports/duty${C.query(params())}`, render);
  }
  return { async update() { if (!loaded) { loaded = true; await load(); } } };
}
