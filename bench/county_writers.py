"""Writers from 20 towns pushing at once on Postgres, against the single sync_state counter row.

Until towns exist in the data model a "town" here is a patrol group with its own schools; each
writer is one phone of its own town, pushing its own town's records back to back (batches of
--batch records) for --seconds, through --servers app processes. While they push, a sampler
reads pg_stat_activity every 20 ms and counts the backends waiting for a lock on the counter
row (the `UPDATE sync_state` every writing transaction ends with). Run once with one writer
for the baseline and once with all of them:

    python -m bench.county_writers [--writers 1,20] [--seconds 30] [--batch 20] [--servers 2]

Bounded: every phone stops at its deadline, the servers are stopped and the database dropped.
"""

from __future__ import annotations

import argparse
import json
import random
import threading
import time
from dataclasses import dataclass, field
from datetime import date, timedelta

import httpx

from bench.common import (
    fresh_database,
    load_average,
    log,
    login,
    machine_info,
    median,
    percentile,
    pg_available,
    push_body,
    records_stream,
    running_servers,
    seed_county,
    workspace,
)

COUNTER_WAIT = """
SELECT count(*) FROM pg_stat_activity
WHERE datname = current_database() AND wait_event_type = 'Lock'
  AND query ILIKE '%UPDATE sync_state%'
"""
IN_PUSH = """
SELECT count(*) FROM pg_stat_activity
WHERE datname = current_database() AND state IN ('active', 'idle in transaction')
  AND backend_type = 'client backend' AND pid <> pg_backend_pid()
"""


@dataclass
class Writer:
    records: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    push_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _write(base_url: str, username: str, group, me_id: int, seed: int, deadline: float, batch: int):
    w = Writer()
    rng = random.Random(seed)
    stream = records_stream(rng, group, me_id, date.today() - timedelta(days=5))
    with httpx.Client(base_url=base_url, timeout=120) as client:
        headers = login(client, username)
        while time.monotonic() < deadline:
            mutations = [next(stream) for _ in range(batch)]
            t0 = time.perf_counter()
            try:
                res = client.post("/api/sync/push", json=push_body(mutations), headers=headers)
            except httpx.HTTPError as exc:
                w.errors.append(f"{type(exc).__name__}: {exc}"[:200])
                continue
            w.push_ms.append((time.perf_counter() - t0) * 1000)
            if res.status_code != 200:
                w.errors.append(f"{res.status_code} {res.text[:200]}")
                continue
            for r in res.json()["results"]:
                w.statuses[r["status"]] = w.statuses.get(r["status"], 0) + 1
            w.records += len(mutations)
    return w


def _sample(db, stop: threading.Event, out: dict) -> None:
    import psycopg

    waits, active = [], []
    with psycopg.connect(db.psycopg_url, autocommit=True) as conn:
        while not stop.is_set():
            waits.append(conn.execute(COUNTER_WAIT).fetchone()[0])
            active.append(conn.execute(IN_PUSH).fetchone()[0])
            stop.wait(0.02)
    out["samples"] = len(waits)
    out["share_with_a_counter_waiter"] = round(sum(1 for x in waits if x) / max(1, len(waits)), 3)
    out["mean_counter_waiters"] = round(sum(waits) / max(1, len(waits)), 2)
    out["max_counter_waiters"] = max(waits, default=0)
    out["mean_busy_backends"] = round(sum(active) / max(1, len(active)), 2)


def run(writers: int, seconds: float, batch: int, servers: int) -> dict:
    with workspace() as work, fresh_database("postgres", work) as db:
        county = seed_county(db, n_groups=max(writers, 1), sites_per_group=2, members=2)
        with running_servers(db, work, count=servers) as procs:
            results: list[Writer] = [Writer() for _ in range(writers)]
            stop, sampled = threading.Event(), {}
            sampler = threading.Thread(target=_sample, args=(db, stop, sampled), daemon=True)
            deadline = time.monotonic() + seconds
            threads = []
            for i in range(writers):
                group = county.groups[i]
                username, me_id = group.members[1], group.member_ids[1]
                base = procs[i % len(procs)].base_url

                def body(i=i, group=group, username=username, me_id=me_id, base=base):
                    results[i] = _write(base, username, group, me_id, i, deadline, batch)

                threads.append(threading.Thread(target=body, daemon=True))
            started = time.monotonic()
            sampler.start()
            for t in threads:
                t.start()
            for t in threads:
                t.join(timeout=seconds + 180)
            elapsed = time.monotonic() - started
            stop.set()
            sampler.join(timeout=10)
    statuses: dict[str, int] = {}
    for w in results:
        for k, v in w.statuses.items():
            statuses[k] = statuses.get(k, 0) + v
    pushes = [ms for w in results for ms in w.push_ms]
    total = sum(w.records for w in results)
    return {
        "writers": writers,
        "servers": servers,
        "batch": batch,
        "seconds": round(elapsed, 1),
        "records": total,
        "records_per_s": round(total / elapsed, 1),
        "pushes_per_s": round(len(pushes) / elapsed, 1),
        "statuses": statuses,
        "conflicts": statuses.get("conflict", 0),
        "errors": sum(len(w.errors) for w in results),
        "error_samples": [e for w in results for e in w.errors][:3],
        "push_ms_p50": round(median(pushes), 1),
        "push_ms_p95": round(percentile(pushes, 95), 1),
        "counter": sampled,
        "load_average_after": load_average(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writers", default="1,20", help="comma-separated runs (default 1,20)")
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--batch", type=int, default=20)
    parser.add_argument("--servers", type=int, default=2)
    args = parser.parse_args()
    if not pg_available():
        raise SystemExit("Postgres is not reachable at 127.0.0.1:5432")
    report = {"machine": machine_info(), "runs": []}
    for n in [int(x) for x in args.writers.split(",")]:
        log(f"{n} writer(s), {args.seconds} s, batches of {args.batch}, {args.servers} server(s)")
        result = run(n, args.seconds, args.batch, args.servers)
        log(json.dumps(result, ensure_ascii=False))
        report["runs"].append(result)
    print(json.dumps(report, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
