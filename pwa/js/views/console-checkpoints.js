// Console: checkpoint proof (巡逻点核验) per site and per shift: scans proven (QR code and a GPS
// fix near the checkpoint), typed, far from the checkpoint, without a fix; checkpoints missed.
// The proof of each scan is decided by the server when it is pushed (app/shifts/rules.py).
import { h, shortTime } from '../util.js';
import { t } from '../i18n/index.js';
import * as C from './console-common.js';

const COUNTS = ['proven', 'typed', 'far', 'no_gps', 'unknown_method'];

function countCells(r) {
  return COUNTS.map((k) => h('span', { class: k !== 'proven' && r[k] ? 'bad-text' : '', data: { count: k } }, String(r[k])));
}

export function mount(root) {
  const { grid, params } = C.periodFilters();
  let loaded = false;

  const ui = C.frame(root, 'checkpoints', {
    filters: [grid],
    csv: (fmt) => C.downloadCsv(`/api/reports/checkpoints${C.query(params())}`, 'checkpoints', fmt),
    print: true,
    onSubmit: () => load(),
  });

  function render(report) {
    const head = COUNTS.map((k) => t(`cpr.${k}`));
    const sites = report.sites.map((s) => ({
      attrs: { data: { proofSite: String(s.site_id) } },
      cells: [s.site_name, String(s.shifts), String(s.scans), ...countCells(s),
        s.missed.length ? h('span', { class: 'bad-text' }, s.missed.map((m) => t('cpr.missed_item', { name: m.name, n: m.missed_shifts })).join('、')) : '✓'],
    }));
    const shifts = report.shifts.map((r) => ({
      attrs: { data: { proofShift: r.shift_id } },
      cells: [r.site_name, r.recorded_by_name, `${shortTime(r.started_at)} – ${r.ended_at ? shortTime(r.ended_at) : '…'}`,
        String(r.scans), ...countCells(r),
        r.missed.length ? h('span', { class: 'bad-text', data: { missed: String(r.missed.length) } }, r.missed.join('、')) : '✓'],
    }));
    C.fill(ui.body,
      h('p', { class: 'muted' }, `${report.date_from} – ${report.date_to} · ${t('cpr.rule')}`),
      h('h3', {}, t('cpr.by_site')),
      sites.length ? C.table([t('common.site'), t('cpr.shifts'), t('cpr.scans'), ...head, t('cpr.missed')], sites) : h('p', { class: 'muted' }, t('console.empty')),
      h('h3', {}, t('cpr.by_shift')),
      shifts.length ? C.table([t('common.site'), t('cpr.recorded_by'), t('cpr.time'), t('cpr.scans'), ...head, t('cpr.missed')], shifts)
        : h('p', { class: 'muted' }, t('console.empty')));
  }

  async function load() {
    await C.loadInto(ui, 'checkpoints', `/api/reports/checkpoints${C.query(params())}`, render);
  }

  return { async update() { if (!loaded) { loaded = true; await load(); } } };
}
