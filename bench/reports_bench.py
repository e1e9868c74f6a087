"""Time the report endpoints on a generated county (see bench/gen_county.py).

    .venv/bin/python -m bench.gen_county --db data/county.db
    .venv/bin/python -m bench.reports_bench --db data/county.db

Each case goes through HTTP (TestClient: routing, auth, the query, JSON or CSV encoding) and
prints the median of --runs runs after one warm-up. Target: month coverage for one town and
the county's year summary under 2 s on SQLite.
"""

import argparse
import os
import statistics
import time
from datetime import date, timedelta


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--db", default="data/county.db")
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--end", type=date.fromisoformat, default=date(2026, 11, 29))
    p.add_argument("--town-sites", type=int, default=30, help="sites 1..N are the first town")
    args = p.parse_args(argv)

    os.environ["PATROL_DATABASE_URL"] = f"sqlite:///{args.db}"
    os.environ.setdefault("PATROL_SECRET_KEY", "bench-secret-key-that-is-long-enough-0123456789")
    import logging

    from fastapi.testclient import TestClient

    from app import db
    from app.config import get_settings
    from app.main import create_app
    from bench.gen_county import BENCH_PASSWORD

    get_settings.cache_clear()
    db.use_engine(db.make_engine(os.environ["PATROL_DATABASE_URL"]))
    client = TestClient(create_app())
    logging.getLogger("patrol.request").setLevel(logging.WARNING)
    res = client.post(
        "/api/auth/login",
        json={"username": "supervisor", "password": BENCH_PASSWORD, "device_id": "bench-pc"},
    )
    res.raise_for_status()
    headers = {"Authorization": f"Bearer {res.json()['access_token']}"}

    end = args.end
    month_start = end.replace(day=1)
    year_start = end - timedelta(days=364)
    town = "&".join(f"site_id={i}" for i in range(1, args.town_sites + 1))
    cases = {
        "month coverage heat map, one town (30 sites)": (
            f"/api/reports/coverage?timeline=false&from={month_start}&to={end}&{town}"
        ),
        "day coverage timeline, one town": f"/api/reports/coverage?from={end}&to={end}&{town}",
        "year coverage summary, county (600 sites)": (
            f"/api/reports/coverage/summary?from={year_start}&to={end}"
        ),
        "year coverage summary, county, CSV": (
            f"/api/reports/coverage/summary?from={year_start}&to={end}&format=csv"
        ),
        "month gate duty, one town": f"/api/reports/gate?from={month_start}&to={end}&{town}",
        "month gate duty, county": f"/api/reports/gate?from={month_start}&to={end}",
        "logs, first page, county": "/api/reports/logs?limit=100",
        "logs, one town, one day": f"/api/reports/logs?limit=100&from={end}&to={end}&{town}",
        "month rosters, county": f"/api/reports/rosters?from={month_start}&to={end}",
        "hazards board, county": "/api/reports/hazards",
        "device health, county": "/api/reports/devices",
    }
    print(f"{args.db}: median of {args.runs} runs after a warm-up")
    for name, url in cases.items():
        t0 = time.perf_counter()
        first = client.get(url, headers=headers)
        cold = time.perf_counter() - t0
        if first.status_code != 200:
            print(f"  {name:<48} HTTP {first.status_code} {first.text[:120]}")
            continue
        times = []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            res = client.get(url, headers=headers)
            times.append(time.perf_counter() - t0)
            res.raise_for_status()
        print(
            f"  {name:<48} {statistics.median(times):7.3f} s"
            f"  (min {min(times):.3f}, max {max(times):.3f}; first call {cold:.3f} s;"
            f" {len(res.content):,} bytes)"
        )


if __name__ == "__main__":
    main()
