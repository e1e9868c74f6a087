// The one network client for /api: it adds the bearer token, refreshes it once on 401 (one
// shared refresh: a refresh token is used once, so two concurrent refreshes must never race)
// and turns an error answer into an ApiError carrying the server's own message.
import { store } from './store.js';
import { saveSession } from './session-store.js';
import { isoLocal } from './util.js';
import { serverText } from './i18n/index.js';

export class ApiError extends Error {
  constructor(status, code, message, details) {
    super(message || code || `HTTP ${status}`);
    this.status = status; // 0 = no network
    this.code = code;
    this.details = details;
  }
  get retryable() { return this.status === 0 || this.status === 408 || this.status === 429 || this.status >= 500; }
}

const isJson = (res) => (res.headers.get('content-type') || '').includes('json');

/** The answer's JSON body (null for 204 or a body that is not JSON). */
async function bodyOf(res) {
  if (res.status === 204 || !isJson(res)) return null;
  return res.json().catch(() => null);
}

/** An error answer as ApiError: the server's {"error": {code, message, details}} when sent. */
async function errorOf(res) {
  const body = isJson(res) ? await res.json().catch(() => null) : null;
  const err = (body && body.error) || {};
  const message = serverText(err.message, err.message_zh) || res.statusText;
  return new ApiError(res.status, err.code || `http_${res.status}`, message, err.details);
}

/**
 * One request; resolves with the Response when it is ok, else throws ApiError. `timeoutMs`
 * gives up a request the link has stalled (status 0, code "timeout", retryable like a cut).
 */
async function send(path, { method = 'GET', body, headers = {}, token, json = true, timeoutMs } = {}) {
  const h = { ...headers, 'X-Device-Time': isoLocal() };
  if (token) h.Authorization = `Bearer ${token}`;
  let payload = body;
  if (body !== undefined && json) { h['Content-Type'] = 'application/json'; payload = JSON.stringify(body); }
  const signal = timeoutMs ? AbortSignal.timeout(timeoutMs) : undefined;
  let res;
  try {
    res = await fetch(path, { method, headers: h, body: payload, cache: 'no-store', signal });
  } catch (e) {
    if (e.name === 'TimeoutError' || e.name === 'AbortError') throw new ApiError(0, 'timeout', `no answer in ${timeoutMs} ms`);
    throw new ApiError(0, 'network', e.message);
  }
  if (!res.ok) throw await errorOf(res);
  return res;
}

let refreshing = null;

/** Rotates the refresh token once, shared by every caller (and every tab, with Web Locks). */
function refreshTokens() {
  if (!refreshing) {
    const run = async () => {
      const before = store.get('session');
      if (!before) throw new ApiError(401, 'no_session', 'not logged in');
      let tokens;
      try {
        tokens = await bodyOf(await send('/api/auth/refresh', { method: 'POST', body: { refresh_token: before.refresh_token } }));
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

/**
 * An authenticated call whose Response the caller reads (a photo, a CSV download); refreshes
 * the token once on 401 and retries.
 */
export async function apiFetch(path, opts = {}) {
  let session = store.get('session');
  if (!session) throw new ApiError(401, 'no_session', 'not logged in');
  if (store.get('needsLogin')) throw new ApiError(401, 'needs_login', 'log in again');
  if (session.expires_at && session.expires_at - Date.now() < 30000) {
    session = await refreshTokens();
  }
  try {
    return await send(path, { ...opts, token: session.access_token });
  } catch (e) {
    if (e.status !== 401) throw e;
    session = await refreshTokens();
    return send(path, { ...opts, token: session.access_token });
  }
}

/** An authenticated call answered with JSON (or nothing). A body cut off mid-read (the link
 * dropped) is a network error, retryable, not an empty answer. */
export async function api(path, opts = {}) {
  const res = await apiFetch(path, opts);
  if (res.status === 204 || !isJson(res)) return null;
  try {
    return await res.json();
  } catch (e) {
    throw new ApiError(0, 'network', `answer cut off: ${e.message}`);
  }
}

/** An unauthenticated call (login). */
export async function publicApi(path, opts) {
  return bodyOf(await send(path, opts));
}
