// What the link delivers: sizes that adapt to it (AIMD-like: grow by half after a success,
// halve after a failure, between a floor and a ceiling) and a per-request timeout from the throughput seen.
// A rural link that drops every few seconds cuts any request that does not fit between two
// drops; sending less per request until requests fit keeps sync moving instead of repeating a
// request that can never finish.

/** One adaptive size (records per push, bytes per photo chunk, changes per pull page). */
export class Sizer {
  constructor({ floor, ceiling, start, step }) {
    this.floor = floor;
    this.ceiling = ceiling;
    this.step = step; // the additive part of a raise
    this.value = Math.max(floor, Math.min(ceiling, start));
  }

  get size() { return Math.round(this.value); }

  /** The request went through: grow by half, at least a step (a link between two drops is
   * short, so the size must climb back within a few requests). */
  success() { this.value = Math.min(this.ceiling, this.value + Math.max(this.step, this.value / 2)); }

  /** The request was cut, timed out or was too large: halve. */
  failure() { this.value = Math.max(this.floor, this.value / 2); }
}

const MIN_TIMEOUT_MS = 8_000;
const MAX_TIMEOUT_MS = 60_000;
const SLOWEST_BPS = 2_000; // assumed before anything was measured: a very poor link

/** Throughput seen on this link (bytes per second, smoothed), for per-request timeouts. */
export class Link {
  constructor() { this.bps = null; }

  /** A request of `bytes` (sent and received) took `ms`. */
  observe(bytes, ms) {
    if (bytes < 1024 || ms <= 0) return; // too small to say anything about bandwidth
    const rate = (bytes * 1000) / ms;
    this.bps = this.bps == null ? rate : 0.7 * this.bps + 0.3 * rate;
  }

  /** How long a request of about `bytes` may take before it is given up: three times what
   * the link's rate says, never below a few seconds (latency, a slow server) nor above a minute. */
  timeoutFor(bytes) {
    const rate = Math.max(SLOWEST_BPS, this.bps || SLOWEST_BPS);
    return Math.round(Math.max(MIN_TIMEOUT_MS, Math.min(MAX_TIMEOUT_MS, (3 * bytes * 1000) / rate + 2_000)));
  }
}
