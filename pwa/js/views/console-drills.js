// Console: safety lessons (安全、法制专题教育) and emergency drills (应急预案演练) per school: which
// are overdue now by the town's interval (never held first, then the most days overdue), and
// what was held in the period (app/reports/drills.py).
import { h } from '../util.js';
import { t } from '../i18n/index.js';
import * as vocab from '../vocabulary.js';
import * as C from './console-common.js';

export function mount(root) {
  const { grid, params } = C.periodFilters({ days: 90, group: true });
  let loaded = false;

  const ui = C.frame(root, 'drills', {
    filters: [grid],
    csv: (fmt) => C.downloadCsv(`/api/reports/drills${C.query(params())}`, 'drills', fmt),
    print: true,
    onSubmit: () => load(),
  });

  const dueText = (r) => (r.days_overdue === null ? t('drc.never') : r.overdue
    ? t('drc.overdue_line', { last: r.last_held, days: r.days_overdue })
    : t('drc.ok_line', { last: r.last_held, due: r.next_due }));

  function render(report) {
    const overdue = report.overdue.map((r) => h('li', { class: 'short', data: { overdue: `${r.site_id}:${r.kind}` } },
      h('div', { class: 'rec-head' },
        h('span', { class: 'rec-title' }, `${r.site_name} · ${vocab.label('activity_kind', r.kind)}`),
        h('span', { class: 'rec-time' }, t('drc.every', { n: r.every_days }))),
      h('div', { class: 'rec-body bad-text' }, dueText(r))));
    const rows = report.schools.map((r) => ({ attrs: { class: r.overdue ? 'short' : '', data: { school: `${r.site_id}:${r.kind}` } },
      cells: [r.site_name, vocab.label('activity_kind', r.kind), r.last_held || '—', dueText(r), String(r.held_in_period)] }));
    const held = report.activities.map((a) => h('li', { data: { activity: a.id } },
      h('div', { class: 'rec-head' },
        h('span', { class: 'rec-title' }, `${a.site_name} · ${vocab.label('activity_kind', a.kind)}`),
        h('span', { class: 'rec-time' }, a.held_on)),
      h('div', { class: 'rec-body' }, `${a.topic} · ${t('drc.participants', { n: a.participants })}${a.participants_note ? ` · ${a.participants_note}` : ''}`),
      a.photos.length ? h('div', { class: 'muted' }, t('hz.photos', { n: a.photos.length })) : null));
    C.fill(ui.body,
      h('p', { class: 'muted' }, `${report.date_from} – ${report.date_to}`),
      h('h3', {}, t('drc.overdue')),
      overdue.length ? h('ul', { class: 'list', data: { overdueSchools: '' } }, overdue) : h('p', { class: 'ok-text', data: { noneOverdue: '' } }, t('drc.none_overdue')),
      h('h3', {}, t('drc.schools')),
      C.table([t('common.site'), t('sfy.kind'), t('drc.last'), t('drc.state'), t('drc.held_n')], rows),
      h('h3', {}, t('drc.held')),
      held.length ? h('ul', { class: 'list', data: { activities: '' } }, held) : h('p', { class: 'muted' }, t('console.empty')));
  }

  async function load() {
    await C.loadInto(ui, 'drills', `/api/reports/drills${C.query(params())}`, render);
  }

  return { async update() { if (!loaded) { loaded = true; await load(); } } };
}
