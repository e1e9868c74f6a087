// The village cadre's (村干部) monthly dispute screening form (矛盾纠纷排查表): petitions (信访),
// unstable factors (不稳定因素) and the disputes found, each with its category and whether the
// village settled it already. Saved to the outbox and synced when there is a network; the
// server decides (app/villages/rules.py): on time when handed in by the end of the 17th (town
// local date, by the clock-corrected time), one form per village and month, a correction
// replaces the earlier one. Opening a month already handed in on this phone starts from it,
// keeping each dispute's key, so the office's tracking of a dispute survives the correction.
import { h, uuidv7 } from '../util.js';
import { t } from '../i18n/index.js';
import { store } from '../store.js';
import { api } from '../api.js';
import * as outbox from '../outbox.js';
import * as model from '../model.js';
import * as vocab from '../vocabulary.js';
import { syncNow } from '../sync.js';
import { flash, selectOf, entryItem } from './common.js';

const DUE_DAY = 17; // on time to the end of the 17th (app/villages/rules.py)
const NAME_KEY = 'patrol.village_name';

function thisMonth(d = new Date()) {
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}`;
}

export function mount(root) {
  const u = store.user;
  const msg = h('div', { data: { msg: '' } });
  const title = h('p', { class: 'muted', data: { village: '' } });
  const month = h('input', { type: 'month', name: 'month', value: thisMonth(), max: thisMonth(), required: true });
  const due = h('p', { class: 'muted', data: { due: '' } });
  const petitions = h('input', { type: 'number', name: 'petitions', min: '0', max: '100000', value: '0', inputmode: 'numeric' });
  const unstable = h('input', { type: 'number', name: 'unstable_factors', min: '0', max: '100000', value: '0', inputmode: 'numeric' });
  const note = h('textarea', { name: 'note', maxlength: '1000', rows: '2' });
  const list = h('ol', { class: 'list', data: { disputes: '' } });
  const add = h('button', { type: 'button', class: 'small', data: { action: 'add-dispute' } }, t('vil.add_dispute'));
  const save = h('button', { type: 'submit', class: 'primary', data: { action: 'save-village-form' } }, t('vil.save'));
  const form = h('form', { class: 'card', data: { form: 'village-form' } },
    h('label', {}, t('vil.month'), month), due,
    h('label', {}, t('vil.petitions'), petitions),
    h('label', {}, t('vil.unstable'), unstable),
    h('h3', {}, t('vil.disputes')), list, add,
    h('label', {}, `${t('vil.note')} ${t('common.optional')}`, note), save);
  const history = h('ul', { class: 'list', data: { villageForms: '' } });
  root.append(h('h2', {}, t('vil.title')), title, msg, form, h('h3', {}, t('vil.handed_in')), history);

  let disputes = []; // [{key, summary, parties, category, settled_in_village}]
  let loadedFor = '';

  function renderDisputes() {
    const cats = vocab.options('dispute_category');
    list.replaceChildren(...disputes.map((d, i) => {
      const summary = h('input', { type: 'text', name: `summary-${i}`, maxlength: '500', required: true, value: d.summary, placeholder: t('vil.summary'), 'aria-label': t('vil.summary') });
      const parties = h('input', { type: 'text', name: `parties-${i}`, maxlength: '300', value: d.parties, placeholder: t('vil.parties'), 'aria-label': t('vil.parties') });
      const cat = selectOf(`category-${i}`, cats, d.category, t('vil.category'));
      cat.setAttribute('aria-label', t('vil.category'));
      cat.required = true;
      const settled = h('input', { type: 'checkbox', name: `settled-${i}`, checked: d.settled_in_village });
      summary.addEventListener('input', () => { d.summary = summary.value; });
      parties.addEventListener('input', () => { d.parties = parties.value; });
      cat.addEventListener('change', () => { d.category = cat.value; });
      settled.addEventListener('change', () => { d.settled_in_village = settled.checked; });
      const remove = h('button', { type: 'button', class: 'small', data: { action: 'remove-dispute' },
        onclick: () => { disputes.splice(i, 1); renderDisputes(); } }, t('vil.remove'));
      return h('li', { data: { dispute: d.key } }, summary, parties, cat,
        h('label', { class: 'check' }, settled, t('vil.settled')), remove);
    }));
    if (!disputes.length) list.appendChild(h('li', { class: 'muted' }, t('vil.no_disputes')));
  }

  add.addEventListener('click', () => {
    disputes.push({ key: uuidv7(), summary: '', parties: '', category: '', settled_in_village: false });
    renderDisputes();
  });

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (!u.village_id) { flash(msg, t('vil.no_village'), 'bad'); return; }
    if (disputes.some((d) => !d.summary.trim() || !d.category)) { flash(msg, t('vil.dispute_incomplete'), 'bad'); return; }
    const payload = {
      village_id: u.village_id,
      month: month.value,
      petitions: Number(petitions.value || 0),
      unstable_factors: Number(unstable.value || 0),
      disputes: disputes.map((d) => ({ key: d.key, summary: d.summary.trim(), parties: d.parties.trim(), category: d.category, settled_in_village: d.settled_in_village })),
    };
    if (note.value.trim()) payload.note = note.value.trim();
    await outbox.add(u.id, 'village.form', payload);
    flash(msg, t('vil.saved', { month: month.value }));
    store.touch();
    syncNow();
  });

  month.addEventListener('change', () => { loadedFor = ''; update(); });

  async function villageName() {
    try {
      const [mine] = await api('/api/villages');
      if (mine) localStorage.setItem(NAME_KEY, mine.name);
    } catch { /* offline: the name kept from the last time */ }
    return localStorage.getItem(NAME_KEY) || t('vil.village_n', { n: u.village_id });
  }
  villageName().then((name) => { title.textContent = t('vil.for', { name }); });

  async function update() {
    if (!u.village_id) { root.replaceChildren(h('h2', {}, t('vil.title')), h('p', { class: 'msg warn' }, t('vil.no_village'))); return; }
    const entries = (await model.myEntries()).filter((e) => e.type === 'village.form');
    const m = month.value;
    due.textContent = t('vil.due', { month: m, day: DUE_DAY });
    if (loadedFor !== m) { // a month handed in on this phone: start from its latest form
      const latest = entries.find((e) => e.payload.month === m && e.state !== 'rejected');
      if (latest) {
        const p = latest.payload;
        petitions.value = String(p.petitions || 0);
        unstable.value = String(p.unstable_factors || 0);
        note.value = p.note || '';
        disputes = (p.disputes || []).map((d) => ({ parties: '', settled_in_village: false, ...d }));
      } else {
        petitions.value = '0'; unstable.value = '0'; note.value = ''; disputes = [];
      }
      save.textContent = t(latest ? 'vil.save_correction' : 'vil.save');
      loadedFor = m;
      renderDisputes();
    }
    history.replaceChildren(...entries.map((e) => entryItem(e)));
    if (!entries.length) history.appendChild(h('li', { class: 'muted' }, t('vil.none_yet')));
  }
  return { update };
}
