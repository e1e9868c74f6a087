// Police at the gate (护学岗): an officer of the police station or the traffic police, or the
// school's gate staff, records who was at the post for the arrival or dismissal window.
// Saved to the outbox and synced when there is a network; the server judges the window by the
// corrected time and accepts only posts that exist (app/police/rules.py). Gate staff find
// their school's posts in the bootstrap; an officer's posts are fetched once online and kept
// (report-cache), so the phone records offline afterwards.
import { h, localDate } from '../util.js';
import { t } from '../i18n/index.js';
import { store } from '../store.js';
import { api } from '../api.js';
import * as outbox from '../outbox.js';
import * as model from '../model.js';
import * as cache from '../report-cache.js';
import * as vocab from '../vocabulary.js';
import { syncNow } from '../sync.js';
import { flash, fillSelect } from './common.js';

const CACHE_VIEW = 'police-posts';

/** [{post_id, site_id, site_name, department, windows}] this user records at. */
async function postsOf(user) {
  const fromBootstrap = [];
  for (const s of model.sites()) {
    for (const p of s.police_posts || []) {
      fromBootstrap.push({ post_id: p.id, site_id: s.id, site_name: s.name, department: p.department, windows: model.windowsOf(s) });
    }
  }
  if (!user.roles.includes('department')) return fromBootstrap;
  try {
    const fresh = await api('/api/police/posts/windows');
    await cache.save(user.id, CACHE_VIEW, '/api/police/posts/windows', fresh);
  } catch (e) { /* offline: the kept answer below */ }
  const kept = await cache.load(user.id, CACHE_VIEW);
  return (kept ? kept.data : []).map((p) => ({ post_id: p.id, site_id: p.site_id, site_name: p.site_name, department: p.department, windows: p.windows }));
}

export function mount(root) {
  const u = store.user;
  const msg = h('div', { data: { msg: '' } });
  const f = {
    post: h('select', { name: 'post', required: true }),
    window: h('select', { name: 'window', required: true }),
    date: h('input', { type: 'date', name: 'local_date', value: localDate() }),
    officers: h('input', { type: 'number', name: 'officers', min: '0', max: '50', value: '2', required: true }),
    names: h('input', { type: 'text', name: 'officer_names', maxlength: '500', placeholder: t('pol.names_hint') }),
  };
  const form = h('form', { class: 'card', data: { form: 'police' } },
    h('label', {}, t('pol.post'), f.post),
    h('label', {}, t('pol.window'), f.window),
    h('label', {}, t('pol.date'), f.date),
    h('label', {}, t('pol.officers'), f.officers),
    h('label', {}, `${t('pol.names')} ${t('common.optional')}`, f.names),
    h('button', { type: 'submit', class: 'primary', data: { action: 'save-presence' } }, t('pol.save')));
  root.append(h('h2', {}, t('pol.title')), msg, form);
  let posts = [];

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const post = posts.find((p) => String(p.post_id) === f.post.value);
    if (!post || !f.window.value) return;
    const names = f.names.value.split(/[,，、;；]/).map((x) => x.trim()).filter(Boolean);
    const officers = Number(f.officers.value);
    if (names.length && names.length !== officers) { flash(msg, t('pol.names_count'), 'bad'); return; }
    await outbox.add(u.id, 'police.presence', {
      site_id: post.site_id, department: post.department, window_id: Number(f.window.value),
      local_date: f.date.value, officers, officer_names: names,
    });
    f.names.value = '';
    flash(msg, t('pol.saved', { n: officers }));
    store.touch();
    syncNow();
  });
  f.post.addEventListener('change', () => fillWindows());

  function fillWindows() {
    const post = posts.find((p) => String(p.post_id) === f.post.value) || posts[0];
    fillSelect(f.window, (post ? post.windows : []).map((w) => [w.id, `${w.name} ${String(w.starts).slice(0, 5)}–${String(w.ends).slice(0, 5)}`]), f.window.value);
  }

  let loaded = false;
  async function update() {
    if (loaded) return;
    loaded = true;
    posts = await postsOf(u);
    if (!posts.length) { form.hidden = true; flash(msg, t('pol.no_posts'), 'warn'); return; }
    fillSelect(f.post, posts.map((p) => [p.post_id, `${p.site_name} · ${vocab.label('department', p.department)}`]), f.post.value);
    fillWindows();
  }
  return { update };
}
