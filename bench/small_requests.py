"""Small requests against a bare authenticated request (issue 18): what a 10-record push, a
pull of 50 new rows and an empty pull cost the server, beside a route that does nothing
behind the same middleware and token check.

    python -m bench.small_requests [--backend sqlite|postgres] [--requests N]

One client sends the requests one after another, so each block's server CPU time (read from
/proc for the server process) belongs to that block alone. CPU per request is what bounds a
process's capacity (1 / CPU per request = requests/s per process at 100% of one core);
the client's own requests/s is latency-bound and reported beside it.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import time
from datetime import date, timedelta

import httpx

from bench.bare_app import BARE_PATH
from bench.common import (
    fresh_database,
    log,
    login,
    median,
    percentile,
    pg_available,
    push_body,
    records_stream,
    running_servers,
    seed_county,
    workspace,
)

CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime + stime


def _block(client, pid: int, n: int, send) -> dict:
    """n requests made by send(i), one after another; the server's CPU and the client's wall."""
    latencies = []
    cpu0, wall0 = cpu_seconds(pid), time.perf_counter()
    for i in range(n):
        t0 = time.perf_counter()
        res = send(i)
        latencies.append((time.perf_counter() - t0) * 1000)
        if res.status_code != 200:
            raise RuntimeError(f"{res.request.url}: {res.status_code} {res.text[:300]}")
    wall, cpu = time.perf_counter() - wall0, cpu_seconds(pid) - cpu0
    return {
        "requests": n,
        "server_cpu_ms_per_request": round(cpu / n * 1000, 3),
        "requests_per_s_per_process": round(n / cpu, 1) if cpu else None,
        "client_requests_per_s": round(n / wall, 1),
        "p50_ms": round(median(latencies), 2),
        "p95_ms": round(percentile(latencies, 95), 2),
    }


def run_backend(kind: str, n: int) -> dict:
    rng = random.Random(7)
    with workspace() as work, fresh_database(kind, work) as db:
        county = seed_county(db, n_groups=2)
        group = county.groups[0]
        writer, reader = group.members[1], group.members[2]
        with running_servers(db, work, app_path="bench.bare_app:create_app") as [server]:
            pid = server.pid
            with httpx.Client(base_url=server.base_url, timeout=60) as client:
                writer_h, reader_h = login(client, writer), login(client, reader)
                me = group.member_ids[group.members.index(writer)]
                stream = records_stream(rng, group, me, date.today() - timedelta(days=40))

                def push(records: int):
                    batch = [next(stream) for _ in range(records)]
                    return client.post("/api/sync/push", json=push_body(batch), headers=writer_h)

                def pull(cursor):
                    params = {"limit": 50} | ({"cursor": cursor} if cursor else {})
                    return client.get("/api/sync/pull", params=params, headers=reader_h)

                cursor = None  # the reader catches up with the seed data first
                while True:
                    body = pull(cursor).json()
                    cursor = body["cursor"]
                    if not body["has_more"]:
                        break
                for _ in range(20):  # warm-up: every route and its caches once
                    client.get(BARE_PATH, headers=reader_h)
                    push(10)
                state = {"cursor": cursor}
                while True:  # the warm-up's rows are not part of the measured pulls
                    body = pull(state["cursor"]).json()
                    state["cursor"] = body["cursor"]
                    if not body["has_more"]:
                        break

                out = {"backend": kind}
                out["bare"] = _block(
                    client, pid, n, lambda i: client.get(BARE_PATH, headers=reader_h)
                )
                out["push_10"] = _block(client, pid, n, lambda i: push(10))
                out["pull_empty"] = _block(client, pid, n, lambda i: pull(state["cursor"]))
                for _ in range(n // 10):  # n pulls' worth of new rows, 50 each (500-record pushes)
                    push(500)

                def pull_50(i):
                    res = pull(state["cursor"])
                    body = res.json()
                    if len(body["changes"]) < 50:
                        raise RuntimeError(f"pull {i} got {len(body['changes'])} rows, not 50")
                    state["cursor"] = body["cursor"]
                    return res

                out["pull_50"] = _block(client, pid, n, pull_50)
    bare_cpu = out["bare"]["server_cpu_ms_per_request"]
    for name in ("push_10", "pull_empty", "pull_50"):
        cost = out[name]["server_cpu_ms_per_request"]
        out[name]["times_bare"] = round(cost / bare_cpu, 2) if bare_cpu else None
    return out


def run(backends, n: int = 400) -> dict:
    runs = []
    for kind in backends:
        if kind == "postgres" and not pg_available():
            runs.append({"backend": kind, "skipped": "Postgres not reachable"})
            continue
        log(f"small requests: {kind}, {n} of each")
        r = run_backend(kind, n)
        log(
            "  server CPU ms/request: "
            + ", ".join(
                f"{k} {r[k]['server_cpu_ms_per_request']}"
                + (f" ({r[k]['times_bare']}× bare)" if "times_bare" in r[k] else "")
                for k in ("bare", "push_10", "pull_empty", "pull_50")
            )
        )
        runs.append(r)
    return {"target": "each small request ≤ 3× the bare authenticated request", "runs": runs}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", action="append", choices=["sqlite", "postgres"])
    parser.add_argument("--requests", type=int, default=400)
    args = parser.parse_args()
    print(json.dumps(run(args.backend or ["sqlite", "postgres"], args.requests), indent=2))


if __name__ == "__main__":
    main()
