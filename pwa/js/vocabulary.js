// The words for the domain's codes (hazard categories, statuses, departments, ...) and the
// hazard lifecycle, as the server sends them in the bootstrap ("vocabulary", app/vocabulary.py)
// and kept offline with it. The PWA lists no code and no label of its own.
import { store } from './store.js';
import { getLang } from './i18n/index.js';

const byCode = new WeakMap(); // vocabulary object -> {kind: Map(code -> term)}

function vocabulary() {
  const b = store.get('bootstrap');
  return (b && b.vocabulary) || {};
}

function terms(kind) {
  const v = vocabulary();
  if (!byCode.has(v)) byCode.set(v, {});
  const index = byCode.get(v);
  if (!index[kind]) index[kind] = new Map((v[kind] || []).map((x) => [x.code, x]));
  return index[kind];
}

const text = (term) => term[getLang()] || term.zh;

/** [[code, label]] of one vocabulary in the server's order, labelled in the current language. */
export const options = (kind) => [...terms(kind).values()].map((x) => [x.code, text(x)]);

/** The label of a code (the code itself before the first bootstrap arrives). */
export function label(kind, code) {
  const term = terms(kind).get(code);
  return term ? text(term) : String(code ?? '');
}

/** The hazard actions the lifecycle allows from a status. */
export function hazardActions(status) {
  return (vocabulary().hazard_lifecycle || {})[status] || [];
}

/** A figure of a rule the server keeps (app/vocabulary.py rule_figures), e.g. short_shift_s. */
export function ruleFigure(name, fallback) {
  const figures = vocabulary().rule_figures || {};
  return name in figures ? figures[name] : fallback;
}
