// Console: the hazards board (安全隐患督办). Counts by status and by department, the list with
// overdue first (as the server orders it), findings within 300 m grouped by place type. Actions
// (交办 with department and due date, 验收销号, 重新打开) are hazard.transition mutations written
// to the app's one outbox and pushed by sync, so they work offline too. Photos are fetched with
// the bearer token as blobs and shown through object URLs, revoked when hidden.
import { h } from '../util.js';
import { t } from '../i18n/index.js';
import { store } from '../store.js';
import * as outbox from '../outbox.js';
import * as model from '../model.js';
import * as vocab from '../vocabulary.js';
import { apiFetch } from '../api.js';
import { syncNow, currentSync } from '../sync.js';
import * as C from './console-common.js';

// Statuses, departments, their labels and which action fits which status: the bootstrap's
// vocabulary (app/vocabulary.py). The console offers assign, close and reopen; rectify (整改,
// with photos of the fix) is on the phone's hazard screen. Photos not on the server yet are
// shown as 照片未上传, never as links, and 验收 waits for the fix photos.
const deptLabel = (d) => (d && d !== 'null' ? vocab.label('department', d) : t('dept.none')); // by_department keys a missing one as "null"
const actionLabel = (a) => vocab.label('hazard_actions', a);

function gpsLinks(hz) {
  if (hz.lat == null || hz.lon == null) return null;
  const lat = Number(hz.lat).toFixed(6);
  const lon = Number(hz.lon).toFixed(6);
  // Links only: nothing is loaded from another site unless the user follows one.
  return h('span', { class: 'gps' }, `${t('common.gps')}：`,
    h('a', { href: `geo:${lat},${lon}`, data: { geo: '' } }, `${lat}, ${lon}`), ' · ',
    h('a', { href: `https://www.openstreetmap.org/?mlat=${lat}&mlon=${lon}#map=18/${lat}/${lon}`, target: '_blank', rel: 'noopener noreferrer' }, t('hz.map')));
}

export function mount(root) {
  const u = store.user;
  const isSupervisor = store.hasRole('supervisor') || store.hasRole('admin');
  const site = C.siteSelect();
  const group = C.groupSelect();
  const status = h('select', { name: 'status' }, h('option', { value: '' }, t('hz.all_status')),
    vocab.options('hazard_status').map(([code, label]) => h('option', { value: code }, label)));
  const params = () => ({ site_id: site.value, group_id: group.value });
  let loaded = false;
  let board = null;
  let urls = []; // object URLs of the photos on screen

  const ui = C.frame(root, 'hazards', {
    filters: [h('div', { class: 'filter-grid' },
      C.field(t('common.site'), site), C.field(t('common.group'), group), C.field(t('hz.filter_status'), status))],
    csv: (fmt) => C.downloadCsv(`/api/reports/hazards${C.query(params())}`, 'hazards', fmt),
    print: true,
    onSubmit: () => load(),
  });
  status.addEventListener('change', () => { if (board) render(); });

  function revokeAll() { urls.forEach((x) => URL.revokeObjectURL(x)); urls = []; }

  async function showPhotos(box, shas, button) {
    if (box.childElementCount) { // second click hides them again
      box.querySelectorAll('img').forEach((img) => { URL.revokeObjectURL(img.src); urls = urls.filter((x) => x !== img.src); });
      box.replaceChildren();
      button.textContent = t('hz.photos', { n: shas.length });
      return;
    }
    button.disabled = true;
    try {
      for (const sha of shas) {
        try {
          const blob = await (await apiFetch(`/api/photos/${sha}`)).blob();
          const url = URL.createObjectURL(blob);
          urls.push(url);
          box.appendChild(h('img', { src: url, alt: '', data: { photo: sha } }));
        } catch {
          box.appendChild(h('span', { class: 'muted', data: { photoFailed: sha } }, t('hz.photo_failed')));
        }
      }
      button.textContent = t('hz.photos_hide');
    } finally {
      button.disabled = false;
    }
  }

  async function act(hz, action, extra, note) {
    const payload = { hazard_id: hz.id, action, ...extra };
    await outbox.add(u.id, 'hazard.transition', payload);
    note.replaceChildren(h('p', { class: 'msg ok' }, t('hz.queued')));
    store.touch();
    await syncNow();
    await currentSync();
    if (navigator.onLine) await load();
    else render();
  }

  function actions(hz, pendingAction) {
    const note = h('div', { data: { actionMsg: '' } });
    if (pendingAction) return h('div', { class: 'hz-actions' }, h('p', { class: 'msg warn wide', data: { pendingAction } }, t('hz.pending', { a: actionLabel(pendingAction) })));
    const allowed = new Set(vocab.hazardActions(hz.status));
    const parts = [];
    if (allowed.has('assign')) {
      const dept = h('select', { name: 'department' }, h('option', { value: '' }, t('common.choose')),
        vocab.options('department').map(([code, label]) => h('option', { value: code, selected: code === hz.department }, label)));
      const due = h('input', { type: 'date', name: 'due_date', value: hz.due_date || C.addDays(C.today(), 7) });
      const comment = h('input', { type: 'text', name: 'comment', maxlength: '2000', placeholder: t('hz.comment') });
      parts.push(C.field(t('hz.department'), dept), C.field(t('hz.due'), due), h('div', { class: 'wide' }, comment),
        h('button', { type: 'button', class: 'small', data: { action: 'assign' }, onclick: () => {
          if (!dept.value || !due.value) { note.replaceChildren(h('p', { class: 'msg bad' }, t('hz.need_assign'))); return; }
          const extra = { department: dept.value, due_date: due.value };
          if (comment.value.trim()) extra.comment = comment.value.trim();
          act(hz, 'assign', extra, note);
        } }, actionLabel('assign')));
    }
    if (allowed.has('close') && isSupervisor) { // closing is the supervisor's (the push checks it too)
      // 验收 judges the fix by its photos: refused by the server until they arrived (app/hazards/rules.py).
      const waiting = (hz.fix_photos_missing || []).length;
      parts.push(h('button', { type: 'button', class: 'small', data: { action: 'close' }, disabled: waiting > 0, onclick: () => act(hz, 'close', {}, note) }, actionLabel('close')));
      if (waiting) parts.push(h('p', { class: 'msg warn wide', data: { fixPhotosMissing: String(waiting) } }, t('hz.fix_photos_missing', { n: waiting })));
    }
    if (allowed.has('reopen')) {
      parts.push(h('button', { type: 'button', class: 'small', data: { action: 'reopen' }, onclick: () => act(hz, 'reopen', {}, note) }, actionLabel('reopen')));
    }
    return parts.length ? h('div', { class: 'hz-actions no-print' }, ...parts, h('div', { class: 'wide' }, note)) : null;
  }

  function card(hz, pendingAction, fixPhotos) {
    // Only the photos on the server are links; the others are named as not uploaded yet.
    const missing = new Set([...(hz.photos_missing || []), ...(hz.fix_photos_missing || [])]);
    const all = [...hz.photos, ...fixPhotos.filter((x) => !hz.photos.includes(x))];
    const shas = all.filter((x) => !missing.has(x));
    const box = h('div', { class: 'hz-photos' });
    const photoBtn = shas.length ? h('button', { type: 'button', class: 'small no-print', data: { action: 'photos' } }, t('hz.photos', { n: shas.length })) : null;
    const notUploaded = missing.size ? h('span', { class: 'badge warn', data: { photosMissing: String(missing.size) } }, t('hz.photos_not_uploaded', { n: missing.size })) : null;
    const fix = hz.status === 'rectified' || hz.fix_note ? h('div', { class: 'rec-body', data: { fix: '' } },
      t('hz.fixed_by', { who: hz.fixed_by ? model.userName(hz.fixed_by) : '—', note: hz.fix_note || t('hz.no_fix_note') })) : null;
    if (photoBtn) photoBtn.addEventListener('click', () => showPhotos(box, shas, photoBtn));
    return h('li', { class: `hz ${hz.overdue ? 'overdue' : ''}`, data: { hazard: hz.id, status: hz.status, overdue: String(hz.overdue) } },
      h('div', { class: 'rec-head' },
        h('span', { class: 'rec-title' }, vocab.label('hazard_category', hz.category), hz.place_type ? ` · ${vocab.label('hazard_place_type', hz.place_type)}` : ''),
        h('span', { class: 'rec-time' }, C.fmtDateTime(hz.event_time).slice(0, 16))),
      h('div', { class: 'rec-foot' },
        h('span', { class: `badge st-${hz.status}`, data: { hazardStatus: hz.status } }, vocab.label('hazard_status', hz.status)),
        hz.overdue ? h('span', { class: 'badge overdue' }, t('hz.overdue_badge')) : null,
        h('span', { class: 'badge' }, vocab.label('hazard_severity', hz.severity)),
        h('span', { class: 'badge', data: { department: hz.department || '' } }, deptLabel(hz.department)),
        hz.due_date ? h('span', { class: hz.overdue ? 'bad-text' : 'muted' }, t('hz.due_on', { d: hz.due_date })) : null),
      h('div', { class: 'rec-body' }, hz.site_name),
      h('div', { class: 'rec-body', data: { description: '' } }, hz.description),
      hz.within_300m ? h('div', { class: 'rec-body warn-text' }, t('hz.within'), hz.distance_m != null ? ` · ${t('hz.distance', { m: Math.round(hz.distance_m) })}` : '') : null,
      h('div', { class: 'rec-body' }, gpsLinks(hz)),
      fix, photoBtn, notUploaded, box,
      actions(hz, pendingAction));
  }

  async function render() {
    revokeAll();
    const mine = await model.myEntries();
    const pending = new Map(mine.filter((e) => e.type === 'hazard.transition' && e.state === 'pending')
      .map((e) => [e.payload.hazard_id, e.payload.action]));
    // The server sends the photos of each hazard's latest rectification with the board.
    const fixes = new Map(board.hazards.map((x) => [x.id, x.fix_photos || []]));
    const hazards = board.hazards.filter((x) => !status.value || x.status === status.value);
    const byId = new Map(board.hazards.map((x) => [x.id, x]));
    const chip = (label, n, cls = '', data = {}) => h('span', { class: `chip ${cls}`, data }, `${label} ${n}`);
    C.fill(ui.body,
      h('h3', {}, t('hz.by_status')),
      h('div', { class: 'chips', data: { byStatus: '' } },
        board.overdue ? chip(t('hz.overdue_badge'), board.overdue, 'bad', { overdueCount: String(board.overdue) }) : null,
        vocab.options('hazard_status').filter(([code]) => board.by_status[code]).map(([code, label]) => chip(label, board.by_status[code], '', { statusCount: code }))),
      h('h3', {}, t('hz.by_department')),
      h('div', { class: 'chips', data: { byDepartment: '' } },
        Object.values(board.by_department || {}).some((n) => n)
          ? Object.entries(board.by_department).filter(([, n]) => n).map(([d, n]) => chip(deptLabel(d), n, '', { departmentCount: d }))
          : h('span', { class: 'muted' }, t('hz.none_open'))),
      board.within_300m.length ? h('h3', {}, t('hz.within_groups')) : null, // C.fill leaves null out
      board.within_300m.length ? h('ul', { class: 'list compact', data: { near: '' } }, board.within_300m.map((g) => h('li', {
        class: 'place-group', data: { placeType: g.place_type, count: String(g.count) },
      }, h('div', { class: 'rec-head' }, h('span', { class: 'rec-title' }, vocab.label('hazard_place_type', g.place_type)), h('span', { class: 'chip' }, String(g.count))),
      h('ul', { class: 'problems' }, g.hazard_ids.map((id) => byId.get(id)).filter(Boolean).map((x) => h('li', {}, `${x.site_name}：${x.description}`)))))) : '',
      h('h3', {}, t('hz.list')),
      hazards.length ? h('ul', { class: 'list hz-list', data: { hazards: '' } }, hazards.map((x) => card(x, pending.get(x.id), fixes.get(x.id) || [])))
        : h('p', { class: 'muted' }, t('console.empty')));
  }

  async function load() {
    await C.loadInto(ui, 'hazards', `/api/reports/hazards${C.query(params())}`, async (data) => {
      board = data;
      await render();
    });
  }

  return {
    async update() { if (!loaded) { loaded = true; await load(); } },
    unmount() { revokeAll(); },
  };
}
