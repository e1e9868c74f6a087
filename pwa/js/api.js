// fetch for /api: bearer token, one shared refresh on 401 (rotation: a refresh token is
// used once, so two concurrent refreshes must never race), errors as ApiError.
import { store } from './store.js';
import { saveSession } from './auth-session.js';

export class ApiError extends Error {
  constructor(status, code, message, details) {
    super(message || code || `HTTP ${status}`);
    this.status = status; // 0 = no network
    this.code = code;
    this.details = details;
  }
  get retryable() { return this.status === 0 || this.status === 408 || this.status === 429 || this.status >= 500; }
}

async function parse(res) {
  if (res.status === 204) return null;
  const type = res.headers.get('content-type') || '';
  const body = type.includes('json') ? await res.json().catch(() => null) : null;
  if (res.ok) return body;
  const err = (body && body.error) || {};
  throw new ApiError(res.status, err.code || `http_${res.status}`, err.message || res.statusText, err.details);
}

async function raw(path, { method = 'GET', body, headers = {}, token, json = true } = {}) {
  const h = { ...headers };
  if (token) h.Authorization = `Bearer ${token}`;
  let payload = body;
  if (body !== undefined && json) { h['Content-Type'] = 'application/json'; payload = JSON.stringify(body); }
  let res;
  try {
    res = await fetch(path, { method, headers: h, body: payload, cache: 'no-store' });
  } catch (e) {
    throw new ApiError(0, 'network', e.message);
  }
  return parse(res);
}

let refreshing = null;

/** Rotates the refresh token once, shared by every caller (and every tab, with Web Locks). */
export function refreshTokens() {
  if (!refreshing) {
    const run = async () => {
      const before = store.get('session');
      if (!before) throw new ApiError(401, 'no_session', 'not logged in');
      let tokens;
      try {
        tokens = await raw('/api/auth/refresh', { method: 'POST', body: { refresh_token: before.refresh_token } });
      } catch (e) {
        if (e.status === 401 || e.status === 403) {
          // Expired, revoked or reused: keep every record, ask the user to log in again.
          store.set({ needsLogin: true });
        }
        throw e;
      }
      const session = {
        ...before,
        access_token: tokens.access_token,
        refresh_token: tokens.refresh_token,
        expires_at: Date.now() + tokens.expires_in * 1000,
        scope: tokens.scope,
      };
      await saveSession(session);
      store.set({ session, needsLogin: false });
      return session;
    };
    const locked = navigator.locks ? () => navigator.locks.request('patrol-auth-refresh', run) : run;
    refreshing = locked().finally(() => { refreshing = null; });
  }
  return refreshing;
}

/** An authenticated call; refreshes the token once on 401 and retries. */
export async function api(path, opts = {}) {
  let session = store.get('session');
  if (!session) throw new ApiError(401, 'no_session', 'not logged in');
  if (store.get('needsLogin')) throw new ApiError(401, 'needs_login', 'log in again');
  if (session.expires_at && session.expires_at - Date.now() < 30000) {
    session = await refreshTokens();
  }
  try {
    return await raw(path, { ...opts, token: session.access_token });
  } catch (e) {
    if (e.status !== 401) throw e;
    session = await refreshTokens();
    return raw(path, { ...opts, token: session.access_token });
  }
}

/** An unauthenticated call (login). */
export function publicApi(path, opts) { return raw(path, opts); }
