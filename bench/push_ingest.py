"""Part 1: push ingest over HTTP against the same rows written straight into the tables.

Each repetition: a fresh database, a seeded county (10 groups, 20 schools), one phone per
group, N realistic records (a school day: gate duty, visitors, patrol shifts with checkpoint
scans, hazards) pushed in batches of 500 through a real uvicorn on loopback. Then the server is
stopped, every row the push wrote (records, shift members, photo links, the mutation log, the
change feed) is read back, deleted, and written again straight into the same tables
(sqlite3 executemany in one transaction / psycopg COPY): the bound.

    python -m bench.push_ingest [--quick] [--backend sqlite|postgres] [--profile DIR]
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import httpx

from bench.common import (
    County,
    Database,
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

BATCH = 500


def build_batches(county: County, n_records: int, seed: int = 1) -> list[tuple[str, list[dict]]]:
    """(username, batch) pairs: one phone per group, each phone's records in its own order,
    phones interleaved batch by batch."""
    rng = random.Random(seed)
    phones = [(g.members[1], g) for g in county.groups]
    per_phone = n_records // len(phones)
    first_day = date.today() - timedelta(days=120)
    per_phone_batches = []
    for username, group in phones:
        me = group.member_ids[group.members.index(username)]
        stream = records_stream(rng, group, me, first_day)
        records = [next(stream) for _ in range(per_phone)]
        per_phone_batches.append(
            [(username, records[i : i + BATCH]) for i in range(0, len(records), BATCH)]
        )
    out = []
    for i in range(max(len(b) for b in per_phone_batches)):
        for batches in per_phone_batches:
            if i < len(batches):
                out.append(batches[i])
    return out


def mix(batches) -> dict[str, int]:
    counts: dict[str, int] = {}
    for _, batch in batches:
        for m in batch:
            counts[m["type"]] = counts.get(m["type"], 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: -kv[1]))


def _tables(db: Database) -> list[str]:
    """Every table, parents before children."""
    from sqlalchemy import MetaData, create_engine

    engine = create_engine(db.url)
    try:
        md = MetaData()
        md.reflect(engine)
        return [t.name for t in md.sorted_tables]
    finally:
        engine.dispose()


def _counts(db: Database, tables: list[str]) -> dict[str, int]:
    conn = db.raw()
    try:
        return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}
    finally:
        conn.close()


def raw_bound(db: Database, tables: list[str]) -> tuple[float, dict[str, int]]:
    """Reads the pushed rows, deletes them, writes them again directly; returns seconds."""
    conn = db.raw()
    try:
        data = {}
        for t in tables:
            cur = conn.execute(f'SELECT * FROM "{t}"')
            cols = [d[0] for d in cur.description]
            data[t] = (cols, cur.fetchall())
        for t in reversed(tables):
            conn.execute(f'DELETE FROM "{t}"')
        if db.kind == "sqlite":
            conn.execute("VACUUM")
            conn.execute("PRAGMA foreign_keys=ON")
            started = time.perf_counter()
            conn.execute("BEGIN IMMEDIATE")
            for t in tables:
                cols, rows = data[t]
                sql = f'INSERT INTO "{t}" ({", ".join(cols)}) VALUES ({", ".join("?" * len(cols))})'
                conn.executemany(sql, rows)
            conn.execute("COMMIT")
            seconds = time.perf_counter() - started
        else:
            from psycopg.types.json import Json

            conn.execute("VACUUM ANALYZE")
            started = time.perf_counter()
            with conn.transaction():
                for t in tables:
                    cols, rows = data[t]
                    json_cols = [i for i, v in enumerate(rows[0]) if isinstance(v, dict | list)]
                    with conn.cursor().copy(f'COPY "{t}" ({", ".join(cols)}) FROM STDIN') as cp:
                        for row in rows:
                            if json_cols:
                                row = list(row)
                                for i in json_cols:
                                    row[i] = Json(row[i])
                            cp.write_row(row)
            seconds = time.perf_counter() - started
        return seconds, {t: len(data[t][1]) for t in tables}
    finally:
        conn.close()


def one_run(kind: str, n_records: int, seed: int, profile_dir: Path | None = None) -> dict:
    with workspace() as work, fresh_database(kind, work) as db:
        county = seed_county(db)
        batches = build_batches(county, n_records, seed)
        tables = _tables(db)
        with running_servers(db, work) as (server,):
            profiler = None
            with httpx.Client(base_url=server.base_url, timeout=120) as client:
                headers = {u: login(client, u) for u in {u for u, _ in batches}}
                before = _counts(db, tables)
                if profile_dir is not None:
                    profile_dir.mkdir(parents=True, exist_ok=True)
                    out = profile_dir / f"push-{kind}.txt"
                    spy = [
                        str(Path(sys.executable).parent / "py-spy"),
                        "record",
                        "-f",
                        "raw",
                        "-o",
                        str(out),
                        "-r",
                        "200",
                    ]
                    profiler = subprocess.Popen(
                        [*spy, "-p", str(server.pid)],
                        stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL,
                    )
                    time.sleep(1)
                statuses: dict[str, int] = {}
                batch_ms = []
                try:
                    started = time.perf_counter()
                    for username, batch in batches:
                        t0 = time.perf_counter()
                        res = client.post(
                            "/api/sync/push", json=push_body(batch), headers=headers[username]
                        )
                        batch_ms.append((time.perf_counter() - t0) * 1000)
                        if res.status_code != 200:
                            raise RuntimeError(f"push failed: {res.status_code} {res.text[:500]}")
                        for r in res.json()["results"]:
                            statuses[r["status"]] = statuses.get(r["status"], 0) + 1
                    http_s = time.perf_counter() - started
                finally:
                    if profiler is not None:
                        profiler.send_signal(2)  # SIGINT: py-spy writes the flame graph
                        try:
                            profiler.wait(timeout=30)
                        except subprocess.TimeoutExpired:
                            profiler.kill()
                            profiler.wait()
        after = _counts(db, tables)
        written = [t for t in tables if after[t] > before[t]]
        not_fresh = [t for t in written if before[t]]
        if not_fresh:
            raise RuntimeError(f"tables had rows before the push: {not_fresh}")
        raw_s, rows = raw_bound(db, written)
        n = sum(len(b) for _, b in batches)
        if statuses.get("applied") != n:
            raise RuntimeError(f"not all applied: {statuses}")
        return {
            "records": n,
            "http_s": round(http_s, 3),
            "http_records_per_s": round(n / http_s, 1),
            "raw_s": round(raw_s, 4),
            "raw_records_per_s": round(n / raw_s, 1),
            "batch_ms_median": round(median(batch_ms), 1),
            "rows_written": rows,
            "rows_total": sum(rows.values()),
            "statuses": statuses,
            "mix": mix(batches),
        }


def summarize(collapsed: Path, top: int = 30) -> list[tuple[str, float]]:
    """Inclusive share of samples per function, from py-spy's collapsed (raw) output,
    counting only stacks inside the push endpoint."""
    totals: dict[str, int] = {}
    n = 0
    for line in collapsed.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if "push (app/sync/" not in stack and "push (/work" not in stack:
            continue
        c = int(count)
        n += c
        seen = set()
        for frame in stack.split(";"):
            name = frame.split(" (")[0] + " (" + frame.rsplit("/", 1)[-1]
            if name not in seen:
                seen.add(name)
                totals[name] = totals.get(name, 0) + c
    ranked = sorted(totals.items(), key=lambda kv: -kv[1])[:top]
    return [(name, round(c / max(n, 1), 3)) for name, c in ranked]


def run(
    backends: list[str], n_records: int = 20_000, reps: int = 3, profile_dir: Path | None = None
) -> dict:
    out: dict = {"records": n_records, "batch": BATCH, "repetitions": reps, "backends": {}}
    for kind in backends:
        if kind == "postgres" and not pg_available():
            out["backends"][kind] = {"skipped": "Postgres not reachable"}
            continue
        runs = []
        for rep in range(reps):
            log(f"push ingest {kind}: repetition {rep + 1}/{reps}, {n_records} records")
            r = one_run(
                kind, n_records, seed=rep + 1, profile_dir=profile_dir if rep == 0 else None
            )
            http_rate, raw_rate = r["http_records_per_s"], r["raw_records_per_s"]
            log(f"  http {http_rate:.0f} rec/s, raw {raw_rate:.0f} rec/s")
            runs.append(r)
        http = median(r["http_records_per_s"] for r in runs)
        raw = median(r["raw_records_per_s"] for r in runs)
        ratios = [r["http_records_per_s"] / r["raw_records_per_s"] for r in runs]
        out["backends"][kind] = {
            "http_records_per_s": http,
            "raw_records_per_s": raw,
            "ratio_to_own_raw": round(median(ratios), 4),
            "runs": runs,
        }
    sqlite_raw = out["backends"].get("sqlite", {}).get("raw_records_per_s")
    if sqlite_raw:
        for b in out["backends"].values():
            if "http_records_per_s" in b:
                b["ratio_to_raw_sqlite"] = round(b["http_records_per_s"] / sqlite_raw, 4)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--backend", action="append", choices=["sqlite", "postgres"])
    parser.add_argument("--records", type=int)
    parser.add_argument("--reps", type=int)
    parser.add_argument("--profile", type=Path, help="write py-spy flame graphs here")
    args = parser.parse_args()
    n = args.records or (4000 if args.quick else 20_000)
    reps = args.reps or (2 if args.quick else 3)
    result = run(args.backend or ["sqlite", "postgres"], n, reps, args.profile)
    print(json.dumps(result, indent=2, default=str))
    if args.profile:
        for f in sorted(args.profile.glob("push-*.txt")):
            print(f"--- {f}: inclusive share of push samples")
            for name, share in summarize(f):
                print(f"{share:6.1%}  {name}")


if __name__ == "__main__":
    main()
