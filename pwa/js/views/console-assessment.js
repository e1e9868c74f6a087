// Console: the year-end assessment (年终考核) per group, school, village and department
// (app/reports/assessment.py): the score (mean share kept), one-vote-veto subjects first, each
// criterion with its figures, the notices issued against the subject (informational) and the
// veto cases. A supervisor records a veto case (reason and evidence: an issued notice or a
// record) and withdraws one with a reason; withdrawn cases stay listed, not counted.
import { h } from '../util.js';
import { t, getLang } from '../i18n/index.js';
import { store } from '../store.js';
import { api } from '../api.js';
import * as C from './console-common.js';

const EVIDENCE = ['notice', 'hazard', 'shift', 'gate_check', 'visitor', 'roll_call'];
const isOffice = () => store.hasRole('supervisor') || store.hasRole('admin');
const label = (x) => (getLang() === 'en' ? x.label_en : x.label_zh);
const detail = (x) => (getLang() === 'en' ? x.detail_en : x.detail_zh);

export function mount(root) {
  const year = C.today().slice(0, 4);
  const from = C.dateInput('from', `${year}-01-01`);
  const to = C.dateInput('to', `${year}-12-31`);
  const grid = h('div', { class: 'filter-grid' }, C.field(t('console.from'), from), C.field(t('console.to'), to));
  const params = () => ({ from: from.value, to: to.value });
  let loaded = false;
  let subjects = [];

  const ui = C.frame(root, 'assessment', {
    filters: [grid],
    csv: (fmt) => C.downloadCsv(`/api/reports/assessment${C.query(params())}`, 'assessment', fmt),
    print: true,
    onSubmit: () => load(),
  });
  const vetoBox = h('section', { class: 'card', data: { vetoCases: '' } });
  const say = (cls, text) => ui.msg.replaceChildren(h('p', { class: `msg ${cls}` }, text));

  function subjectCard(s) {
    return h('section', { class: `card ${s.veto ? 'hz overdue' : ''}`, data: { subject: `${s.subject_kind}:${s.subject_id}`, veto: String(s.veto) } },
      h('div', { class: 'rec-head' },
        h('span', { class: 'rec-title' }, `${t(`asm.kind.${s.subject_kind}`)} · ${s.subject_name}`),
        s.veto ? h('span', { class: 'badge rejected', data: { vetoBadge: '' } }, t('asm.veto')) : null,
        h('span', { class: 'rec-time', data: { score: '' } }, s.score === null ? t('asm.no_score') : t('asm.score', { s: s.score }))),
      h('ul', { class: 'plain' }, s.lines.map((line) => h('li', { data: { criterion: line.criterion }, class: line.veto ? 'bad-text' : '' },
        label(line), line.due > 0 && !line.veto ? ` ${line.kept}/${line.due}` : '',
        detail(line) ? h('span', { class: 'muted' }, ` — ${detail(line)}`) : null))));
  }

  function vetoForm() {
    const subject = h('select', { name: 'subject', data: { vetoSubject: '' } },
      subjects.map((s) => h('option', { value: `${s.subject_kind}:${s.subject_id}` }, `${t(`asm.kind.${s.subject_kind}`)} · ${s.subject_name}`)));
    const on = C.dateInput('occurred_on', C.today() < to.value ? C.today() : to.value);
    const reason = h('input', { type: 'text', name: 'reason', required: true, maxlength: 2000 });
    const kind = h('select', { name: 'evidence_kind' }, EVIDENCE.map((k) => h('option', { value: k }, t(`asm.evidence.${k}`))));
    const ref = h('input', { type: 'text', name: 'evidence_ref', required: true, maxlength: 64, translate: 'no' });
    const form = h('form', { class: 'no-print', data: { form: 'veto-case' } },
      h('div', { class: 'filter-grid' },
        C.field(t('asm.subject'), subject), C.field(t('asm.occurred_on'), on),
        C.field(t('asm.reason'), reason), C.field(t('asm.evidence_kind'), kind), C.field(t('asm.evidence_ref'), ref)),
      h('button', { type: 'submit', class: 'small', data: { action: 'record-veto' } }, t('asm.record_veto')));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const [subjectKind, subjectId] = subject.value.split(':');
      try {
        await api('/api/veto-cases', { method: 'POST', body: { subject_kind: subjectKind, subject_id: subjectId, occurred_on: on.value, reason: reason.value, evidence_kind: kind.value, evidence_ref: ref.value.trim() } });
        say('ok', t('asm.veto_recorded'));
        await load();
      } catch (e) { say('bad', C.errorText(e)); }
    });
    return form;
  }

  function caseItem(c) {
    const holder = h('div', { class: 'no-print' });
    if (!c.withdrawn && store.hasRole('supervisor')) {
      holder.append(h('button', { type: 'button', class: 'small', data: { action: 'withdraw-veto' }, onclick: () => {
        const why = h('input', { type: 'text', name: 'reason', required: true, maxlength: 1000 });
        const f = h('form', { class: 'inline-form' }, C.field(t('asm.withdraw_reason'), why), h('button', { type: 'submit', class: 'small', data: { action: 'confirm-withdraw-veto' } }, t('ntc.confirm')));
        f.addEventListener('submit', async (ev) => {
          ev.preventDefault();
          if (!why.value.trim()) return;
          try { await api(`/api/veto-cases/${c.id}/withdraw`, { method: 'POST', body: { reason: why.value.trim() } }); await load(); } catch (e) { say('bad', C.errorText(e)); }
        });
        holder.replaceChildren(f);
      } }, t('asm.withdraw')));
    }
    return h('li', { class: c.withdrawn ? 'dropped' : 'short', data: { vetoCase: String(c.id), withdrawn: String(c.withdrawn) } },
      h('div', { class: 'rec-head' }, h('span', { class: 'rec-title' }, c.subject_name), h('span', { class: 'rec-time' }, c.occurred_on)),
      h('div', { class: 'rec-body' }, `${c.reason} · ${t('asm.evidence_line', { e: c.evidence_label })} · ${c.recorded_by_name}`),
      c.withdrawn ? h('div', { class: 'muted' }, t('asm.withdrawn_line', { why: c.withdraw_reason, who: c.withdrawn_by_name || '' })) : null,
      holder);
  }

  async function loadVeto() {
    if (!isOffice()) return;
    try {
      const cases = await api(`/api/veto-cases${C.query(params())}`);
      C.fill(vetoBox, h('h3', {}, t('asm.veto_cases')),
        cases.length ? h('ul', { class: 'list' }, cases.map(caseItem)) : h('p', { class: 'muted' }, t('asm.no_veto_cases')),
        store.hasRole('supervisor') && subjects.length ? vetoForm() : null);
    } catch (e) { say('bad', C.errorText(e)); }
  }

  function render(report) {
    subjects = report.subjects;
    C.fill(ui.body,
      h('p', { class: 'muted' }, `${report.date_from} – ${report.date_to} · ${t('asm.how')}`),
      subjects.length ? subjects.map(subjectCard) : h('p', { class: 'muted' }, t('console.empty')),
      isOffice() ? vetoBox : null);
  }

  async function load() {
    await C.loadInto(ui, 'assessment', `/api/reports/assessment${C.query(params())}`, render);
    await loadVeto();
  }

  return { async update() { if (!loaded) { loaded = true; await load(); } } };
}
