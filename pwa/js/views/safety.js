// Safety work (安全教育与技防), for the school's own staff: a safety lesson (安全、法制专题教育)
// or an emergency drill (应急预案演练) with its date, topic, participants and photos; the
// school's cameras and alarms (视频监控、入侵报警) checked one by one (正常 / 故障 with what is
// wrong and a photo), and its open faults reported fixed. Everything goes to the outbox and
// syncs when there is a network; the server decides (app/drills/rules.py, app/defences/rules.py).
import { h, localDate } from '../util.js';
import { t } from '../i18n/index.js';
import { store } from '../store.js';
import * as outbox from '../outbox.js';
import * as model from '../model.js';
import * as records from '../records-store.js';
import * as vocab from '../vocabulary.js';
import { prepare } from '../photos.js';
import { syncNow } from '../sync.js';
import { fillEntries, fillSelect, flash } from './common.js';

const homeSite = () => model.site(store.user.home_site_id) || model.sites()[0] || null;

// A photo picker: a button, the thumbnails, and the picked photos ({blob, sha256, url}).
function photoPicker(name, label, msg, busy) {
  const picked = [];
  const input = h('input', { type: 'file', name, accept: 'image/*', multiple: true, class: 'hidden-input' });
  const thumbs = h('div', { class: 'thumbs', data: { thumbs: name } });
  input.addEventListener('change', async () => {
    const files = [...(input.files || [])];
    input.value = '';
    if (!files.length) return;
    busy(true);
    flash(msg, t('hazard.processing'), 'warn');
    try {
      for (const f of files) {
        const p = await prepare(f);
        if (!picked.some((x) => x.sha256 === p.sha256)) picked.push({ ...p, url: URL.createObjectURL(p.blob) });
      }
      thumbs.replaceChildren(...picked.map((p) => h('img', { src: p.url, alt: '', data: { sha: p.sha256 } })));
      msg.replaceChildren();
    } catch (e) {
      flash(msg, String(e.message || e), 'bad');
    } finally {
      busy(false);
    }
  });
  return {
    el: [h('label', { class: 'btn' }, label, input), thumbs],
    picked,
    clear() { picked.forEach((p) => URL.revokeObjectURL(p.url)); picked.length = 0; thumbs.replaceChildren(); },
    uploads: () => picked.map((p) => ({ sha256: p.sha256, blob: p.blob })),
  };
}

export function mount(root) {
  const u = store.user;
  const msg = h('div', { data: { msg: '' } });
  const noSite = h('p', { class: 'msg warn', hidden: true }, t('sfy.no_site'));

  // --- a lesson or a drill ---
  const form = h('form', { class: 'card', data: { form: 'drill' } });
  const kind = h('select', { name: 'kind', required: true });
  const heldOn = h('input', { type: 'date', name: 'held_on', value: localDate(), max: localDate(), required: true });
  const topic = h('input', { type: 'text', name: 'topic', maxlength: '200', required: true, placeholder: t('sfy.topic_hint') });
  const participants = h('input', { type: 'number', name: 'participants', min: '1', max: '20000', required: true, inputmode: 'numeric' });
  const note = h('input', { type: 'text', name: 'participants_note', maxlength: '500', placeholder: t('sfy.participants_note_hint') });
  const save = h('button', { type: 'submit', class: 'primary', data: { action: 'save-drill' } }, t('sfy.save'));
  const photos = photoPicker('drill_photos', t('hazard.add_photo'), msg, (b) => { save.disabled = b; });
  form.append(
    h('label', {}, t('sfy.kind'), kind),
    h('label', {}, t('sfy.held_on'), heldOn),
    h('label', {}, t('sfy.topic'), topic),
    h('label', {}, t('sfy.participants'), participants),
    h('label', {}, `${t('sfy.participants_note')} ${t('common.optional')}`, note),
    h('label', {}, t('hazard.photos')), ...photos.el,
    save);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const site = homeSite();
    if (!site) return;
    if (!topic.value.trim() || !(Number(participants.value) >= 1)) { flash(msg, t('sfy.need_fields'), 'bad'); return; }
    if (heldOn.value > localDate()) { flash(msg, t('sfy.not_future'), 'bad'); return; }
    save.disabled = true;
    try {
      const payload = {
        site_id: site.id,
        kind: kind.value,
        held_on: heldOn.value,
        topic: topic.value.trim(),
        participants: Number(participants.value),
        participants_note: note.value.trim(),
        photos: photos.picked.map((p) => p.sha256),
      };
      await outbox.add(u.id, 'drill.record', payload, photos.uploads());
      photos.clear();
      topic.value = '';
      note.value = '';
      participants.value = '';
      flash(msg, t('sfy.saved'));
      store.touch();
      syncNow();
    } finally {
      save.disabled = false;
    }
  });
  const mine = h('ul', { class: 'list', data: { records: '' } });

  // --- the technical defences ---
  const devList = h('ul', { class: 'list', data: { devices: '' } });
  const faultList = h('ul', { class: 'list', data: { faults: '' } });
  const checkMsg = h('div', { data: { checkMsg: '' } });
  let openDevice = null; // the device whose fault form is open
  let shown = null;

  async function check(device, result, description = '', picker = null) {
    const payload = { defence_device_id: device.id, result, description, photos: picker ? picker.picked.map((p) => p.sha256) : [] };
    await outbox.add(u.id, 'defence.check', payload, picker ? picker.uploads() : []);
    if (picker) picker.clear();
    openDevice = null;
    flash(checkMsg, t(result === 'ok' ? 'sfy.checked_ok' : 'sfy.checked_fault', { name: device.name }));
    store.touch();
    syncNow();
  }

  function deviceItem(d) {
    const li = h('li', { data: { device: String(d.id) } },
      h('div', { class: 'rec-head' },
        h('span', { class: 'rec-title' }, `${vocab.label('device_kind', d.kind)} · ${d.name}`),
        h('span', { class: 'rec-time' }, d.location || '')));
    if (openDevice !== d.id) {
      li.append(h('div', { class: 'row' },
        h('button', { type: 'button', class: 'small', data: { action: 'check-ok' }, onclick: () => check(d, 'ok') }, t('sfy.ok')),
        h('button', { type: 'button', class: 'small', data: { action: 'check-fault' }, onclick: () => { openDevice = d.id; shown = null; store.touch(); } }, t('sfy.fault'))));
      return li;
    }
    const what = h('textarea', { name: 'fault_description', maxlength: '2000', placeholder: t('sfy.fault_hint') });
    const fmsg = h('div');
    const send = h('button', { type: 'button', class: 'primary', data: { action: 'send-fault' } }, t('sfy.send_fault'));
    const picker = photoPicker('fault_photos', t('hazard.add_photo'), fmsg, (b) => { send.disabled = b; });
    send.addEventListener('click', () => {
      if (!what.value.trim()) { flash(fmsg, t('sfy.need_fault'), 'bad'); return; }
      check(d, 'fault', what.value.trim(), picker);
    });
    li.append(h('form', { class: 'fix-form', data: { form: 'fault' }, onsubmit: (ev) => ev.preventDefault() },
      h('label', {}, t('sfy.fault_description'), what), ...picker.el, fmsg, send));
    return li;
  }

  function faultItem(f, device, pendingFix) {
    const li = h('li', { data: { fault: f.id, status: f.status } },
      h('div', { class: 'rec-head' },
        h('span', { class: 'rec-title' }, device ? device.name : `#${f.defence_device_id}`),
        h('span', { class: 'badge' }, vocab.label('fault_status', f.status))),
      h('div', { class: 'rec-body' }, f.description));
    if (pendingFix) { li.append(h('p', { class: 'msg ok', data: { fixPending: '' } }, t('sfy.fix_saved'))); return li; }
    if (f.status !== 'open') return li;
    const fixNote = h('input', { type: 'text', name: 'fix_note', maxlength: '2000', placeholder: t('sfy.fix_hint') });
    li.append(h('div', { class: 'row' }, fixNote,
      h('button', { type: 'button', class: 'small', data: { action: 'fix' }, onclick: async () => {
        if (!fixNote.value.trim()) { flash(checkMsg, t('sfy.fix_hint'), 'bad'); return; }
        await outbox.add(u.id, 'defence.fault_transition', { fault_id: f.id, action: 'fix', comment: fixNote.value.trim() });
        shown = null;
        store.touch();
        syncNow();
      } }, t('sfy.fixed'))));
    return li;
  }

  root.append(h('h2', {}, t('sfy.title')), noSite, msg,
    h('h3', {}, t('sfy.record')), form, h('h3', {}, t('sfy.mine')), mine,
    h('h3', {}, t('sfy.defences')), h('p', { class: 'muted' }, t('sfy.check_hint')), checkMsg, devList,
    h('h3', {}, t('sfy.faults')), faultList);

  let wordsFor;
  return {
    async update() {
      const boot = store.get('bootstrap');
      const site = boot ? homeSite() : null;
      noSite.hidden = Boolean(site);
      const words = boot && boot.vocabulary;
      if (wordsFor !== words) {
        fillSelect(kind, vocab.options('activity_kind'), kind.value || 'drill');
        wordsFor = words;
      }
      const all = await model.myEntries();
      await fillEntries(mine, all.filter((e) => e.type === 'drill.record').slice(0, 50), t('sfy.none'));
      const devices = site ? (site.defence_devices || []) : [];
      const pulled = (await records.ofEntity('defence_fault')).filter((f) => site && String(f.site_id) === String(site.id));
      const faults = new Map(pulled.map((f) => [f.id, f]));
      const fixes = new Set(all.filter((e) => e.type === 'defence.fault_transition' && e.state === 'pending').map((e) => e.payload.fault_id));
      const open = [...faults.values()].filter((f) => f.status !== 'accepted');
      const key = JSON.stringify([openDevice, devices.map((d) => d.id), open.map((f) => [f.id, f.status, fixes.has(f.id)])]);
      if (key !== shown) {
        shown = key;
        devList.replaceChildren(...devices.map(deviceItem));
        if (!devices.length) devList.append(h('li', { class: 'muted' }, t('sfy.no_devices')));
        const byId = new Map(devices.map((d) => [d.id, d]));
        faultList.replaceChildren(...open.map((f) => faultItem(f, byId.get(f.defence_device_id), fixes.has(f.id))));
        if (!faultList.children.length) faultList.append(h('li', { class: 'muted' }, t('sfy.no_faults')));
      }
    },
    unmount() {},
  };
}
