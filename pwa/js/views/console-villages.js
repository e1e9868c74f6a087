// Console: the villages' dispute screening of one month (矛盾纠纷排查表, 月底通报), for the
// four-in-one office (四位一体办) and the supervisors: each village's form on time / late /
// missing, petitions and unstable factors, and the disputes with the office's resolution steps
// (化解: open -> resolving -> resolved with a note; reopen). Steps need the network: they are
// the office's decisions on the latest form (app/villages/routes.py).
import { h } from '../util.js';
import { t } from '../i18n/index.js';
import { api } from '../api.js';
import * as vocab from '../vocabulary.js';
import * as C from './console-common.js';

const thisMonth = (d = new Date()) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}`;
const STATE_CLASS = { on_time: 'ok-text', late: 'bad-text', missing: 'bad-text', overdue: 'bad-text', pending: 'muted' };
// The office's next steps from each status (app/villages/rules.py STEPS).
const NEXT = { open: ['resolving', 'resolved'], resolving: ['resolved', 'open'], resolved: ['open'] };

export function mount(root) {
  const month = h('input', { type: 'month', name: 'month', value: thisMonth() });
  const grid = h('div', { class: 'filter-grid' }, C.field(t('vil.month'), month));
  const params = () => ({ month: month.value });
  let loaded = false;
  const ui = C.frame(root, 'villages', {
    filters: [grid],
    csv: (fmt) => C.downloadCsv(`/api/reports/villages${C.query(params())}`, 'villages', fmt),
    print: true,
    onSubmit: () => load(),
  });

  async function step(d, to) {
    let note = '';
    if (to === 'resolved' || (to === 'open' && d.status === 'resolved')) {
      note = window.prompt(t(to === 'resolved' ? 'vilc.resolve_note' : 'vilc.reopen_note')) || '';
      if (!note.trim()) return;
    }
    try {
      await api('/api/villages/disputes/step', { method: 'POST', body: { form_id: d.form_id, dispute_key: d.key, to, note } });
      await load();
    } catch (e) {
      ui.msg.replaceChildren(h('p', { class: 'msg bad' }, C.errorText(e)));
    }
  }

  function render(r) {
    const tot = r.totals;
    const rows = r.villages.map((v) => ({
      attrs: { data: { village: String(v.village_id), state: v.state } },
      cells: [v.village_name, v.district || '—',
        h('span', { class: STATE_CLASS[v.state] || '' }, t(`vilc.state.${v.state}`)),
        v.handed_in_at ? C.fmtDateTime(v.handed_in_at) : '—',
        String(v.petitions), String(v.unstable_factors),
        t('vilc.disputes_of', { open: v.disputes_open, resolved: v.disputes_resolved })],
    }));
    const disputes = r.disputes.map((d) => h('li', { class: d.status === 'resolved' ? '' : 'short', data: { dispute: d.key, status: d.status } },
      h('div', { class: 'rec-head' },
        h('span', { class: 'rec-title' }, `${d.village_name} · ${vocab.label('dispute_category', d.category)}`),
        h('span', { class: d.status === 'resolved' ? 'ok-text' : 'bad-text' }, vocab.label('dispute_status', d.status))),
      h('div', { class: 'rec-body' }, d.summary, d.parties ? ` · ${t('vil.parties')}：${d.parties}` : '',
        d.settled_in_village ? ` · ${t('vil.settled')}` : '', d.note ? ` · ${d.note}` : ''),
      h('div', { class: 'row wrap no-print' }, (NEXT[d.status] || []).map((to) => h('button', {
        type: 'button', class: 'small', data: { action: `dispute-${to}` }, onclick: () => step(d, to),
      }, t(`vilc.to.${to}`))))));
    C.fill(ui.body,
      h('p', { class: 'muted', data: { villageTotals: '' } }, t('vilc.totals', {
        month: r.month, n: tot.villages, on_time: tot.on_time, late: tot.late, missing: tot.missing + tot.overdue,
        petitions: tot.petitions, unstable: tot.unstable_factors, open: tot.disputes_open, resolved: tot.disputes_resolved,
      })),
      h('h3', {}, t('vilc.villages')),
      rows.length ? C.table([t('vilc.village'), t('vilc.district'), t('vilc.state'), t('vilc.handed_in'),
        t('vil.petitions'), t('vil.unstable'), t('vil.disputes')], rows) : h('p', { class: 'muted' }, t('console.empty')),
      h('h3', {}, t('vil.disputes')),
      disputes.length ? h('ul', { class: 'list', data: { disputeList: '' } }, disputes) : h('p', { class: 'muted' }, t('vilc.no_disputes')));
  }

  async function load() {
    await C.loadInto(ui, 'villages', `/api/reports/villages${C.query(params())}`, render);
  }

  return { async update() { if (!loaded) { loaded = true; await load(); } } };
}
