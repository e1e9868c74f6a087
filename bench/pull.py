"""Part 2: pull. Rows/s for a new device pulling 100,000 changes, and the time of one page
(500 changes from the middle of the feed) as the change feed grows 10k -> 100k -> 1M rows.

The feed is filled with direct SQL (copies of real change rows that a real push produced,
with new ids, spread over the county's 20 schools, ten changes per version). Pages are timed
for a supervisor (sees everything) and for a member (sees 2 of the 20 schools).

    python -m bench.pull [--quick] [--backend sqlite|postgres]
"""

from __future__ import annotations

import argparse
import json
import random
import time
import uuid
from datetime import date, timedelta

import httpx

from bench.common import (
    Database,
    RssSampler,
    fresh_database,
    log,
    login,
    median,
    pg_available,
    push_body,
    records_stream,
    running_servers,
    seed_county,
    workspace,
)

PAGE = 500
CHANGES_PER_VERSION = 10


def _templates(db: Database) -> list[tuple[str, dict]]:
    conn = db.raw()
    try:
        rows = conn.execute("SELECT entity, data FROM sync_change ORDER BY id").fetchall()
    finally:
        conn.close()
    return [(e, d if isinstance(d, dict) else json.loads(d)) for e, d in rows]


def fill(db: Database, templates, site_ids: list[int], n: int, chunk: int = 50_000) -> None:
    """Appends n change rows after the current head, and moves the counter to the new head."""
    conn = db.raw()
    try:
        head = conn.execute("SELECT version FROM sync_state WHERE id = 1").fetchone()[0]
        rng = random.Random(head)
        done = 0
        while done < n:
            rows = []
            for i in range(done, min(n, done + chunk)):
                entity, data = templates[i % len(templates)]
                site = site_ids[rng.randrange(len(site_ids))]
                rid = str(uuid.uuid4())
                data = {**data, "id": rid, "site_id": site}
                version = head + 1 + i // CHANGES_PER_VERSION
                rows.append((version, entity, rid, site, json.dumps(data, ensure_ascii=False)))
            if db.kind == "sqlite":
                conn.execute("BEGIN IMMEDIATE")
                conn.executemany(
                    "INSERT INTO sync_change (version, entity, entity_id, site_id, data) "
                    "VALUES (?, ?, ?, ?, ?)",
                    rows,
                )
                conn.execute("COMMIT")
            else:
                with (
                    conn.transaction(),
                    conn.cursor().copy(
                        "COPY sync_change (version, entity, entity_id, site_id, data) FROM STDIN"
                    ) as cp,
                ):
                    for row in rows:
                        cp.write_row(row)
            done += len(rows)
        top = head + (n + CHANGES_PER_VERSION - 1) // CHANGES_PER_VERSION
        sql = "UPDATE sync_state SET version = ? WHERE id = 1"
        conn.execute(sql if db.kind == "sqlite" else sql.replace("?", "%s"), (top,))
        if db.kind == "postgres":
            conn.execute("ANALYZE sync_change")
        else:
            conn.execute("ANALYZE")
    finally:
        conn.close()


def _middle_cursor(db: Database, size: int) -> str:
    conn = db.raw()
    try:
        epoch = conn.execute("SELECT epoch FROM sync_state WHERE id = 1").fetchone()[0]
        sql = "SELECT version, id FROM sync_change ORDER BY version, id LIMIT 1 OFFSET ?"
        v, i = conn.execute(
            sql if db.kind == "sqlite" else sql.replace("?", "%s"), (size // 2,)
        ).fetchone()
    finally:
        conn.close()
    return f"v1.{epoch}.{v}.{i}"


def page_ms(client: httpx.Client, headers: dict, cursor: str, reps: int) -> tuple[float, int]:
    times, n = [], 0
    for i in range(reps + 2):
        t0 = time.perf_counter()
        res = client.get(
            "/api/sync/pull", params={"cursor": cursor, "limit": PAGE}, headers=headers
        )
        dt = (time.perf_counter() - t0) * 1000
        res.raise_for_status()
        n = len(res.json()["changes"])
        if i >= 2:  # two warm-ups
            times.append(dt)
    return median(times), n


def pull_everything(
    client, headers, limit=PAGE, deadline: float | None = None
) -> tuple[int, float]:
    """A new device's first pull: (rows, seconds). Stops at the deadline if one is given."""
    cursor, rows = None, 0
    started = time.perf_counter()
    while True:
        params = {"limit": limit}
        if cursor:
            params["cursor"] = cursor
        res = client.get("/api/sync/pull", params=params, headers=headers)
        res.raise_for_status()
        body = res.json()
        rows += len(body["changes"])
        cursor = body["cursor"]
        if not body["has_more"] or (deadline and time.monotonic() > deadline):
            return rows, time.perf_counter() - started


def run_backend(kind: str, sizes: list[int], full_pull_at: int, reps: int, big_pull_s: float):
    out: dict = {"pages": [], "full_pull": None, "big_pull_rss": None}
    with workspace() as work, fresh_database(kind, work) as db:
        county = seed_county(db)
        site_ids = [s.id for g in county.groups for s in g.sites]
        with (
            running_servers(db, work) as (server,),
            httpx.Client(base_url=server.base_url, timeout=300) as client,
        ):
            member = county.groups[0].members[1]
            member_h = login(client, member)
            # A real push gives the change rows the feed is filled with.
            g = county.groups[0]
            stream = records_stream(random.Random(7), g, g.member_ids[1], date.today())
            batch = [next(stream) for _ in range(120)]
            client.post(
                "/api/sync/push", json=push_body(batch), headers=member_h
            ).raise_for_status()
            templates = _templates(db)
            size = len(templates)
            for target in sorted(set(sizes) | {full_pull_at}):
                t0 = time.perf_counter()
                fill(db, templates, site_ids, target - size)
                size = target
                log(f"pull {kind}: feed at {size} rows (filled in {time.perf_counter() - t0:.1f}s)")
                cursor = _middle_cursor(db, size)
                sup_h = login(client, "supervisor")
                if size in sizes:
                    sup_ms, sup_n = page_ms(client, sup_h, cursor, reps * 5)
                    mem_ms, mem_n = page_ms(client, member_h, cursor, reps * 5)
                    out["pages"].append(
                        {
                            "rows": size,
                            "supervisor_page_ms": round(sup_ms, 2),
                            "supervisor_page_rows": sup_n,
                            "member_page_ms": round(mem_ms, 2),
                            "member_page_rows": mem_n,
                        }
                    )
                    log(f"  page: supervisor {sup_ms:.1f} ms, member {mem_ms:.1f} ms")
                if size == full_pull_at:
                    rates = []
                    for _ in range(reps):
                        h = login(client, "supervisor")  # a new device each time
                        n, secs = pull_everything(client, h)
                        rates.append(n / secs)
                    out["full_pull"] = {
                        "rows": n,
                        "rows_per_s": round(median(rates), 1),
                        "runs_rows_per_s": [round(r, 1) for r in rates],
                    }
                    log(f"  full pull of {n} rows: {median(rates):.0f} rows/s")
            if big_pull_s > 0:
                h = login(client, "supervisor")
                with RssSampler([server.pid], 0.5) as rss:
                    n, secs = pull_everything(
                        client, h, limit=1000, deadline=time.monotonic() + big_pull_s
                    )
                out["big_pull_rss"] = {
                    "feed_rows": size,
                    "rows_pulled": n,
                    "seconds": round(secs, 1),
                    "rows_per_s": round(n / secs, 1),
                    "rss_start_mib": round(rss.values[0], 1) if rss.values else None,
                    "rss_peak_mib": round(rss.peak, 1),
                    "rss_end_mib": round(rss.values[-1], 1) if rss.values else None,
                }
                log(f"  big pull: {out['big_pull_rss']}")
        if kind == "sqlite":
            out["db_file_mib"] = round(db.path.stat().st_size / 2**20, 1)
    return out


def run(backends, quick: bool = False) -> dict:
    if quick:
        sizes, full_at, reps, big = [10_000, 100_000], 100_000, 1, 0.0
    else:
        sizes, full_at, reps, big = [10_000, 100_000, 1_000_000], 100_000, 3, 150.0
    out = {"page_limit": PAGE, "sizes": sizes, "backends": {}}
    for kind in backends:
        if kind == "postgres" and not pg_available():
            out["backends"][kind] = {"skipped": "Postgres not reachable"}
            continue
        res = run_backend(kind, sizes, full_at, reps, big)
        pages = [p["supervisor_page_ms"] for p in res["pages"]]
        mpages = [p["member_page_ms"] for p in res["pages"]]
        # Growth: the page at the largest feed over the page at the smallest (the target: ≤ 2).
        res["page_growth_supervisor"] = round(pages[-1] / pages[0], 2)
        res["page_growth_member"] = round(mpages[-1] / mpages[0], 2)
        res["page_spread"] = round(max(pages + mpages) / min(pages + mpages), 2)
        out["backends"][kind] = res
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--backend", action="append", choices=["sqlite", "postgres"])
    args = parser.parse_args()
    print(json.dumps(run(args.backend or ["sqlite", "postgres"], args.quick), indent=2))


if __name__ == "__main__":
    _ = timedelta
    main()
