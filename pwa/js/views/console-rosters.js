// Console: duty rosters (值班表) planned against actual per group, people planned but absent,
// rosters late or missing, and the printable public report list (通报).
import { h } from '../util.js';
import { t } from '../i18n/index.js';
import * as C from './console-common.js';

export function noticeSheet(report) {
  const items = report.notice.map((n) => h('li', { data: { notice: n.issue, group: String(n.group_id) } },
    h('b', {}, n.group_name), n.leader_name ? `（${t('ros.leader')}：${n.leader_name}）` : '', '：',
    t(`issue.${n.issue}`), n.issue === 'absent' ? ` — ${n.detail}` : ''));
  return h('section', { class: 'notice-sheet', data: { noticeSheet: '' } },
    h('h3', {}, t('ros.notice_title', { from: report.date_from, to: report.date_to })),
    items.length ? [h('p', {}, t('ros.notice_intro')), h('ol', {}, items)] : h('p', { class: 'ok-text' }, t('ros.notice_none')));
}

export function mount(root) {
  const { grid, params } = C.periodFilters({ site: false });
  let loaded = false;

  const ui = C.frame(root, 'rosters', {
    filters: [grid],
    csv: (fmt) => C.downloadCsv(`/api/reports/rosters${C.query(params())}`, 'notice', fmt),
    print: true,
    onSubmit: () => load(),
  });

  function printNotice() {
    document.body.dataset.printOnly = 'notice';
    window.addEventListener('afterprint', () => { delete document.body.dataset.printOnly; }, { once: true });
    window.print();
  }

  function render(report) {
    const groups = report.groups.map((g) => {
      const rate = g.planned_person_shifts ? Math.round((100 * g.present_person_shifts) / g.planned_person_shifts) : null;
      const bad = ['late', 'not_submitted', 'none'].includes(g.roster_status) || g.absences.length;
      return h('section', { class: `card ${bad ? 'hz overdue' : ''}`, data: { groupId: String(g.group_id), rosterStatus: g.roster_status } },
        h('div', { class: 'rec-head' },
          h('span', { class: 'rec-title' }, g.group_name),
          h('span', { class: `badge ${['on_time', 'pending'].includes(g.roster_status) ? 'synced' : 'rejected'}` }, t(`rstatus.${g.roster_status}`))),
        g.leader_name ? h('p', { class: 'muted' }, `${t('ros.leader')}：${g.leader_name}`) : null,
        h('p', { class: 'rec-body', data: { planned: String(g.planned_person_shifts), present: String(g.present_person_shifts) } },
          t('ros.planned', { n: g.planned_person_shifts }), ' · ', t('ros.present', { n: g.present_person_shifts }),
          rate === null ? '' : ` · ${t('ros.rate', { p: rate })}`),
        g.absences.length ? [h('h3', {}, t('ros.absences')), h('ul', { class: 'problems' }, g.absences.map((a) => h('li', {
          class: 'gap', data: { absence: String(a.roster_shift_id) },
        }, `${C.fmtDateTime(a.starts_at).slice(0, 16)}–${C.fmtDateTime(a.ends_at).slice(11, 16)} ${a.site_name}：`,
        t('ros.absent_names', { names: a.absent_names.join('、') }))))] : null);
    });
    ui.body.replaceChildren(
      h('p', { class: 'muted' }, `${report.date_from} – ${report.date_to}`),
      ...(groups.length ? groups : [h('p', { class: 'muted' }, t('console.empty'))]),
      h('div', { class: 'row no-print' }, h('h3', {}, t('ros.notice')),
        h('button', { type: 'button', class: 'small', data: { action: 'print-notice' }, onclick: printNotice }, t('ros.notice_print'))),
      noticeSheet(report));
  }

  async function load() {
    await C.loadInto(ui, 'rosters', `/api/reports/rosters${C.query(params())}`, render);
  }

  return { async update() { if (!loaded) { loaded = true; await load(); } } };
}
