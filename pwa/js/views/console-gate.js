// Console: gate duty (校门口值班) per school, local day and window: distinct staff checked in
// within the window (15 min grace before it) against the required 4; the windows that ended
// short listed first; windows not ended yet are shown as such, not judged.
import { h } from '../util.js';
import { t } from '../i18n/index.js';
import * as vocab from '../vocabulary.js';
import * as C from './console-common.js';

function windowLabel(w) {
  const kind = vocab.label('window_kind', w.kind);
  return w.window_name && w.window_name !== kind ? `${w.window_name}（${kind}）` : w.window_name || kind;
}

export function mount(root) {
  const { grid, params } = C.periodFilters();
  let loaded = false;

  const ui = C.frame(root, 'gate', {
    filters: [grid],
    csv: (fmt) => C.downloadCsv(`/api/reports/gate${C.query(params())}`, 'gate', fmt),
    print: true,
    onSubmit: () => load(),
  });

  function render(report) {
    const req = report.windows.length ? report.windows[0].required : 4;
    const shortfalls = report.shortfalls.map((w) => h('li', {
      class: 'short', data: { shortfall: `${w.site_id}:${w.date}:${w.window_id}` },
    }, h('div', { class: 'rec-head' },
      h('span', { class: 'rec-title' }, `${w.site_name} · ${windowLabel(w)}`),
      h('span', { class: 'rec-time' }, w.date)),
    h('div', { class: 'rec-body' },
      h('span', { class: 'bad-text' }, t('gatec.checked', { n: w.checked_in, req: w.required })), ' · ',
      t('gatec.short', { n: w.required - w.checked_in }))));
    const rows = report.windows.map((w) => ({
      attrs: { class: w.shortfall ? 'short' : '', data: { window: `${w.site_id}:${w.date}:${w.window_id}`, checkedIn: String(w.checked_in), state: w.state } },
      cells: [w.site_name, w.date, windowLabel(w),
        h('span', { class: w.shortfall ? 'bad-text' : 'ok-text' }, `${w.checked_in} / ${w.required}`),
        w.state !== 'ended' ? h('span', { class: 'muted', data: { state: w.state } }, t(`gatec.state_${w.state}`))
          : w.shortfall ? t('gatec.short', { n: w.required - w.checked_in }) : '✓',
        w.outside_window ? h('span', { class: 'warn-text', data: { outside: String(w.outside_window) } }, t('gatec.outside', { n: w.outside_window })) : ''],
    }));
    C.fill(ui.body,
      h('p', { class: 'muted' }, `${report.date_from} – ${report.date_to}`),
      h('h3', {}, t('gatec.shortfalls', { req })),
      shortfalls.length ? h('ul', { class: 'list', data: { shortfalls: '' } }, shortfalls) : h('p', { class: 'ok-text' }, t('gatec.no_shortfalls')),
      h('h3', {}, t('gatec.all')),
      rows.length ? C.table([t('common.site'), t('console.date'), t('gatec.window'), t('gatec.count_col'), t('gatec.state_col'), ''], rows)
        : h('p', { class: 'muted' }, t('console.empty')));
  }

  async function load() {
    await C.loadInto(ui, 'gate', `/api/reports/gate${C.query(params())}`, render);
  }

  return { async update() { if (!loaded) { loaded = true; await load(); } } };
}
