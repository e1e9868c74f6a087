// Console: the visitor register (来访登记, app/reports/visitors.py). Who is in the school now
// (only visitors the host agreed to: app/gate/rules.py), who waits at the gate for the host's
// answer, who was recorded inside without approval, whose vehicle or goods went out unchecked
// against the pass slip (出门条); then every row with who answered, how and when.
import { h } from '../util.js';
import { t } from '../i18n/index.js';
import * as vocab from '../vocabulary.js';
import * as C from './console-common.js';

const time = (iso) => (iso ? C.fmtDateTime(iso).slice(5, 16) : '—');

function answer(r) {
  if (r.approval === 'asked') return h('span', { class: 'warn-text' }, vocab.label('visitor_approval', 'asked'));
  const via = r.approval_via ? ` · ${vocab.label('approval_via', r.approval_via)}` : '';
  return h('span', { class: r.approval === 'approved' ? 'ok-text' : 'bad-text', data: { approval: r.approval } },
    `${vocab.label('visitor_approval', r.approval)}（${r.approved_by_name || r.visiting}${via} ${time(r.approval_at)}）`);
}

function item(r) {
  return h('li', { data: { visitorRow: r.id, state: r.state } },
    h('div', { class: 'rec-head' },
      h('span', { class: 'rec-title' }, `${r.name} → ${r.visiting}`),
      h('span', { class: 'rec-time' }, `${r.site_name} · ${time(r.entered_at)}`)),
    h('div', { class: 'rec-body' }, answer(r),
      r.approval_recorded_by_name ? h('span', { class: 'muted' }, ` · ${t('vis.recorded_by', { who: r.approval_recorded_by_name })}`) : null),
    r.vehicle_plate || r.goods ? h('div', { class: 'rec-body muted' },
      [r.vehicle_plate, r.goods, r.pass_slip_no ? t('vis.slip_no', { n: r.pass_slip_no }) : null].filter(Boolean).join(' · ')) : null,
    r.exit_flag ? h('div', { class: 'rec-body bad-text', data: { exitFlag: r.exit_flag } }, t(`gate.exit_flag.${r.exit_flag}`)) : null);
}

export function mount(root) {
  const { grid, params } = C.periodFilters({ days: 1 });
  let loaded = false;

  const ui = C.frame(root, 'visitors', {
    filters: [grid],
    csv: (fmt) => C.downloadCsv(`/api/reports/visitors${C.query(params())}`, 'visitors', fmt),
    print: true,
    onSubmit: () => load(),
  });

  function section(title, rows, key, empty, cls = '') {
    return [h('h3', {}, `${title}（${rows.length}）`),
      rows.length ? h('ul', { class: `list ${cls}`, data: { [key]: '' } }, rows.map(item)) : h('p', { class: 'muted', data: { [key]: '' } }, empty)];
  }

  function render(r) {
    const chips = vocab.options('visitor_state').map(([code, label]) => h('span', { class: 'chip', data: { stateCount: code } }, `${label} ${r.counts[code] || 0}`));
    const rows = r.rows.map((x) => ({
      attrs: { data: { row: x.id, state: x.state } },
      cells: [x.site_name, time(x.entered_at), x.name, x.visiting, vocab.label('visitor_state', x.state), answer(x),
        x.unapproved_entry ? h('span', { class: 'bad-text' }, t('vis.unapproved_badge')) : '',
        x.time_out ? time(x.time_out) : '',
        x.exit_flag ? h('span', { class: 'bad-text' }, t(`gate.exit_flag.${x.exit_flag}`)) : x.exit_slip_check === 'matched' ? h('span', { class: 'ok-text' }, t('vis.slip_matched')) : ''],
    }));
    ui.body.replaceChildren(
      h('p', { class: 'muted' }, `${r.date_from} – ${r.date_to}`),
      h('div', { class: 'chips', data: { counts: '' } }, chips),
      ...section(t('vis.inside'), r.inside, 'inside', t('vis.none_inside')),
      ...section(t('vis.waiting'), r.waiting, 'waiting', t('vis.none_waiting')),
      ...section(t('vis.unapproved'), r.unapproved, 'unapproved', t('vis.none_unapproved'), 'bad'),
      ...section(t('vis.exit_flagged'), r.exit_flagged, 'exitFlagged', t('vis.none_exit_flagged'), 'bad'),
      h('h3', {}, t('vis.all')),
      rows.length ? C.table([t('common.site'), t('vis.entered'), t('gate.visitor_name'), t('gate.visiting'), t('vis.state'), t('vis.answer'), '', t('vis.left'), t('vis.exit')], rows)
        : h('p', { class: 'muted' }, t('console.empty')));
  }

  async function load() {
    await C.loadInto(ui, 'visitors', `/api/reports/visitors${C.query(params())}`, render);
  }

  return { async update() { if (!loaded) { loaded = true; await load(); } } };
}
