// Console: police at the gate (护学岗). Per department the gate windows covered of those due;
// then every post and school-day window, absent first (a window is judged once it has ended;
// app/reports/police.py).
import { h } from '../util.js';
import { t } from '../i18n/index.js';
import * as vocab from '../vocabulary.js';
import * as C from './console-common.js';

export function mount(root) {
  const { grid, params } = C.periodFilters({ group: true });
  let loaded = false;
  const ui = C.frame(root, 'police', {
    filters: [grid],
    csv: (fmt) => C.downloadCsv(`/api/reports/police${C.query(params())}`, 'police', fmt),
    print: true,
    onSubmit: () => load(),
  });

  function render(report) {
    const depts = report.departments.map((d) => h('li', { data: { department: d.department } },
      h('div', { class: 'rec-head' }, h('span', { class: 'rec-title' }, vocab.label('department', d.department))),
      h('div', { class: `rec-body ${d.windows_absent ? 'bad-text' : 'ok-text'}` },
        t('polc.dept_line', { posts: d.posts, covered: d.windows_covered, due: d.windows_due }))));
    const rows = report.windows.map((w) => h('li', { class: w.state === 'absent' ? 'short' : '', data: { postWindow: `${w.post_id}:${w.window_id}:${w.local_date}`, state: w.state } },
      h('div', { class: 'rec-head' },
        h('span', { class: 'rec-title' }, `${w.site_name} · ${vocab.label('department', w.department)}`),
        h('span', { class: 'rec-time' }, `${w.local_date} ${w.window_name} ${w.starts}–${w.ends}`)),
      h('div', { class: 'rec-body' },
        h('span', { class: w.state === 'absent' ? 'bad-text' : '' }, t(`polc.state.${w.state}`)),
        w.officers ? ` · ${t('polc.officers', { n: w.officers })}` : '',
        w.officer_names.length ? ` · ${w.officer_names.join('、')}` : '',
        w.outside_window ? ` · ${t('polc.outside', { n: w.outside_window })}` : '')));
    C.fill(ui.body,
      h('p', { class: 'muted' }, `${report.date_from} – ${report.date_to}`),
      h('h3', {}, t('polc.departments')),
      depts.length ? h('ul', { class: 'list' }, depts) : h('p', { class: 'muted' }, t('polc.no_posts')),
      h('h3', {}, t('polc.windows')),
      rows.length ? h('ul', { class: 'list', data: { postWindows: '' } }, rows) : h('p', { class: 'muted' }, t('console.empty')));
  }

  async function load() {
    await C.loadInto(ui, 'police', `/api/reports/police${C.query(params())}`, render);
  }
  return { async update() { if (!loaded) { loaded = true; await load(); } } };
}
