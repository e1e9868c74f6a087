// Console: the printable daily or monthly report (日报 / 月报): coverage per site as SVG bars
// (and the month's heat map), gate duty shortfalls, hazards still open, and the 通报 list.
// Printing uses the print rules in css/console.css (no app chrome, charts in colour).
import { h } from '../util.js';
import { t } from '../i18n/index.js';
import { api, ApiError } from '../api.js';
import * as vocab from '../vocabulary.js';
import * as C from './console-common.js';
import { heatmapSvg } from './console-coverage.js';
import { noticeSheet } from './console-rosters.js';

/** One stacked bar per site: hours fully staffed, under the required staff, and with nobody. */
function barsSvg(rows, width) {
  const W = Math.max(300, width);
  const labelW = Math.min(130, W * 0.28);
  const rowH = 24;
  const H = rowH * rows.length + 22;
  const root = C.svg('svg', { class: 'chart bars', width: W, height: H, viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': t('rep.bar_legend') });
  const span = W - labelW - 56;
  rows.forEach((r, i) => {
    const y = i * rowH + 4;
    const total = r.covered_h + r.gap_h || 1;
    const parts = [['ok', r.covered_h - r.under_h], ['under', r.under_h], ['gap', r.gap_h]];
    const name = r.site_name.length > 8 ? `${r.site_name.slice(0, 8)}…` : r.site_name;
    root.appendChild(C.svg('text', { x: 0, y: y + 15, class: 'rowlbl' }, name));
    let x = labelW;
    for (const [cls, v] of parts) {
      const w = (Math.max(0, v) / total) * span;
      if (w > 0) root.appendChild(C.svg('rect', { x, y, width: w, height: rowH - 6, class: `bar ${cls}` }, C.svg('title', {}, `${r.site_name} ${t(`cov.legend_${cls}`, { req: 4 })} ${C.hours(v)}`)));
      x += w;
    }
    root.appendChild(C.svg('text', { x: labelW + span + 4, y: y + 14, class: r.gap_h > 0.01 ? 'lbl' : 'tick' }, `${C.hours(r.gap_h)}${t('cov.hours')}`));
  });
  root.appendChild(C.svg('text', { x: labelW, y: H - 4, class: 'tick' }, t('rep.bar_legend')));
  return root;
}

export function mount(root) {
  const kind = h('select', { name: 'kind' }, h('option', { value: 'daily' }, t('rep.daily')), h('option', { value: 'monthly' }, t('rep.monthly')));
  const date = C.dateInput('date', C.addDays(C.today(), -1));
  const month = h('input', { type: 'month', name: 'month', value: C.today().slice(0, 7) });
  const dateField = C.field(t('console.date'), date);
  const monthField = C.field(t('rep.month'), month);
  monthField.hidden = true;
  kind.addEventListener('change', () => { dateField.hidden = kind.value !== 'daily'; monthField.hidden = kind.value === 'daily'; });
  let loaded = false;

  const range = () => {
    if (kind.value === 'daily') return { from: date.value, to: date.value };
    const [y, m] = month.value.split('-').map(Number);
    const last = new Date(y, m, 0).getDate();
    const end = `${month.value}-${String(last).padStart(2, '0')}`;
    return { from: `${month.value}-01`, to: end < C.today() ? end : C.today() };
  };
  const ui = C.frame(root, 'report', {
    filters: [h('div', { class: 'filter-grid' }, C.field(t('rep.kind'), kind), dateField, monthField)],
    csv: (fmt) => C.downloadCsv(`/api/reports/coverage/summary${C.query(range())}`, 'summary', fmt),
    print: true,
    onSubmit: () => load(),
  });

  const width = () => Math.min(1100, (ui.body.clientWidth || 360) - 26);

  function render(rep) {
    const { kind: k, range: r, coverage, summary, gate, hazards, rosters } = rep;
    const req = gate.windows.length ? gate.windows[0].required : 4;
    const open = Object.entries(hazards.by_status).filter(([s]) => s !== 'closed').reduce((a, [, n]) => a + n, 0);
    const gapSites = summary.sites.filter((s) => s.gap_h > 0.01).length;
    ui.body.replaceChildren(h('article', { class: 'report-page', data: { report: k } },
      h('h2', {}, k === 'daily' ? t('rep.title_daily', { d: r.from }) : t('rep.title_monthly', { m: r.from.slice(0, 7) })),
      h('p', { class: 'muted' }, `${r.from} – ${r.to} · ${t('console.generated', { t: C.fmtDateTime(rep.at) })}`),
      h('div', { class: 'kpis' },
        h('div', { class: 'kpi', data: { kpi: 'gap-sites' } }, h('b', {}, String(gapSites)), t('rep.gap_sites')),
        h('div', { class: 'kpi', data: { kpi: 'gate-short' } }, h('b', {}, String(gate.shortfalls.length)), t('gatec.shortfalls', { req })),
        h('div', { class: 'kpi', data: { kpi: 'overdue' } }, h('b', {}, String(hazards.overdue)), t('hz.overdue_badge')),
        h('div', { class: 'kpi', data: { kpi: 'notice' } }, h('b', {}, String(rosters.notice.length)), t('ros.notice'))),
      h('h3', {}, t('rep.coverage')),
      h('div', { class: 'legend' }, ['ok', 'under', 'gap'].map((c) => h('span', { class: 'legend-item' }, h('span', { class: `swatch ${c}` }), t(`cov.legend_${c}`, { req: 4 })))),
      summary.sites.length ? barsSvg(summary.sites, width()) : h('p', { class: 'muted' }, t('console.empty')),
      k === 'monthly' && coverage.sites.length ? heatmapSvg(coverage, width()) : null,
      h('h3', {}, t('rep.gate')),
      h('p', {}, t('rep.gate_summary', { n: gate.windows.length, s: gate.shortfalls.length, req })),
      gate.shortfalls.length ? h('ul', { class: 'problems' }, gate.shortfalls.slice(0, 60).map((w) => h('li', { class: 'gap' },
        `${w.date} ${w.site_name} ${w.window_name}：${t('gatec.checked', { n: w.checked_in, req: w.required })}`))) : null,
      h('h3', {}, t('rep.hazards')),
      h('p', {}, t('rep.hazard_summary', { open, overdue: hazards.overdue })),
      h('div', { class: 'chips' }, Object.entries(hazards.by_department).map(([d, n]) => h('span', { class: 'chip' }, `${d ? vocab.label('department', d) : t('dept.none')} ${n}`))),
      h('h3', {}, t('rep.notice')),
      noticeSheet(rosters)));
  }

  async function load() {
    const r = range();
    const q = C.query(r);
    ui.msg.replaceChildren(h('p', { class: 'muted' }, t('console.loading')));
    try {
      let rep;
      try {
        if (!navigator.onLine) throw new ApiError(0, 'network', 'offline');
        const [coverage, summary, gate, hazards, rosters] = await Promise.all([
          api(C.withTown(`/api/reports/coverage${C.query({ ...r, timeline: 'false' })}`)),
          api(C.withTown(`/api/reports/coverage/summary${q}`)),
          api(C.withTown(`/api/reports/gate${q}`)),
          api(C.withTown('/api/reports/hazards?limit=1')),
          api(C.withTown(`/api/reports/rosters${q}`)),
        ]);
        rep = { kind: kind.value, range: r, coverage, summary, gate, hazards, rosters, at: new Date().toISOString() };
        await C.saveReport('report', q, rep);
        C.showFreshness(ui.fresh, null);
      } catch (e) {
        if (!(e instanceof ApiError) || e.status !== 0) throw e;
        const row = await C.loadCached('report');
        if (!row) throw e;
        rep = row.data;
        C.showFreshness(ui.fresh, { offline: true, saved_at: row.saved_at });
      }
      ui.msg.replaceChildren();
      render(rep);
    } catch (e) {
      ui.msg.replaceChildren(h('p', { class: 'msg bad' }, C.errorText(e)));
    }
  }

  return { async update() { if (!loaded) { loaded = true; await load(); } } };
}
