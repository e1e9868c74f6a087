// Console: boarding pupils (住宿生) per boarding school: the dormitories' nightly roll calls
// held or missed (a night is judged from 06:00 the next morning), absent pupils with
// 不明去向 first, pupils not back from leave, late returns (app/reports/boarding.py).
import { h, shortTime } from '../util.js';
import { t } from '../i18n/index.js';
import * as vocab from '../vocabulary.js';
import * as C from './console-common.js';

export function mount(root) {
  const { grid, params } = C.periodFilters({ group: true });
  let loaded = false;

  const ui = C.frame(root, 'boarding', {
    filters: [grid],
    csv: (fmt) => C.downloadCsv(`/api/reports/boarding${C.query(params())}`, 'boarding', fmt),
    print: true,
    onSubmit: () => load(),
  });

  const list = (rows, empty, item, data) => (rows.length
    ? h('ul', { class: 'list', data: { [data]: '' } }, rows.map(item))
    : h('p', { class: 'ok-text' }, empty));

  function leaveItem(l) {
    return h('li', { class: l.overdue ? 'short' : '', data: { leave: l.id } },
      h('div', { class: 'rec-head' },
        h('span', { class: 'rec-title' }, `${l.pupil_name} · ${l.class_name || ''}`),
        h('span', { class: 'rec-time' }, l.site_name)),
      h('div', { class: 'rec-body' },
        `${t('brd.approved_line', { who: l.approved_by_name, t: C.fmtDateTime(l.out_at) })} · `,
        h('span', { class: l.overdue ? 'bad-text' : '' }, t('brdc.expected_back', { t: C.fmtDateTime(l.expected_back_at) })),
        l.back_at ? ` · ${t('brdc.back', { t: shortTime(l.back_at) })}` : ''));
  }

  function render(report) {
    const schools = report.schools.map((s) => h('li', { data: { school: String(s.site_id) } },
      h('div', { class: 'rec-head' }, h('span', { class: 'rec-title' }, s.site_name)),
      h('div', { class: `rec-body ${s.nights_missed ? 'bad-text' : 'ok-text'}` },
        t('brdc.school_line', { dorms: s.dormitories, pupils: s.pupils, held: s.nights_held, due: s.nights_due }))));
    C.fill(ui.body,
      h('p', { class: 'muted' }, `${report.date_from} – ${report.date_to}`),
      h('h3', {}, t('brdc.schools')),
      schools.length ? h('ul', { class: 'list' }, schools) : h('p', { class: 'muted' }, t('console.empty')),
      h('h3', {}, t('brdc.missed')),
      list(report.missed, t('brdc.no_missed'), (n) => h('li', { class: 'short', data: { missed: `${n.dormitory_id}:${n.night}` } },
        h('div', { class: 'rec-head' }, h('span', { class: 'rec-title' }, `${n.site_name} · ${n.dormitory_name}`), h('span', { class: 'rec-time' }, n.night))), 'missedNights'),
      h('h3', {}, t('brdc.absent')),
      list(report.absent, t('brdc.no_absent'), (a) => h('li', { class: a.reason === 'missing' ? 'short' : '', data: { absent: String(a.pupil_id), reason: a.reason } },
        h('div', { class: 'rec-head' }, h('span', { class: 'rec-title' }, `${a.name} · ${a.dormitory_name}`), h('span', { class: 'rec-time' }, a.night)),
        h('div', { class: 'rec-body' }, h('span', { class: a.reason === 'missing' ? 'bad-text' : '' }, vocab.label('absence_reason', a.reason)), a.note ? ` · ${a.note}` : '')), 'absentPupils'),
      report.present_on_leave.length ? [h('h3', {}, t('brdc.present_on_leave')),
        list(report.present_on_leave, '', (a) => h('li', {}, `${a.name} · ${a.dormitory_name} · ${a.night}`), 'presentOnLeave')] : null,
      h('h3', {}, t('brdc.overdue')),
      list(report.overdue_leaves, t('brdc.no_overdue'), leaveItem, 'overdueLeaves'),
      report.late_returns.length ? [h('h3', {}, t('brdc.late')), list(report.late_returns, '', leaveItem, 'lateReturns')] : null);
  }

  async function load() {
    await C.loadInto(ui, 'boarding', `/api/reports/boarding${C.query(params())}`, render);
  }

  return { async update() { if (!loaded) { loaded = true; await load(); } } };
}
