// Hazard report: category, place type, severity, description, photos (shrunk on the phone),
// GPS and "within 300 m of the school"; then my reports and their status. Then 整改: the
// assigned hazards of her sites, each with a fix form (a note and after-photos, at least one:
// app/hazards/rules.py check_details), queued offline like every record; its photos upload
// after it, and 验收 waits for them on the server.
import { h, currentPosition, distanceM } from '../util.js';
import { t } from '../i18n/index.js';
import { store } from '../store.js';
import * as outbox from '../outbox.js';
import * as model from '../model.js';
import * as vocab from '../vocabulary.js';
import { prepare } from '../photos.js';
import { syncNow } from '../sync.js';
import { fillEntries, fillSelect, flash } from './common.js';

function defaultSite() {
  const u = store.user;
  if (u.home_site_id) return u.home_site_id;
  const g = model.myGroups()[0];
  const ids = g ? model.siteIdsOf(g) : [];
  return ids[0] || (model.sites()[0] && model.sites()[0].id);
}

export function mount(root) {
  const u = store.user;
  const msg = h('div', { data: { msg: '' } });
  const noData = h('p', { class: 'msg warn', hidden: true }, t('common.no_data'));
  const form = h('form', { class: 'card', data: { form: 'hazard' } });
  const list = h('ul', { class: 'list', data: { records: '' } });
  const fixList = h('ul', { class: 'list', data: { toRectify: '' } });
  root.append(h('h2', {}, t('hazard.title')), noData, msg, form, h('h3', {}, t('hazard.mine')), list,
    h('h3', {}, t('hazard.to_rectify')), h('p', { class: 'muted' }, t('hazard.rectify_hint')), fixList);
  const fixPhotos = new Map(); // hazard id -> [{blob, sha256, url}] picked for its fix
  const fixNotes = new Map(); // hazard id -> the fix note typed so far
  let openFix = null; // the hazard whose fix form is open
  let fixShown = null; // what the fix list was last built from

  let photos = []; // [{blob, sha256, url}]
  let pos = null;
  const siteSel = h('select', { name: 'site' });
  // The choices come from the bootstrap's vocabulary, filled in by update().
  const category = h('select', { name: 'category', required: true });
  const place = h('select', { name: 'place_type' });
  const severity = h('select', { name: 'severity', required: true });
  const description = h('textarea', { name: 'description', maxlength: '4000', required: true });
  const fileInput = h('input', { type: 'file', name: 'photos', accept: 'image/*', multiple: true, class: 'hidden-input' });
  const thumbs = h('div', { class: 'thumbs', data: { thumbs: '' } });
  const within = h('input', { type: 'checkbox', name: 'within_300m' });
  const gps = h('p', { class: 'muted', data: { gps: '' } }, t('common.gps_none'));
  const submit = h('button', { type: 'submit', class: 'primary' }, t('hazard.submit'));

  const updateDistance = () => {
    const s = model.site(siteSel.value);
    if (pos && s && s.lat != null && s.lon != null) {
      const d = Math.round(distanceM(pos.lat, pos.lon, s.lat, s.lon));
      gps.textContent = `${t('common.gps')}: ${pos.lat.toFixed(5)}, ${pos.lon.toFixed(5)} · ${t('hazard.distance', { m: d })}`;
      within.checked = d <= 300;
      return d;
    }
    gps.textContent = pos ? `${t('common.gps')}: ${pos.lat.toFixed(5)}, ${pos.lon.toFixed(5)}` : t('common.gps_none');
    return null;
  };
  siteSel.addEventListener('change', updateDistance);

  fileInput.addEventListener('change', async () => {
    const files = [...(fileInput.files || [])];
    fileInput.value = '';
    if (!files.length) return;
    submit.disabled = true;
    flash(msg, t('hazard.processing'), 'warn');
    try {
      for (const f of files) {
        const p = await prepare(f);
        if (!photos.some((x) => x.sha256 === p.sha256)) photos.push({ ...p, url: URL.createObjectURL(p.blob) });
      }
      thumbs.replaceChildren(...photos.map((p) => h('img', { src: p.url, alt: '', data: { sha: p.sha256 } })));
      msg.replaceChildren();
    } catch (e) {
      flash(msg, String(e.message || e), 'bad');
    } finally {
      submit.disabled = false;
    }
  });

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const text = description.value.trim();
    if (!text) { flash(msg, t('hazard.need_description'), 'bad'); return; }
    submit.disabled = true;
    try {
      const distance = updateDistance();
      const payload = {
        site_id: Number(siteSel.value),
        category: category.value,
        severity: severity.value,
        description: text,
        within_300m: within.checked,
        photos: photos.map((p) => p.sha256),
      };
      if (place.value) payload.place_type = place.value;
      if (pos) Object.assign(payload, pos);
      if (distance != null) payload.distance_m = distance;
      await outbox.add(u.id, 'hazard.report', payload, photos.map((p) => ({ sha256: p.sha256, blob: p.blob })));
      photos.forEach((p) => URL.revokeObjectURL(p.url));
      photos = [];
      thumbs.replaceChildren();
      description.value = '';
      flash(msg, t('common.saved'));
      store.touch();
      syncNow();
    } finally {
      submit.disabled = false;
    }
  });

  form.append(
    h('label', {}, t('common.site'), siteSel),
    h('label', {}, t('hazard.category'), category),
    h('label', {}, `${t('hazard.place_type')} ${t('common.optional')}`, place),
    h('label', {}, t('hazard.severity'), severity),
    h('label', {}, t('hazard.description'), description),
    h('label', {}, t('hazard.photos')), h('label', { class: 'btn' }, t('hazard.add_photo'), fileInput),
    h('p', { class: 'muted' }, t('hazard.photos_hint')), thumbs,
    gps,
    h('label', { class: 'check' }, within, t('hazard.within_300m')),
    submit);

  // Refills a select with the bootstrap's choices, keeping what the user picked.
  const fill = (select, options, fallback, placeholder) => fillSelect(select, options, select.value || fallback, placeholder);

  // One assigned hazard with its fix form (整改): a note and the after-photos.
  function fixItem(hz, pendingFix) {
    const site = model.site(hz.site_id);
    const li = h('li', { data: { rectify: hz.id, status: hz.status } },
      h('div', { class: 'rec-head' },
        h('span', { class: 'rec-title' }, `${vocab.label('hazard_category', hz.category)} · ${site ? site.name : `#${hz.site_id}`}`),
        h('span', { class: 'badge', data: { hazardStatus: hz.status } }, vocab.label('hazard_status', hz.status))),
      h('div', { class: 'rec-body' }, hz.description),
      hz.department ? h('div', { class: 'muted' }, `${vocab.label('department', hz.department)}${hz.due_date ? ` · ${t('hz.due_on', { d: hz.due_date })}` : ''}`) : null);
    if (pendingFix) {
      li.appendChild(h('p', { class: 'msg ok', data: { fixPending: pendingFix.state } }, t(pendingFix.state === 'applied' ? 'hazard.fix_sent' : 'hazard.fix_saved')));
      return li;
    }
    if (openFix !== hz.id) {
      li.appendChild(h('button', { type: 'button', class: 'small', data: { action: 'rectify' }, onclick: () => { openFix = hz.id; store.touch(); } }, t('hazard.rectify')));
      return li;
    }
    if (!fixPhotos.has(hz.id)) fixPhotos.set(hz.id, []);
    const picked = fixPhotos.get(hz.id);
    // The list is rebuilt on every store change: the note typed so far is kept beside it.
    const note = h('textarea', { name: 'fix_note', maxlength: '2000', placeholder: t('hazard.fix_note_hint') });
    note.value = fixNotes.get(hz.id) || '';
    note.addEventListener('input', () => fixNotes.set(hz.id, note.value));
    const input = h('input', { type: 'file', name: 'fix_photos', accept: 'image/*', multiple: true, class: 'hidden-input' });
    const thumbsBox = h('div', { class: 'thumbs', data: { fixThumbs: '' } }, picked.map((p) => h('img', { src: p.url, alt: '', data: { sha: p.sha256 } })));
    const fixMsg = h('div');
    const send = h('button', { type: 'button', class: 'primary', data: { action: 'send-fix' } }, t('hazard.fix_submit'));
    input.addEventListener('change', async () => {
      const files = [...(input.files || [])];
      input.value = '';
      send.disabled = true;
      flash(fixMsg, t('hazard.processing'), 'warn');
      try {
        for (const f of files) {
          const p = await prepare(f);
          if (!picked.some((x) => x.sha256 === p.sha256)) picked.push({ ...p, url: URL.createObjectURL(p.blob) });
        }
        thumbsBox.replaceChildren(...picked.map((p) => h('img', { src: p.url, alt: '', data: { sha: p.sha256 } })));
        fixMsg.replaceChildren();
      } catch (e) {
        flash(fixMsg, String(e.message || e), 'bad');
      } finally {
        send.disabled = false;
      }
    });
    send.addEventListener('click', async () => {
      if (!picked.length) { flash(fixMsg, t('hazard.fix_need_photo'), 'bad'); return; }
      send.disabled = true;
      const payload = { hazard_id: hz.id, action: 'rectify', photos: picked.map((p) => p.sha256) };
      if (note.value.trim()) payload.comment = note.value.trim();
      await outbox.add(u.id, 'hazard.transition', payload, picked.map((p) => ({ sha256: p.sha256, blob: p.blob })));
      picked.forEach((p) => URL.revokeObjectURL(p.url));
      fixPhotos.delete(hz.id);
      fixNotes.delete(hz.id);
      openFix = null;
      flash(msg, t('hazard.fix_saved'));
      store.touch();
      syncNow();
    });
    li.append(h('form', { class: 'fix-form', data: { form: 'rectify' }, onsubmit: (ev) => ev.preventDefault() },
      h('label', {}, t('hazard.fix_note'), note),
      h('label', { class: 'btn' }, t('hazard.fix_add_photo'), input), thumbsBox, fixMsg, send));
    return li;
  }

  let sitesFor = null; // the site ids the site list was built for
  let wordsFor; // the vocabulary the other lists were filled from
  currentPosition(5000).then((p) => { pos = p; updateDistance(); });
  return {
    async update() {
      const boot = store.get('bootstrap');
      noData.hidden = Boolean(boot);
      const key = model.sites().map((s) => s.id).join(',');
      if (sitesFor !== key) {
        const keep = siteSel.value || String(defaultSite() || '');
        siteSel.replaceChildren(...model.sites().map((s) => h('option', { value: String(s.id), selected: String(s.id) === keep }, s.name)));
        sitesFor = key;
        updateDistance();
      }
      const words = boot && boot.vocabulary;
      if (wordsFor !== words) {
        fill(category, vocab.options('hazard_category'), 'fire');
        fill(place, vocab.options('hazard_place_type'), '', t('common.choose'));
        fill(severity, vocab.options('hazard_severity'), 'medium');
        wordsFor = words;
      }
      const all = await model.myEntries();
      const entries = all.filter((e) => e.type === 'hazard.report');
      const pulled = await model.pulledHazards();
      const server = new Map(pulled.map((x) => [x.id, x]));
      // 整改: assigned hazards of her sites; a fix she queued here shows until the pull says so.
      const fixes = new Map(all.filter((e) => e.type === 'hazard.transition' && e.payload.action === 'rectify' && e.state !== 'rejected')
        .map((e) => [e.payload.hazard_id, e]));
      const toFix = pulled.filter((x) => x.status === 'assigned' && model.site(x.site_id))
        .sort((a, b) => String(a.due_date || '9').localeCompare(String(b.due_date || '9')));
      // Rebuilt only when what it shows changed, so a fix being typed keeps its focus.
      const fixKey = JSON.stringify([openFix, toFix.map((x) => [x.id, x.status, x.due_date, (fixes.get(x.id) || {}).state])]);
      if (fixKey !== fixShown) {
        fixShown = fixKey;
        fixList.replaceChildren(...toFix.map((x) => fixItem(x, fixes.get(x.id))));
        if (!toFix.length) fixList.appendChild(h('li', { class: 'muted' }, t('hazard.none_to_rectify')));
      }
      await fillEntries(list, entries.slice(0, 100));
      for (const li of list.querySelectorAll('li[data-record]')) {
        const hz = server.get(li.dataset.record);
        if (hz) li.querySelector('.rec-foot').appendChild(h('span', { class: 'badge', data: { hazardStatus: hz.status } }, vocab.label('hazard_status', hz.status)));
      }
    },
    unmount() {
      photos.forEach((p) => URL.revokeObjectURL(p.url));
      for (const list of fixPhotos.values()) list.forEach((p) => URL.revokeObjectURL(p.url));
    },
  };
}
