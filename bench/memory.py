"""Part 4: server memory. RSS under the 500-phone load and during the 1M-row pull come from
parts 3 and 2 (sampled while they run); this module adds a bounded soak: a steady load of
phones against one SQLite server for `minutes`, RSS sampled every few seconds. No growth
means the median of the last fifth of the samples is within 10% or 20 MiB (whichever is
larger) of the median of the first fifth, after a one-minute warm-up (or a fifth of the run,
whichever is shorter).

    python -m bench.memory [--quick] [--minutes 10] [--phones 100]
"""

from __future__ import annotations

import argparse
import json

from bench.common import log, median
from bench.many_phones import run_one


def soak(minutes: float, phones: int = 100, kind: str = "sqlite") -> dict:
    seconds = minutes * 60
    log(f"memory soak: {phones} phones on {kind} for {minutes:g} min")
    interval = 2.0 if minutes <= 2 else 5.0
    r = run_one(kind, phones, seconds, seed=42, rss_interval=interval)
    samples = r["rss_all"]
    warm = min(60.0, seconds / 5)
    after = [v for t, v in samples if t >= warm]
    fifth = max(1, len(after) // 5)
    first, last = median(after[:fifth]), median(after[-fifth:])
    growth = last - first
    ok = growth <= max(0.10 * first, 20.0)
    return {
        "backend": kind,
        "phones": phones,
        "minutes": minutes,
        "sample_every_s": interval,
        "samples": len(samples),
        "warmup_s": warm,
        "rss_first_fifth_mib": round(first, 1),
        "rss_last_fifth_mib": round(last, 1),
        "rss_peak_mib": r["rss_peak_mib"],
        "growth_mib": round(growth, 1),
        "no_growth": ok,
        "requests": r["pushes"] + r["pulls"],
        "submissions_per_s": r["submissions_per_s"],
        "push_p95_ms": r["push_p95_ms"],
        "errors": r["errors"],
        "count_ok": r["count_check"]["ok"],
        "curve_mib": [[round(t), round(v, 1)] for t, v in samples[:: max(1, len(samples) // 40)]],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--minutes", type=float)
    parser.add_argument("--phones", type=int, default=100)
    args = parser.parse_args()
    minutes = args.minutes or (1.0 if args.quick else 10.0)
    print(json.dumps(soak(minutes, args.phones), indent=2))


if __name__ == "__main__":
    main()
