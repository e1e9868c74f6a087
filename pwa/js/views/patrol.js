// Patrol: start a shift with the members present, scan checkpoints (camera, photo of the QR,
// or typed code), see which are still missing, end the shift.
import { h, currentPosition, shortTime } from '../util.js';
import { t } from '../i18n/index.js';
import { store } from '../store.js';
import * as outbox from '../outbox.js';
import * as model from '../model.js';
import * as scanner from '../scanner.js';
import { syncNow } from '../sync.js';
import { fillEntries, selectOf, flash } from './common.js';

const PATROL_TYPES = new Set(['shift.start', 'shift.scan', 'shift.end']);

export function mount(root) {
  const u = store.user;
  const startBox = h('section', { class: 'card', data: { section: 'start' } });
  const shiftBox = h('section', { class: 'card', data: { section: 'shift' } });
  const msg = h('div', { data: { msg: '' } });
  const list = h('ul', { class: 'list', data: { records: '' } });
  root.append(h('h2', {}, t('patrol.title')), msg, startBox, shiftBox, h('h3', {}, t('patrol.recent')), list);

  let stopCamera = null;
  let shown = null; // id of the shift the scan box was built for

  function buildStart() {
    const groups = model.myGroups();
    const groupSel = selectOf('group', groups.map((g) => [g.id, g.name]), groups[0] && groups[0].id);
    const siteSel = h('select', { name: 'site' });
    const members = h('div', { class: 'members', data: { members: '' } });
    const warn = h('p', { class: 'warn-text' });
    const fillSites = () => {
      const g = groups.find((x) => String(x.id) === groupSel.value);
      const ids = g ? model.siteIdsOf(g).map(String) : [];
      const list = model.sites().filter((s) => !ids.length || ids.includes(String(s.id)));
      siteSel.replaceChildren(...list.map((s) => h('option', { value: String(s.id) }, s.name)));
      const people = g ? model.membersOf(g) : [u];
      members.replaceChildren(...people.map((m) => h('label', { class: 'check' },
        h('input', { type: 'checkbox', name: 'member', value: String(m.id), checked: m.id === u.id }), m.display_name)));
      countWarn();
    };
    const countWarn = () => {
      const n = members.querySelectorAll('input:checked').length;
      const s = model.site(siteSel.value);
      const req = (s && s.required_patrol_staff) || 4;
      warn.textContent = n < req ? t('patrol.members_warn', { n }) : '';
    };
    groupSel.addEventListener('change', fillSites);
    siteSel.addEventListener('change', countWarn);
    members.addEventListener('change', countWarn);
    const start = h('button', { type: 'button', class: 'primary', data: { action: 'start-shift' } }, t('patrol.start'));
    start.addEventListener('click', async () => {
      const ids = [...members.querySelectorAll('input:checked')].map((i) => Number(i.value));
      if (!ids.includes(u.id)) ids.unshift(u.id);
      const payload = { site_id: Number(siteSel.value), member_ids: ids };
      if (groupSel.value) payload.group_id = Number(groupSel.value);
      await outbox.add(u.id, 'shift.start', payload);
      flash(msg, t('common.saved'));
      store.touch();
      syncNow();
    });
    startBox.replaceChildren(
      h('label', {}, t('common.group'), groupSel),
      h('label', {}, t('common.site'), siteSel),
      h('label', {}, t('patrol.members')), members, warn, start);
    fillSites();
  }

  // method: qr (read from the printed code: camera or photo) or typed; the server flags typed
  // scans and scans far from the checkpoint (app/shifts/rules.py) but keeps them.
  async function scanCode(shift, raw, method) {
    const code = String(raw || '').trim().toUpperCase();
    if (!code) return;
    const s = model.site(shift.payload.site_id);
    const cps = model.checkpointsOf(s);
    const cp = cps.find((c) => c.code.toUpperCase() === code);
    if (cps.length && !cp) { flash(msg, t('patrol.code_unknown', { code }), 'bad'); return; }
    const pos = await currentPosition(4000);
    const payload = { shift_id: shift.id, checkpoint_code: cp ? cp.code : code, method };
    if (pos) Object.assign(payload, pos);
    await outbox.add(u.id, 'shift.scan', payload);
    flash(msg, t('patrol.scanned', { name: cp ? cp.name : code }));
    store.touch();
    syncNow();
  }

  function buildShift(shift) {
    const s = model.site(shift.payload.site_id);
    const cpList = h('div', { class: 'cps', data: { checkpoints: '' } });
    const missing = h('p', { class: 'warn-text', data: { missing: '' } });
    const video = h('video', { class: 'scan', playsinline: true, muted: true, hidden: true });
    const camBtn = h('button', { type: 'button', data: { action: 'camera' } }, t('patrol.scan_camera'));
    camBtn.hidden = !scanner.hasCamera();
    camBtn.addEventListener('click', async () => {
      if (stopCamera) { stopCamera(); stopCamera = null; video.hidden = true; camBtn.textContent = t('patrol.scan_camera'); return; }
      try {
        video.hidden = false;
        camBtn.textContent = t('patrol.scan_stop');
        stopCamera = await scanner.scanCamera(video, (text) => {
          stopCamera = null; video.hidden = true; camBtn.textContent = t('patrol.scan_camera');
          scanCode(shift, text, 'qr');
        });
      } catch {
        video.hidden = true; camBtn.textContent = t('patrol.scan_camera');
        flash(msg, t('patrol.no_camera'), 'warn');
      }
    });
    const photo = h('input', { type: 'file', accept: 'image/*', capture: 'environment', name: 'qr-photo', class: 'hidden-input', data: { input: 'qr-photo' } });
    const photoBtn = h('label', { class: 'btn' }, t('patrol.scan_photo'), photo);
    photo.addEventListener('change', async () => {
      const f = photo.files && photo.files[0];
      photo.value = '';
      if (!f) return;
      let text = null;
      try { text = await scanner.decodeFile(f); } catch { text = null; }
      if (text) await scanCode(shift, text, 'qr');
      else flash(msg, t('patrol.no_qr'), 'warn');
    });
    const code = h('input', { type: 'text', id: 'checkpoint-code', name: 'checkpoint-code', autocapitalize: 'characters', placeholder: 'DF-CP1' });
    const manual = h('form', { class: 'row', data: { form: 'manual-scan' } }, code,
      h('button', { type: 'submit' }, t('patrol.manual_submit')));
    manual.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const v = code.value;
      code.value = '';
      await scanCode(shift, v, 'typed');
    });
    const note = h('input', { type: 'text', name: 'note', maxlength: '2000' });
    const end = h('button', { type: 'button', class: 'primary', data: { action: 'end-shift' } }, t('patrol.end'));
    end.addEventListener('click', async () => {
      const left = cpList.querySelectorAll('.cp:not(.done)').length;
      if (left && !window.confirm(t('patrol.end_confirm', { n: left }))) return;
      const payload = { shift_id: shift.id };
      if (note.value.trim()) payload.note = note.value.trim();
      await outbox.add(u.id, 'shift.end', payload);
      flash(msg, t('common.saved'));
      store.touch();
      syncNow();
    });
    shiftBox.replaceChildren(
      h('p', { class: 'rec-title', data: { openShift: shift.id } },
        t('patrol.current', { site: s ? s.name : `#${shift.payload.site_id}`, t: shortTime(shift.occurred_at) })),
      h('h3', {}, t('patrol.scan')),
      h('div', { class: 'row' }, camBtn, photoBtn), video,
      h('label', { for: 'checkpoint-code' }, t('patrol.manual')), manual,
      h('h3', {}, t('patrol.checkpoints')), missing, cpList,
      h('label', {}, t('patrol.note'), note), end);
    return { cpList, missing, site: s };
  }

  let parts = null;
  return {
    async update() {
      const entries = await model.myEntries();
      if (!store.get('bootstrap')) {
        startBox.replaceChildren(h('p', { class: 'msg warn' }, t('common.no_data')));
      }
      const shift = await model.openShift(entries);
      if (!shift) {
        shiftBox.hidden = true;
        startBox.hidden = false;
        if (shown !== 'start' && store.get('bootstrap')) { buildStart(); shown = 'start'; }
      } else {
        startBox.hidden = true;
        shiftBox.hidden = false;
        if (shown !== shift.id) { parts = buildShift(shift); shown = shift.id; }
        const cps = model.checkpointsOf(parts.site);
        // Scanned: this phone's scans (by the code typed or read) and the server's (by id).
        const scanned = new Set(entries.filter((e) => e.type === 'shift.scan' && e.payload.shift_id === shift.id && e.state !== 'rejected')
          .map((e) => e.payload.checkpoint_code.toUpperCase()));
        const codeOf = new Map(cps.map((c) => [c.id, c.code.toUpperCase()]));
        for (const sc of await model.pulledScans()) if (sc.shift_id === shift.id && codeOf.has(sc.checkpoint_id)) scanned.add(codeOf.get(sc.checkpoint_id));
        parts.cpList.replaceChildren(...cps.map((c) => h('div', { class: `cp ${scanned.has(c.code.toUpperCase()) ? 'done' : ''}`, data: { cp: c.code } },
          h('span', {}, `${scanned.has(c.code.toUpperCase()) ? '✓ ' : ''}${c.name}`), h('span', { class: 'code' }, c.code))));
        const left = cps.filter((c) => !scanned.has(c.code.toUpperCase())).length;
        parts.missing.textContent = left ? t('patrol.missing', { n: left }) : t('patrol.all_done');
      }
      await fillEntries(list, entries.filter((e) => PATROL_TYPES.has(e.type)).slice(0, 100));
    },
    unmount() { if (stopCamera) stopCamera(); },
  };
}
