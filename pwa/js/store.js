// App state as an EventTarget: modules change it through set(), views re-render on "change".

class Store extends EventTarget {
  constructor() {
    super();
    this.state = {
      session: null, // {user, access_token, refresh_token, expires_at, device_id}
      needsLogin: false, // the refresh failed: the outbox stays, the user logs in again
      bootstrap: null, // sites, groups (from /api/sync/bootstrap)
      online: navigator.onLine,
      pending: 0, // this user's unsent records
      pendingOthers: 0, // another user's unsent records on this phone
      photosPending: 0,
      syncing: false,
      progress: null, // while syncing: {recordsLeft, photosLeft, photoBytesSent, photoBytesTotal}
      linkDrops: 0, // requests the link cut or timed out (sync retried each at once, smaller)
      lastSyncAt: null,
      lastError: null,
      attention: 0, // conflicts and rejections the user has not seen
      updateReady: false, // a new app version is waiting
      revision: 0, // bumped whenever local records change
    };
  }

  get(key) { return this.state[key]; }

  set(patch) {
    Object.assign(this.state, patch);
    this.dispatchEvent(new CustomEvent('change', { detail: Object.keys(patch) }));
  }

  /** Local records changed (a new entry, a sync result, a pull). */
  touch() { this.set({ revision: this.state.revision + 1 }); }

  get user() { return this.state.session ? this.state.session.user : null; }

  hasRole(role) { return Boolean(this.user && (this.user.roles || []).includes(role)); }
}

export const store = new Store();
