// Console: public notices (通报). A town's supervisor drafts one for a period and an area
// (its lines are the reports' own figures, app/reports/notices.py), reviews it (drops a line
// with a reason, writes a remark), issues it (numbered 青山镇〔2026〕3号, immutable from then
// on) or withdraws it with a reason; prints it (print CSS: only the notice sheet) and
// exports it as CSV / xlsx. Leaders and school staff read the issued notices that name them.
import { h } from '../util.js';
import { t, getLang } from '../i18n/index.js';
import { store } from '../store.js';
import { api } from '../api.js';
import * as C from './console-common.js';

const canDraft = () => store.hasRole('supervisor');
const detailOf = (line) => (getLang() === 'en' ? line.detail_en : line.detail_zh);
const areaOf = (x) => (getLang() === 'en' ? x.area_en : x.area_zh);

export function mount(root) {
  const thisYear = C.today().slice(0, 4);
  const from = C.dateInput('from', C.addDays(C.today(), -6));
  const to = C.dateInput('to', C.today());
  const areaSel = h('select', { name: 'area', data: { noticeArea: '' } });
  const draftBtn = h('button', { type: 'button', class: 'small', data: { action: 'draft-notice' }, onclick: () => draft() }, t('ntc.draft'));
  const filters = canDraft()
    ? [h('div', { class: 'filter-grid' }, C.field(t('ntc.area'), areaSel), C.field(t('console.from'), from), C.field(t('console.to'), to)), h('div', { class: 'filter-actions' }, draftBtn)]
    : [];
  let loaded = false;
  let openId = null;

  const ui = C.frame(root, 'notices', { filters });
  ui.form.addEventListener('submit', (ev) => { ev.preventDefault(); if (canDraft()) draft(); });
  if (!canDraft()) ui.form.hidden = true;
  const say = (cls, text) => ui.msg.replaceChildren(h('p', { class: `msg ${cls}` }, text));

  async function act(fn) {
    try {
      await fn();
      return true;
    } catch (e) {
      say('bad', C.errorText(e));
      return false;
    }
  }

  async function draft() {
    draftBtn.disabled = true;
    await act(async () => {
      const n = await api('/api/notices', { method: 'POST', body: { area: areaSel.value, date_from: from.value, date_to: to.value } });
      say('ok', t('ntc.drafted', { n: n.lines.length }));
      await showNotice(n.id);
    });
    draftBtn.disabled = false;
  }

  function statusBadge(n) {
    const cls = { draft: 'pending', issued: 'synced', withdrawn: 'rejected' }[n.status];
    return h('span', { class: `badge ${cls}`, data: { noticeStatus: n.status } }, t(`ntc.status.${n.status}`));
  }

  function printNotice() {
    document.body.dataset.printOnly = 'notice';
    window.addEventListener('afterprint', () => { delete document.body.dataset.printOnly; }, { once: true });
    window.print();
  }

  function reasonForm(label, action, onReason) {
    const input = h('input', { type: 'text', name: 'reason', required: true, maxlength: 1000 });
    const form = h('form', { class: 'inline-form no-print', data: { reasonForm: action } },
      C.field(label, input),
      h('button', { type: 'submit', class: 'small', data: { action } }, t('ntc.confirm')));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      if (!input.value.trim()) return;
      await onReason(input.value.trim());
    });
    return form;
  }

  function lineItem(n, line) {
    const draftOpen = n.status === 'draft' && canDraft();
    const li = h('li', { class: line.dropped ? 'dropped' : '', data: { noticeLine: String(line.id), ref: line.ref, dropped: String(line.dropped) } },
      h('b', {}, line.subject_name), '：', detailOf(line),
      line.dropped ? h('div', { class: 'muted no-print' }, t('ntc.dropped', { why: line.drop_reason })) : null);
    if (draftOpen) {
      if (line.dropped) {
        li.append(h('button', { type: 'button', class: 'small no-print', data: { action: 'restore-line' }, onclick: () => act(async () => {
          await api(`/api/notices/${n.id}/lines/${line.id}/restore`, { method: 'POST' });
          await showNotice(n.id);
        }) }, t('ntc.restore')));
      } else {
        const holder = h('div', { class: 'no-print' });
        holder.append(h('button', { type: 'button', class: 'small', data: { action: 'drop-line' }, onclick: () => {
          holder.replaceChildren(reasonForm(t('ntc.drop_reason'), 'confirm-drop', (reason) => act(async () => {
            await api(`/api/notices/${n.id}/lines/${line.id}/drop`, { method: 'POST', body: { reason } });
            await showNotice(n.id);
          })));
        } }, t('ntc.drop')));
        li.append(holder);
      }
    }
    return li;
  }

  function sheet(n) {
    const kept = n.lines.filter((l) => !l.dropped);
    const dropped = n.lines.filter((l) => l.dropped);
    return h('section', { class: 'notice-sheet', data: { noticeSheet: String(n.id) } },
      h('p', { class: 'notice-number', data: { noticeNumber: '' } }, n.number || t('ntc.no_number')),
      h('h3', {}, n.title),
      n.status === 'withdrawn' ? h('p', { class: 'bad-text', data: { withdrawn: '' } }, t('ntc.withdrawn_line', { why: n.withdraw_reason, who: n.withdrawn_by_name || '', t: C.fmtDateTime(n.withdrawn_at) })) : null,
      h('p', {}, t('ntc.intro', { town: n.town_name, from: n.date_from, to: n.date_to, area: areaOf(n) })),
      kept.length ? h('ol', { data: { keptLines: '' } }, kept.map((l) => lineItem(n, l))) : h('p', { class: 'ok-text' }, t('ntc.no_lines')),
      n.remark ? h('p', { data: { remark: '' } }, n.remark) : null,
      n.issued_at ? h('p', { class: 'notice-sign' }, `${n.town_name} · ${C.fmtDateTime(n.issued_at)}`) : null,
      dropped.length ? h('div', { class: 'no-print' }, h('h4', {}, t('ntc.dropped_lines')), h('ul', { class: 'list' }, dropped.map((l) => lineItem(n, l)))) : null);
  }

  async function showNotice(id) {
    openId = id;
    await act(async () => {
      const n = await api(`/api/notices/${id}`);
      const actions = [];
      if (n.status === 'draft' && canDraft()) {
        const remark = h('textarea', { name: 'remark', rows: 3, maxlength: 2000 }, n.remark);
        const rForm = h('form', { class: 'card no-print', data: { form: 'notice-remark' } },
          C.field(t('ntc.remark'), remark),
          h('button', { type: 'submit', class: 'small', data: { action: 'save-remark' } }, t('ntc.save_remark')));
        rForm.addEventListener('submit', (ev) => {
          ev.preventDefault();
          act(async () => { await api(`/api/notices/${n.id}`, { method: 'PATCH', body: { remark: remark.value } }); await showNotice(n.id); say('ok', t('ntc.saved')); });
        });
        actions.push(rForm, h('button', { type: 'button', data: { action: 'issue-notice' }, onclick: () => act(async () => {
          const issued = await api(`/api/notices/${n.id}/issue`, { method: 'POST' });
          say('ok', t('ntc.issued', { number: issued.number }));
          await showNotice(n.id);
          await loadList();
        }) }, t('ntc.issue')));
      }
      if (n.status === 'issued' && canDraft()) {
        const holder = h('div', { class: 'no-print' });
        holder.append(h('button', { type: 'button', class: 'small', data: { action: 'withdraw-notice' }, onclick: () => {
          holder.replaceChildren(reasonForm(t('ntc.withdraw_reason'), 'confirm-withdraw', (reason) => act(async () => {
            await api(`/api/notices/${n.id}/withdraw`, { method: 'POST', body: { reason } });
            await showNotice(n.id);
            await loadList();
          })));
        } }, t('ntc.withdraw')));
        actions.push(holder);
      }
      const tools = h('div', { class: 'filter-actions no-print' },
        h('button', { type: 'button', class: 'small', data: { action: 'print-notice' }, onclick: printNotice }, t('ntc.print')),
        ...['csv', 'xlsx'].map((fmt) => h('button', { type: 'button', class: 'small', data: { action: `notice-${fmt}` }, onclick: () => act(() => C.downloadCsv(`/api/notices/${n.id}/export`, `notice-${n.id}`, fmt)) }, t(`console.${fmt}`))),
        h('button', { type: 'button', class: 'small', data: { action: 'close-notice' }, onclick: () => { openId = null; loadList(); } }, t('ntc.back')));
      C.fill(ui.body, h('div', { class: 'no-print' }, statusBadge(n)), sheet(n), ...actions, tools);
    });
  }

  function listItem(n) {
    return h('li', { data: { noticeItem: String(n.id), status: n.status } },
      h('div', { class: 'rec-head' },
        h('a', { href: '#', class: 'rec-title', onclick: (ev) => { ev.preventDefault(); showNotice(n.id); } }, n.number || t('ntc.no_number')),
        statusBadge(n)),
      h('div', { class: 'rec-body' }, `${n.title} · ${t('ntc.line_count', { n: n.lines })}`));
  }

  async function loadList() {
    if (openId !== null) return;
    await act(async () => {
      const rows = await api('/api/notices');
      const drafts = rows.filter((n) => n.status === 'draft');
      const issued = rows.filter((n) => n.status !== 'draft');
      C.fill(ui.body,
        drafts.length ? [h('h3', {}, t('ntc.drafts')), h('ul', { class: 'list', data: { draftList: '' } }, drafts.map(listItem))] : null,
        h('h3', {}, t('ntc.issued_list', { year: thisYear })),
        issued.length ? h('ul', { class: 'list', data: { noticeList: '' } }, issued.map(listItem)) : h('p', { class: 'muted' }, t('ntc.none')));
    });
  }

  async function loadAreas() {
    if (!canDraft()) return;
    await act(async () => {
      const areas = await api('/api/notices/areas');
      areaSel.replaceChildren(...areas.map((a) => h('option', { value: a.code }, getLang() === 'en' ? a.label_en : a.label_zh)));
    });
  }

  return { async update() { if (!loaded) { loaded = true; await loadAreas(); await loadList(); } } };
}
