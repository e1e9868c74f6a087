// Console: every synced record, newest first by corrected time, in keyset pages. Each row shows
// the phone's own time, the corrected time and when it reached the server; clock flags stand out.
import { h } from '../util.js';
import { t } from '../i18n/index.js';
import * as vocab from '../vocabulary.js';
import * as C from './console-common.js';

const TYPES = ['shift', 'scan', 'review', 'gate_check', 'visitor', 'hazard', 'hazard_event', 'roll_call', 'pupil_leave', 'safety_activity', 'defence_check', 'defence_fault', 'police_presence', 'duty_record'];
const PAGE = 50;

// The vocabulary whose code a log row's detail is, per record type.
const DETAIL_KIND = {
  shift: 'shift_status', review: 'review_decision', gate_check: 'gate_direction',
  hazard: 'hazard_category', hazard_event: 'hazard_actions',
};

function detailText(r) {
  const d = r.detail || '';
  return DETAIL_KIND[r.type] ? vocab.label(DETAIL_KIND[r.type], d) : d;
}

function row(r) {
  const flags = String(r.clock_flag || '').split(',').filter(Boolean);
  return h('li', { class: `log-row ${flags.length ? 'flagged' : ''}`, data: { log: r.id, type: r.type, flag: flags.join(',') } },
    h('div', { class: 'rec-head' },
      h('span', { class: 'rec-title' }, t(`ltype.${r.type}`), ' · ', r.site_name),
      h('span', { class: 'rec-time' }, C.fmtDateTime(r.event_time))),
    h('div', { class: 'rec-body', data: { detail: '' } }, detailText(r)),
    h('div', { class: 'rec-body muted' }, `${t('log.by')}：${r.recorded_by_name}`,
      r.author_disabled ? h('span', { class: 'badge rejected' }, t('log.disabled')) : null),
    h('dl', { class: 'times' },
      h('dt', {}, t('log.device_time')), h('dd', { data: { deviceTime: '' } }, C.fmtDateTime(r.device_time)),
      h('dt', {}, t('log.event_time')), h('dd', { data: { eventTime: '' } }, C.fmtDateTime(r.event_time)),
      h('dt', {}, t('log.received')), h('dd', { data: { receivedAt: '' } }, C.fmtDateTime(r.received_at))),
    flags.length ? h('div', { class: 'rec-foot' }, flags.map((f) => h('span', { class: 'badge clock-flag', data: { clockFlag: f } }, `⚠ ${t(`clock.${f}`)}`))) : null);
}

export function mount(root) {
  const site = C.siteSelect();
  const group = C.groupSelect();
  const person = C.personSelect();
  const type = h('select', { name: 'type' }, h('option', { value: '' }, t('console.all_types')),
    TYPES.map((x) => h('option', { value: x }, t(`ltype.${x}`))));
  const from = C.dateInput('from', C.addDays(C.today(), -6));
  const to = C.dateInput('to', C.today());
  const flagged = h('input', { type: 'checkbox', name: 'flagged' });
  const params = () => ({
    site_id: site.value, group_id: group.value, person: person.value, type: type.value,
    from: from.value, to: to.value, flagged: flagged.checked ? 'true' : '',
  });
  const list = h('ul', { class: 'list', data: { logs: '' } });
  const more = h('button', { type: 'button', class: 'small', data: { action: 'more' }, hidden: true }, t('log.more'));
  const count = h('p', { class: 'muted', data: { logCount: '' } });
  let rows = [];
  let cursor = null;
  let loaded = false;

  const ui = C.frame(root, 'logs', {
    filters: [
      h('div', { class: 'filter-grid' },
        C.field(t('common.site'), site), C.field(t('common.group'), group), C.field(t('console.person'), person),
        C.field(t('console.type'), type), C.field(t('console.from'), from), C.field(t('console.to'), to)),
      h('label', { class: 'check' }, flagged, t('console.flagged')),
    ],
    csv: (fmt) => C.downloadCsv(`/api/reports/logs${C.query({ ...params(), limit: 500 })}`, 'logs', fmt),
    onSubmit: () => load(true),
  });
  ui.body.append(count, list, more);

  function render() {
    list.replaceChildren(...rows.map(row));
    if (!rows.length) list.appendChild(h('li', { class: 'muted' }, t('console.empty')));
    more.hidden = !cursor;
    count.textContent = `${t('log.count', { n: rows.length })}${rows.length && !cursor ? ` · ${t('log.end')}` : ''}`;
  }

  async function load(fresh) {
    const loading = C.beginLoad(ui);
    const path = `/api/reports/logs${C.query({ ...params(), limit: PAGE, cursor: fresh ? '' : cursor })}`;
    try {
      // Only the first page is fetched through the cache helper; later pages extend it.
      const res = await C.loadReport('logs', path, { keep: false });
      if (!loading.current()) return;
      if (res.offline) {
        rows = res.data.rows; cursor = null; // the saved pages, as they were
      } else {
        rows = fresh ? res.data.rows : rows.concat(res.data.rows);
        cursor = res.data.next_cursor;
        await C.saveReport('logs', path, { rows, next_cursor: cursor });
      }
      C.showFreshness(ui.fresh, res);
      ui.msg.replaceChildren();
      render();
    } catch (e) {
      if (loading.current()) ui.msg.replaceChildren(h('p', { class: 'msg bad' }, C.errorText(e)));
    } finally {
      loading.done();
    }
  }
  more.addEventListener('click', () => load(false));

  return {
    async update() {
      if (loaded) return;
      loaded = true;
      await load(true);
    },
  };
}
