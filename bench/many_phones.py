"""Part 3: many phones at once. N simulated phones (asyncio + httpx.AsyncClient), each its own
device of a pool of county users, each with a random offline gap between syncs; a sync is a
push of what the phone recorded meanwhile (1-20 records) and a pull until caught up. About 1 in
20 pushes is sent twice, as after a lost response. Unanswered pushes stay in the phone's outbox
and are re-sent. After the deadline every phone hands in what is left, then the database is
counted: rows in the tables == distinct mutation ids acknowledged applied, none missing, none
twice.

SQLite: one app process. Postgres: two app processes on two ports, phones split across them.

    python -m bench.many_phones [--quick] [--phones 100] [--backend sqlite|postgres] [--seconds 60]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import time
from dataclasses import dataclass, field
from datetime import date, timedelta

import httpx

from bench.common import (
    County,
    Database,
    GroupInfo,
    RssSampler,
    alogin,
    fresh_database,
    log,
    percentile,
    pg_available,
    push_body,
    records_stream,
    running_servers,
    seed_county,
    workspace,
)

CREATES = {
    "shift.start": "patrol_shift",
    "shift.scan": "checkpoint_scan",
    "gate.check": "gate_check",
    "visitor.enter": "visitor_entry",
    "hazard.report": "hazard",
}
GAP_S = (0.5, 5.0)  # offline gap between two syncs, uniform
BATCH = (1, 20)  # records recorded meanwhile
LOST_RESPONSE = 0.05


@dataclass
class Stats:
    push_ms: list[float] = field(default_factory=list)
    pull_ms: list[float] = field(default_factory=list)
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    applied: set[str] = field(default_factory=set)  # acknowledged applied (first or on retry)
    types: dict[str, str] = field(default_factory=dict)
    statuses: dict[str, int] = field(default_factory=dict)
    resent: int = 0
    resent_duplicates: int = 0
    pulled_rows: int = 0
    pushes: int = 0

    def error(self, what: str) -> None:
        self.errors += 1
        if len(self.error_samples) < 5:
            self.error_samples.append(what[:300])


def _take(stats: Stats, results: list[dict]) -> None:
    for r in results:
        stats.statuses[r["status"]] = stats.statuses.get(r["status"], 0) + 1
        if r["status"] == "applied" or (
            r["status"] == "duplicate" and r.get("original_status") == "applied"
        ):
            stats.applied.add(r["id"])


async def _push(client, headers, outbox, stats: Stats, record: bool = True) -> dict | None:
    t0 = time.perf_counter()
    try:
        res = await client.post("/api/sync/push", json=push_body(outbox), headers=headers)
    except httpx.HTTPError as exc:
        stats.error(f"push: {type(exc).__name__} {exc}")
        return None
    if record:
        stats.push_ms.append((time.perf_counter() - t0) * 1000)
        stats.pushes += 1
    if res.status_code != 200:
        stats.error(f"push: {res.status_code} {res.text}")
        return None
    body = res.json()
    _take(stats, body["results"])
    return body


async def phone(
    client: httpx.AsyncClient,
    headers: dict,
    group: GroupInfo,
    me_id: int,
    rng: random.Random,
    deadline: float,
    stats: Stats,
) -> None:
    stream = records_stream(rng, group, me_id, date.today() - timedelta(days=rng.randint(2, 30)))
    outbox: list[dict] = []
    cursor = None
    await asyncio.sleep(rng.uniform(0, GAP_S[1]))  # phones do not start in step
    while time.monotonic() < deadline:
        for _ in range(rng.randint(*BATCH)):
            m = next(stream)
            stats.types[m["id"]] = m["type"]
            outbox.append(m)
        if await _push(client, headers, outbox, stats):
            if rng.random() < LOST_RESPONSE:  # the answer was lost: the phone sends it again
                stats.resent += len(outbox)
                again = await _push(client, headers, outbox, stats)
                if again is not None:
                    stats.resent_duplicates += sum(
                        r["status"] == "duplicate" for r in again["results"]
                    )
            outbox = []
        for _ in range(20):  # pull until caught up (bounded)
            params = {"limit": 500}
            if cursor:
                params["cursor"] = cursor
            t0 = time.perf_counter()
            try:
                res = await client.get("/api/sync/pull", params=params, headers=headers)
            except httpx.HTTPError as exc:
                stats.error(f"pull: {type(exc).__name__} {exc}")
                break
            stats.pull_ms.append((time.perf_counter() - t0) * 1000)
            if res.status_code != 200:
                stats.error(f"pull: {res.status_code} {res.text}")
                break
            body = res.json()
            stats.pulled_rows += len(body["changes"])
            cursor = body["cursor"]
            if not body["has_more"]:
                break
        await asyncio.sleep(rng.uniform(*GAP_S))
    for _ in range(5):  # hand in what is left, with retries (bounded)
        if not outbox or await _push(client, headers, outbox, stats, record=False):
            break
        await asyncio.sleep(1)


async def _load(servers, county: County, n_phones: int, seconds: float, seed: int) -> Stats:
    stats = Stats()
    # Idle connections are dropped by the client before uvicorn's 5 s keep-alive closes them,
    # so a push never races the server's close (a phone's HTTP stack does the same).
    limits = httpx.Limits(
        max_connections=n_phones + 10, max_keepalive_connections=n_phones + 10, keepalive_expiry=4
    )
    timeout = httpx.Timeout(60.0)
    clients = [
        httpx.AsyncClient(base_url=s.base_url, limits=limits, timeout=timeout) for s in servers
    ]
    try:
        pairs = county.phones(n_phones)
        sem = asyncio.Semaphore(8)

        async def _login(i, username):
            async with sem:
                return await alogin(clients[i % len(clients)], username, f"phone-{seed}-{i:04d}")

        headers = await asyncio.gather(*(_login(i, u) for i, (u, _) in enumerate(pairs)))
        log(f"  {n_phones} phones logged in; load for {seconds:.0f}s")
        deadline = time.monotonic() + seconds
        rng = random.Random(seed)
        started = time.monotonic()
        await asyncio.gather(
            *(
                phone(
                    clients[i % len(clients)],
                    headers[i],
                    g,
                    g.member_ids[g.members.index(u)],
                    random.Random(rng.random()),
                    deadline,
                    stats,
                )
                for i, (u, g) in enumerate(pairs)
            )
        )
        stats.elapsed = time.monotonic() - started  # type: ignore[attr-defined]
    finally:
        for c in clients:
            await c.aclose()
    return stats


def _verify(db: Database, stats: Stats) -> dict:
    conn = db.raw()
    try:
        sql = "SELECT id FROM mutation WHERE status = 'applied'"
        in_log = {r[0] for r in conn.execute(sql).fetchall()}
        log_total = conn.execute("SELECT count(*) FROM mutation").fetchone()[0]
        rows = {}
        for table in sorted(set(CREATES.values())):
            ids = [r[0] for r in conn.execute(f"SELECT id FROM {table}").fetchall()]
            rows[table] = ids
    finally:
        conn.close()
    expected_created = {i for i in stats.applied if stats.types.get(i) in CREATES}
    created = [i for ids in rows.values() for i in ids]
    return {
        "acknowledged_applied": len(stats.applied),
        "applied_in_mutation_log": len(in_log),
        "mutation_log_rows": log_total,
        "records_expected": len(expected_created),
        "record_rows": len(created),
        "distinct_record_ids": len(set(created)),
        "missing": len(expected_created - set(created)),
        "unexpected": len(set(created) - expected_created),
        "log_matches_acks": in_log == stats.applied,
        "ok": in_log == stats.applied
        and set(created) == expected_created
        and len(created) == len(set(created)),
    }


def run_one(kind: str, n_phones: int, seconds: float, seed: int = 1, rss_interval=0.5) -> dict:
    n_servers = 2 if kind == "postgres" else 1
    with workspace() as work, fresh_database(kind, work) as db:
        county = seed_county(db)
        with (
            running_servers(db, work, n_servers) as servers,
            RssSampler([s.pid for s in servers], rss_interval) as rss,
        ):
            stats = asyncio.run(_load(servers, county, n_phones, seconds, seed))
        check = _verify(db, stats)
    elapsed = stats.elapsed  # type: ignore[attr-defined]
    all_ms = stats.push_ms + stats.pull_ms
    requests = len(all_ms)
    res = {
        "backend": kind,
        "phones": n_phones,
        "app_processes": n_servers,
        "seconds": round(elapsed, 1),
        "pushes": stats.pushes,
        "pulls": len(stats.pull_ms),
        "requests_per_s": round(requests / elapsed, 1),
        "submissions_per_s": round(len(stats.applied) / elapsed, 1),
        "push_p50_ms": round(percentile(stats.push_ms, 50), 1),
        "push_p95_ms": round(percentile(stats.push_ms, 95), 1),
        "push_p99_ms": round(percentile(stats.push_ms, 99), 1),
        "pull_p50_ms": round(percentile(stats.pull_ms, 50), 1),
        "pull_p95_ms": round(percentile(stats.pull_ms, 95), 1),
        "pull_p99_ms": round(percentile(stats.pull_ms, 99), 1),
        "all_p50_ms": round(percentile(all_ms, 50), 1),
        "all_p95_ms": round(percentile(all_ms, 95), 1),
        "all_p99_ms": round(percentile(all_ms, 99), 1),
        "errors": stats.errors,
        "error_samples": stats.error_samples,
        "statuses": stats.statuses,
        "resent": stats.resent,
        "resent_answered_duplicate": stats.resent_duplicates,
        "pulled_rows": stats.pulled_rows,
        "rss_peak_mib": round(rss.peak, 1),
        "rss_samples_mib": [round(v, 1) for v in rss.values[:: max(1, len(rss.values) // 30)]],
        "rss_all": rss.samples,
        "count_check": check,
    }
    return res


def run(backends, phones=(100, 500), seconds: float = 60.0) -> dict:
    out: dict = {"gap_s": GAP_S, "batch": BATCH, "seconds": seconds, "runs": []}
    for kind in backends:
        if kind == "postgres" and not pg_available():
            out["runs"].append({"backend": kind, "skipped": "Postgres not reachable"})
            continue
        for n in phones:
            log(f"many phones: {n} on {kind}")
            r = run_one(kind, n, seconds)
            r.pop("rss_all", None)
            log(
                f"  push p50/p95/p99 {r['push_p50_ms']}/{r['push_p95_ms']}/{r['push_p99_ms']} ms,"
                f" {r['submissions_per_s']} sub/s, errors {r['errors']},"
                f" count ok {r['count_check']['ok']}"
            )
            out["runs"].append(r)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--backend", action="append", choices=["sqlite", "postgres"])
    parser.add_argument("--phones", type=int, action="append")
    parser.add_argument("--seconds", type=float)
    args = parser.parse_args()
    seconds = args.seconds or (15.0 if args.quick else 60.0)
    phones = args.phones or ([100] if args.quick else [100, 500])
    print(json.dumps(run(args.backend or ["sqlite", "postgres"], phones, seconds), indent=2))


if __name__ == "__main__":
    main()
