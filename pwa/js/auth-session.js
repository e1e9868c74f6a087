// Where the session lives: IndexedDB meta, so the app opens offline after one online login.
import { getMeta, setMeta, deleteMeta } from './db.js';

export const loadSession = () => getMeta('session');
export const saveSession = (s) => setMeta('session', s);
export const dropSession = () => deleteMeta('session');
