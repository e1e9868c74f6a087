"""The push path without HTTP, for profiling: the same batches as part 1, handed straight to
the route's work (JSON body in, JSON body out) in this process, so a profiler sees only
the server's own cost.

    python -m bench.profile_push [--backend sqlite|postgres] [--records N] [--pyinstrument]
"""

from __future__ import annotations

import argparse
import json
import time

from bench.common import fresh_database, push_body, seed_county, workspace
from bench.push_ingest import build_batches


def run(kind: str, n_records: int, profile: bool, gc_tuning: bool = False) -> dict:
    from sqlmodel import Session, select

    import app.record_types  # noqa: F401  (registers the record types)
    from app.auth.models import Device, User
    from app.db import make_engine
    from app.sync import push as sync_push
    from app.sync.schemas import PushRequest, PushResponse

    with workspace() as work, fresh_database(kind, work) as db:
        county = seed_county(db)
        batches = build_batches(county, n_records)
        engine = make_engine(db.url)
        bodies = []
        with Session(engine) as session:
            users = {u.username: u for u in session.exec(select(User)).all()}
            for username, batch in batches:
                user = users[username]
                device = Device(id=f"profile-{username}", user_id=user.id, label="profile")
                session.merge(device)
                bodies.append((user.id, device.id, json.dumps(push_body(batch)).encode()))
            session.commit()
        if gc_tuning:
            from app.main import tune_gc

            tune_gc()
        profiler = None
        if profile:
            from pyinstrument import Profiler

            profiler = Profiler(interval=0.0005)
            profiler.start()
        started, cpu_started = time.perf_counter(), time.process_time()
        for user_id, device_id, body in bodies:  # what the route does, without HTTP
            request = PushRequest.model_validate_json(body)
            response = sync_push.push(engine, user_id=user_id, device_id=device_id, request=request)
            PushResponse.model_validate(response.model_dump()).model_dump_json()
        seconds = time.perf_counter() - started
        cpu_seconds = time.process_time() - cpu_started
        if profiler is not None:
            profiler.stop()
            print(profiler.output_text(unicode=True, color=False, show_all=False))
        engine.dispose()
        n = sum(len(b) for _, b in batches)
        return {
            "backend": kind,
            "records": n,
            "seconds": round(seconds, 3),
            "per_s": n / seconds,
            "cpu_per_s": n / cpu_seconds,
            "gc_tuning": gc_tuning,
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", default="sqlite", choices=["sqlite", "postgres"])
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--pyinstrument", action="store_true")
    parser.add_argument("--gc-tuning", action="store_true", help="as the served app does")
    args = parser.parse_args()
    print(json.dumps(run(args.backend, args.records, args.pyinstrument, args.gc_tuning)))


if __name__ == "__main__":
    main()
