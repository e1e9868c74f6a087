// Admin: a site's printable QR checkpoint sheet inside the app. The server's sheet
// (GET /api/sites/{id}/checkpoints/sheet) needs the bearer token, so a plain link answers 401;
// the app fetches it with the token, parses it without running anything (DOMParser) and shows
// its heading and cards here, with a print button that prints only the sheet. No signed link
// is handed out, so no URL that opens the sheet without logging in ever exists.
import { h } from '../util.js';
import { t } from '../i18n/index.js';
import { apiFetch } from '../api.js';
import * as A from './admin-common.js';

const siteParam = () => new URLSearchParams(location.hash.split('?')[1] || '').get('site');

/** The sheet's own nodes (heading, hint, card table), imported into this document. */
function sheetNodes(html) {
  const doc = new DOMParser().parseFromString(html, 'text/html');
  doc.querySelectorAll('script, link, style, iframe, object').forEach((n) => n.remove());
  return [...doc.body.children].map((n) => document.importNode(n, true));
}

export function mount(root) {
  const ui = A.frame(root, 'sites');
  const sheet = h('section', { class: 'qr-sheet', 'aria-label': t('admin.cp.sheet'), data: { qrSheet: '' } });
  const printBtn = h('button', { type: 'button', class: 'primary no-print', data: { action: 'print-sheet' }, disabled: true, onclick: () => {
    document.body.dataset.printOnly = 'sheet';
    window.addEventListener('afterprint', () => { delete document.body.dataset.printOnly; }, { once: true });
    window.print();
  } }, t('admin.cp.print'));
  ui.body.append(h('div', { class: 'row no-print' },
    h('a', { class: 'btn', href: '#/admin-sites' }, t('admin.back')), printBtn), sheet);

  return {
    unmount: ui.unmount,
    async update() {
      if (sheet.childElementCount) return;
      const id = siteParam();
      if (!id || !/^\d+$/.test(id)) { ui.msg.replaceChildren(h('p', { class: 'msg bad' }, t('admin.cp.no_site'))); return; }
      try {
        const res = await apiFetch(`/api/sites/${id}/checkpoints/sheet`);
        sheet.replaceChildren(...sheetNodes(await res.text()));
        sheet.dataset.qrSheet = id;
        printBtn.disabled = false;
      } catch (e) { A.showError(ui.msg, e); }
    },
  };
}
