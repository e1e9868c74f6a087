// Console: 24-hour patrol coverage. Day mode: per site a timeline (SVG step chart) of the people
// on duty, gaps in red and stretches under the required 4 in orange, listed below in words;
// the hours of today still to come in grey (not gaps).
// Week/month mode: a heat map, one cell per site per local day (SVG), worst hours darkest.
import { h } from '../util.js';
import { t } from '../i18n/index.js';
import * as C from './console-common.js';

const MODES = { day: 1, week: 7, month: 30 };

/** Step chart of the people on duty over one local day. */
export function timelineSvg(day, required, width) {
  const segs = day.segments || [];
  const W = Math.max(280, width);
  const H = 92;
  const top = 16;
  const base = 60; // y of the zero line
  const t0 = segs.length ? Date.parse(segs[0].start) : 0;
  const t1 = segs.length ? Date.parse(segs[segs.length - 1].end) : 1;
  const x = (iso) => ((Date.parse(iso) - t0) / (t1 - t0 || 1)) * W;
  const maxStaff = Math.max(required + 1, ...segs.map((s) => s.staff));
  const y = (n) => base - ((base - top) * n) / maxStaff;
  const root = C.svg('svg', { class: 'chart timeline', width: W, height: H, viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': t('console.title.coverage') });
  root.appendChild(C.svg('rect', { x: 0, y: top, width: W, height: base - top, class: 'bg' }));
  for (const s of segs) {
    const x0 = x(s.start);
    const w = Math.max(0.5, x(s.end) - x0);
    const title = C.svg('title', {}, `${C.clockOf(s.start, day.date)}–${C.clockOf(s.end, day.date)} ${t('cov.staff', { n: s.staff })}`);
    if (s.state === 'future') {
      root.appendChild(C.svg('rect', { x: x0, y: top, width: w, height: base - top, class: 'seg future', data: { state: 'future' } }, title));
    } else if (s.state === 'gap') {
      root.appendChild(C.svg('rect', { x: x0, y: top, width: w, height: base - top, class: 'seg gap', data: { state: 'gap' } }, title));
    } else {
      root.appendChild(C.svg('rect', { x: x0, y: y(s.staff), width: w, height: base - y(s.staff), class: `seg ${s.state}`, data: { state: s.state } }, title));
      if (w > 18) root.appendChild(C.svg('text', { x: x0 + w / 2, y: y(s.staff) - 3, class: 'lbl', 'text-anchor': 'middle' }, String(s.staff)));
    }
  }
  // The required staff as a dashed line, the hour ticks underneath.
  root.appendChild(C.svg('line', { x1: 0, x2: W, y1: y(required), y2: y(required), class: 'req' }));
  root.appendChild(C.svg('line', { x1: 0, x2: W, y1: base, y2: base, class: 'axis' }));
  const step = W < 500 ? 6 : 3;
  for (let hr = 0; hr <= 24; hr += step) {
    const tx = (hr / 24) * W;
    root.appendChild(C.svg('line', { x1: tx, x2: tx, y1: base, y2: base + 4, class: 'axis' }));
    const anchor = hr === 0 ? 'start' : hr === 24 ? 'end' : 'middle';
    root.appendChild(C.svg('text', { x: tx, y: base + 16, class: 'tick', 'text-anchor': anchor }, `${hr}${t('cov.hours')}`));
  }
  return root;
}

function legend(required) {
  const item = (cls, text) => h('span', { class: 'legend-item' }, h('span', { class: `swatch ${cls}` }), text);
  return h('div', { class: 'legend' },
    item('ok', t('cov.legend_ok', { req: required })), item('under', t('cov.legend_under', { req: required })), item('gap', t('cov.legend_gap')), item('future', t('cov.legend_future')));
}

function daySite(site, width) {
  const day = site.days[0];
  if (!day) return null;
  const req = site.required_staff;
  const problems = (day.segments || []).filter((s) => s.state === 'gap' || s.state === 'under').map((s) => h('li', {
    class: s.state, data: { [s.state === 'gap' ? 'gap' : 'under']: `${C.clockOf(s.start, day.date)}-${C.clockOf(s.end, day.date)}` },
  }, s.state === 'gap'
    ? t('cov.gap_item', { from: C.clockOf(s.start, day.date), to: C.clockOf(s.end, day.date) })
    : t('cov.under_item', { from: C.clockOf(s.start, day.date), to: C.clockOf(s.end, day.date), n: s.staff, req })));
  return h('section', { class: 'card site-day', data: { siteId: String(site.site_id) } },
    h('div', { class: 'rec-head' }, h('span', { class: 'rec-title' }, site.site_name), h('span', { class: 'rec-time' }, day.date)),
    h('p', { class: 'muted', data: { totals: '' } }, t('cov.totals', { c: C.hours(day.covered_h), u: C.hours(day.under_h), g: C.hours(day.gap_h), req }),
      day.future_h > 0.01 ? ` · ${t('cov.future_h', { f: C.hours(day.future_h) })}` : ''),
    timelineSvg(day, req, width),
    problems.length ? h('ul', { class: 'problems' }, problems) : h('p', { class: 'ok-text' }, t('cov.all_ok')));
}

/** One row per site, one cell per day: red for hours with nobody, orange for under 4. */
export function heatmapSvg(report, width, onPick) {
  const sites = report.sites;
  const days = sites.length ? sites[0].days.map((d) => d.date) : [];
  const labelW = Math.min(120, Math.max(84, width * 0.24));
  const W = Math.max(300, width);
  const cell = Math.max(6, (W - labelW) / Math.max(1, days.length));
  const rowH = 24;
  const top = 18;
  const H = top + rowH * sites.length + 4;
  const root = C.svg('svg', { class: 'chart heatmap', width: W, height: H, viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': t('console.title.coverage') });
  const every = Math.ceil(days.length / Math.max(1, Math.floor((W - labelW) / 26)));
  days.forEach((d, i) => {
    if (i % every === 0) root.appendChild(C.svg('text', { x: labelW + i * cell + cell / 2, y: 12, class: 'tick', 'text-anchor': 'middle' }, d.slice(8)));
  });
  sites.forEach((s, r) => {
    const y = top + r * rowH;
    const name = s.site_name.length > 7 ? `${s.site_name.slice(0, 7)}…` : s.site_name;
    root.appendChild(C.svg('g', {}, C.svg('title', {}, s.site_name), C.svg('text', { x: 0, y: y + 16, class: 'rowlbl' }, name)));
    s.days.forEach((d, i) => {
      const state = d.gap_h > 0.01 ? 'gap' : d.under_h > 0.01 ? 'under' : 'ok';
      const rect = C.svg('rect', {
        x: labelW + i * cell + 1, y: y + 2, width: Math.max(1, cell - 2), height: rowH - 4, class: `cell ${state}`,
        data: { date: d.date, site: String(s.site_id), state },
      }, C.svg('title', {}, t('cov.heat_cell', { site: s.site_name, d: d.date, g: C.hours(d.gap_h), u: C.hours(d.under_h) })));
      // Darker the more hours went uncovered (or understaffed).
      const worst = state === 'gap' ? d.gap_h : d.under_h;
      if (state !== 'ok') rect.setAttribute('fill-opacity', String(0.35 + 0.65 * Math.min(1, worst / 12)));
      if (onPick) rect.addEventListener('click', () => onPick(s.site_id, d.date));
      root.appendChild(rect);
    });
  });
  return root;
}

export function mount(root) {
  const mode = h('select', { name: 'mode' }, Object.keys(MODES).map((m) => h('option', { value: m }, t(`cov.mode_${m}`))));
  const date = C.dateInput('date', C.today());
  const site = C.siteSelect();
  const group = C.groupSelect();
  let loaded = false;
  let last = null;

  const params = () => {
    const n = MODES[mode.value] || 1;
    const p = { from: C.addDays(date.value || C.today(), 1 - n), to: date.value || C.today(), site_id: site.value, group_id: group.value };
    if (n > 1) p.timeline = 'false';
    return p;
  };
  const ui = C.frame(root, 'coverage', {
    filters: [h('div', { class: 'filter-grid' },
      C.field(t('cov.mode'), mode), C.field(t('console.date'), date), C.field(t('common.site'), site), C.field(t('common.group'), group))],
    csv: (fmt) => C.downloadCsv(`/api/reports/coverage${C.query(params())}`, 'coverage', fmt),
    print: true,
    onSubmit: () => load(),
  });

  const width = () => Math.min(1100, (ui.body.clientWidth || root.clientWidth || 360) - 26);

  function render(saved) {
    const { mode: m, report } = saved;
    const required = report.sites.length ? report.sites[0].required_staff : 4;
    const out = [h('p', { class: 'muted' }, `${report.date_from} – ${report.date_to} · ${t('console.generated', { t: C.fmtDateTime(report.generated_at) })}`), legend(required)];
    if (!report.sites.length) out.push(h('p', { class: 'muted' }, t('console.empty')));
    if (m === 'day') {
      for (const s of report.sites) out.push(daySite(s, width()));
    } else {
      out.push(h('section', { class: 'card', data: { heatmap: '' } }, heatmapSvg(report, width(), (siteId, d) => {
        mode.value = 'day'; date.value = d; site.value = String(siteId); load();
      })));
      out.push(h('ul', { class: 'list compact' }, report.sites.map((s) => {
        const gap = s.days.reduce((a, d) => a + d.gap_h, 0);
        const n = s.days.filter((d) => d.gap_h > 0.01).length;
        return h('li', { data: { siteTotal: String(s.site_id) } }, h('div', { class: 'rec-head' },
          h('span', { class: 'rec-title' }, s.site_name), h('span', { class: n ? 'bad-text' : 'ok-text' }, t('cov.site_total', { g: C.hours(gap), n }))));
      })));
    }
    ui.body.replaceChildren(...out.filter(Boolean));
  }

  async function load() {
    const m = mode.value;
    const path = `/api/reports/coverage${C.query(params())}`;
    const loading = C.beginLoad(ui);
    try {
      const res = await C.loadReport('coverage', path, { keep: false });
      const saved = res.offline ? res.data : { mode: m, report: res.data };
      if (!res.offline) await C.saveReport('coverage', path, saved);
      if (!loading.current()) return;
      last = saved;
      C.showFreshness(ui.fresh, res);
      ui.msg.replaceChildren();
      render(saved);
    } catch (e) {
      if (loading.current()) ui.msg.replaceChildren(h('p', { class: 'msg bad' }, C.errorText(e)));
    } finally {
      loading.done();
    }
  }

  return {
    async update() {
      if (loaded) return;
      loaded = true;
      await load();
    },
    rerender() { if (last) render(last); },
  };
}
