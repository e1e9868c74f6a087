// Hazard report: category, place type, severity, description, photos (shrunk on the phone),
// GPS and "within 300 m of the school"; then my reports and their status.
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
  root.append(h('h2', {}, t('hazard.title')), noData, msg, form, h('h3', {}, t('hazard.mine')), list);

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
      const entries = (await model.myEntries()).filter((e) => e.type === 'hazard.report');
      const server = new Map((await model.pulledHazards()).map((x) => [x.id, x]));
      await fillEntries(list, entries.slice(0, 100));
      for (const li of list.querySelectorAll('li[data-record]')) {
        const hz = server.get(li.dataset.record);
        if (hz) li.querySelector('.rec-foot').appendChild(h('span', { class: 'badge', data: { hazardStatus: hz.status } }, vocab.label('hazard_status', hz.status)));
      }
    },
    unmount() { photos.forEach((p) => URL.revokeObjectURL(p.url)); },
  };
}
