// Console: technical defences (视频监控、入侵报警): the cameras and alarms overdue for a check
// (the town's interval), and the faults not yet accepted, oldest first. A fixed fault gets
// 验收 or 重新打开 from a supervisor: the step is added to the app's one outbox and pushed by
// sync like the hazard review buttons, so it works offline too (app/defences/rules.py).
import { h } from '../util.js';
import { t } from '../i18n/index.js';
import { store } from '../store.js';
import * as outbox from '../outbox.js';
import * as model from '../model.js';
import * as vocab from '../vocabulary.js';
import { syncNow, currentSync } from '../sync.js';
import * as C from './console-common.js';

export function mount(root) {
  const u = store.user;
  const isSupervisor = store.hasRole('supervisor');
  const site = C.siteSelect();
  const group = C.groupSelect();
  const params = () => ({ site_id: site.value, group_id: group.value });
  let loaded = false;
  let report = null;

  const ui = C.frame(root, 'defences', {
    filters: [h('div', { class: 'filter-grid' }, C.field(t('common.site'), site), C.field(t('common.group'), group))],
    csv: (fmt) => C.downloadCsv(`/api/reports/defences${C.query(params())}`, 'defences', fmt),
    print: true,
    onSubmit: () => load(),
  });

  async function act(fault, action, comment, note) {
    const payload = { fault_id: fault.id, action };
    if (comment) payload.comment = comment;
    await outbox.add(u.id, 'defence.fault_transition', payload);
    note.replaceChildren(h('p', { class: 'msg ok' }, t('hz.queued')));
    store.touch();
    await syncNow();
    await currentSync();
    if (navigator.onLine) await load();
    else await render();
  }

  function actions(f, pendingAction) {
    const note = h('div', { data: { actionMsg: '' } });
    if (pendingAction) return h('div', { class: 'hz-actions' }, h('p', { class: 'msg warn wide', data: { pendingAction } }, t('hz.pending', { a: vocab.label('fault_action', pendingAction) })));
    if (!isSupervisor || f.status !== 'fixed') return null;
    const why = h('input', { type: 'text', name: 'comment', maxlength: '2000', placeholder: t('dfc.reopen_hint') });
    return h('div', { class: 'hz-actions no-print' },
      h('button', { type: 'button', class: 'small', data: { action: 'accept' }, onclick: () => act(f, 'accept', '', note) }, vocab.label('fault_action', 'accept')),
      h('div', { class: 'wide' }, why),
      h('button', { type: 'button', class: 'small', data: { action: 'reopen' }, onclick: () => {
        if (!why.value.trim()) { note.replaceChildren(h('p', { class: 'msg bad' }, t('dfc.reopen_hint'))); return; }
        act(f, 'reopen', why.value.trim(), note);
      } }, vocab.label('fault_action', 'reopen')),
      h('div', { class: 'wide' }, note));
  }

  function faultCard(f, pendingAction) {
    const last = f.history.length ? f.history[f.history.length - 1] : null;
    return h('li', { class: f.status === 'open' ? 'short' : '', data: { fault: f.id, status: f.status } },
      h('div', { class: 'rec-head' },
        h('span', { class: 'rec-title' }, `${f.site_name} · ${vocab.label('device_kind', f.device_kind)} · ${f.device_name}`),
        h('span', { class: 'badge', data: { faultStatus: f.status } }, vocab.label('fault_status', f.status))),
      h('div', { class: 'rec-body' }, f.description),
      h('div', { class: 'muted' }, t('dfc.found', { t: C.fmtDateTime(f.found_at), n: f.age_days })),
      last ? h('div', { class: 'muted' }, `${vocab.label('fault_action', last.action)} · ${last.by_name} · ${C.fmtDateTime(last.at)}${last.comment ? ` · ${last.comment}` : ''}`) : null,
      actions(f, pendingAction));
  }

  async function render() {
    const mine = await model.myEntries();
    const pending = new Map(mine.filter((e) => e.type === 'defence.fault_transition' && e.state === 'pending')
      .map((e) => [e.payload.fault_id, e.payload.action]));
    const overdue = report.overdue.map((d) => h('li', { class: 'short', data: { overdueDevice: String(d.id) } },
      h('div', { class: 'rec-head' },
        h('span', { class: 'rec-title' }, `${d.site_name} · ${vocab.label('device_kind', d.kind)} · ${d.name}`),
        h('span', { class: 'rec-time' }, d.location)),
      h('div', { class: 'rec-body bad-text' }, t('dfc.overdue_line', { last: d.last_checked || t('dfc.never'), days: d.days_overdue }))));
    const rows = report.devices.map((d) => ({ attrs: { class: d.overdue ? 'short' : '', data: { device: String(d.id) } },
      cells: [d.site_name, vocab.label('device_kind', d.kind), d.name, d.location, d.last_checked || '—',
        d.last_result ? vocab.label('check_result', d.last_result) : '—', d.next_due, String(d.open_faults)] }));
    C.fill(ui.body,
      h('h3', {}, t('dfc.faults')),
      report.faults.length ? h('ul', { class: 'list hz-list', data: { faults: '' } }, report.faults.map((f) => faultCard(f, pending.get(f.id))))
        : h('p', { class: 'ok-text' }, t('dfc.no_faults')),
      h('h3', {}, t('dfc.overdue')),
      overdue.length ? h('ul', { class: 'list', data: { overdueDevices: '' } }, overdue) : h('p', { class: 'ok-text' }, t('dfc.none_overdue')),
      h('h3', {}, t('dfc.devices')),
      C.table([t('common.site'), t('dfc.kind'), t('dfc.name'), t('dfc.location'), t('dfc.last'), t('dfc.result'), t('dfc.next'), t('dfc.open_n')], rows),
      report.accepted.length ? [h('h3', {}, t('dfc.accepted')), h('ul', { class: 'list', data: { accepted: '' } }, report.accepted.map((f) => faultCard(f, null)))] : null);
  }

  async function load() {
    await C.loadInto(ui, 'defences', `/api/reports/defences${C.query(params())}`, async (data) => {
      report = data;
      await render();
    });
  }

  return { async update() { if (!loaded) { loaded = true; await load(); } } };
}
