// Admin: police posts (护学岗): which school gets officers of which department (派出所,
// 交警中队) at its gate; a post is stood down, never deleted (its records stay). Online only,
// like every admin screen. Also the way to each school's duty plan (领导值班 排班).
import { h } from '../util.js';
import { t } from '../i18n/index.js';
import { api } from '../api.js';
import * as vocab from '../vocabulary.js';
import { selectOf } from './common.js';
import * as A from './admin-common.js';

const POSTING = ['police_station', 'traffic_police'];

export function mount(root) {
  const ui = A.frame(root, 'police');
  const list = h('div', { data: { postList: '' } });
  const createBox = h('div');
  const plans = h('ul', { class: 'list', data: { planLinks: '' } });
  ui.body.append(list, h('h3', {}, t('admin.police.new')), createBox, h('h3', {}, t('admin.police.duty_plans')), plans);

  async function call(path, opts) {
    try { await api(path, opts); await load(); A.showOk(ui.msg, t('common.saved')); } catch (e) { A.showError(ui.msg, e); }
  }

  async function load() {
    let posts; let sites;
    try {
      [posts, sites] = await Promise.all([api('/api/police/posts?include_inactive=true'), api('/api/sites')]);
    } catch (e) { A.showError(ui.msg, e); return; }
    const schools = sites.filter((s) => s.active && s.kind !== 'key_place');
    list.replaceChildren(A.table(t('admin.police.title'), [t('common.site'), t('admin.police.department'), t('admin.police.state'), ''],
      posts.map((p) => ({
        attrs: { 'data-post': String(p.id) },
        cells: [p.site_name, vocab.label('department', p.department), p.active ? t('admin.active') : t('admin.inactive'),
          h('button', { type: 'button', class: 'small', data: { action: p.active ? 'stand-down' : 'stand-up' },
            onclick: () => call(`/api/police/posts/${p.id}`, { method: 'PATCH', body: { active: !p.active } }) },
          p.active ? t('admin.deactivate') : t('admin.police.reactivate'))],
      }))));
    const site = selectOf('site_id', schools.map((s) => [s.id, s.name]), '', t('common.choose'));
    const dept = selectOf('department', POSTING.map((d) => [d, vocab.label('department', d)]), POSTING[0]);
    createBox.replaceChildren(A.form('police-post', [h('div', { class: 'filter-grid' },
      A.field(t('common.site'), site), A.field(t('admin.police.department'), dept))],
    (v) => call('/api/police/posts', { method: 'POST', body: { site_id: Number(v.site_id), department: v.department } }),
    t('admin.add')));
    plans.replaceChildren(...schools.map((s) => h('li', {}, h('a', { href: `#/duty-plan?site=${s.id}` }, s.name))));
  }

  let loaded = false;
  return { unmount: ui.unmount, async update() { if (!loaded) { loaded = true; await load(); } } };
}
