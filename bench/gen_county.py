"""Generate a county's worth of data into a SQLite file for the report benchmarks.

    .venv/bin/python -m bench.gen_county --db data/county.db

600 sites in 20 towns (10 patrol groups of 3 sites per town), 365 local days ending on
--end, three 8-hour shifts per site per day with their members (some missing, understaffed,
returned or late), two checkpoint scans per shift, gate check-ins at both windows on weekdays,
a few thousand hazards and a device per user. Rows go in with executemany on one connection.
"""

import argparse
import random
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from alembic import command

from app.cli import alembic_config
from app.hazards.models import Department, HazardAction, HazardCategory, HazardStatus, PlaceType
from app.hazards.rules import next_status

TZ = ZoneInfo("Asia/Shanghai")
BENCH_PASSWORD = "bench-password"
FMT = "%Y-%m-%d %H:%M:%S.%f"  # how SQLAlchemy stores DateTime on SQLite


def _ts(dt: datetime) -> str:
    return dt.astimezone(UTC).replace(tzinfo=None).strftime(FMT)


class _Ids:
    def __init__(self) -> None:
        self.n = 0

    def __call__(self) -> str:
        self.n += 1
        return f"{self.n:08x}-0000-4000-8000-{self.n:012x}"


def generate(
    path: Path,
    *,
    towns: int,
    groups_per_town: int,
    sites_per_group: int,
    days: int,
    end: date,
    seed: int,
) -> dict:
    from sqlalchemy import create_engine

    from app.auth.security import hash_password

    if path.exists():
        path.unlink()
    for suffix in ("-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    url = f"sqlite:///{path}"
    command.upgrade(alembic_config(url), "head")
    rnd = random.Random(seed)
    new_id = _Ids()
    now = _ts(datetime.now(UTC))
    engine = create_engine(url)
    raw = engine.raw_connection()
    cur = raw.cursor()
    cur.execute("PRAGMA journal_mode=OFF")
    cur.execute("PRAGMA synchronous=OFF")
    cur.execute("PRAGMA foreign_keys=OFF")
    counts: dict[str, int] = {}

    def insert(table: str, cols: list[str], rows: list[tuple]) -> None:
        if not rows:
            return
        marks = ",".join("?" * len(cols))
        cur.executemany(f"INSERT INTO {table} ({','.join(cols)}) VALUES ({marks})", rows)
        counts[table] = counts.get(table, 0) + len(rows)

    pw = hash_password(BENCH_PASSWORD)
    user_cols = [
        "id",
        "username",
        "display_name",
        "password_hash",
        "roles",
        "active",
        "created_at",
        "home_site_id",
        "town_id",
        "county_wide",
    ]
    # Town 1 is the migration's default town; the county supervisor reads every town.
    insert(
        "town",
        ["id", "county_id", "code", "name", "created_at"],
        [(t + 1, 1, f"town{t + 1}", f"第{t + 1}镇", now) for t in range(1, towns)],
    )
    users: list[tuple] = [(1, "supervisor", "县督查", pw, "supervisor", 1, now, None, 1, 1)]
    sites, windows, checkpoints, groups_rows, gsites, gmembers = [], [], [], [], [], []
    site_staff: dict[int, list[int]] = {}  # site -> its group's members
    site_gate: dict[int, list[int]] = {}
    site_windows: dict[int, list[int]] = {}
    site_cps: dict[int, list[int]] = {}
    site_group: dict[int, int] = {}
    uid, sid, gid, wid, cid = 2, 1, 1, 1, 1
    for t in range(towns):
        for g in range(groups_per_town):
            leader = uid
            users.append(
                (
                    uid,
                    f"leader{t}_{g}",
                    f"组长{t}-{g}",
                    "x",
                    "leader,member",
                    1,
                    now,
                    None,
                    t + 1,
                    0,
                )
            )
            uid += 1
            members = [leader]
            for m in range(6):
                users.append(
                    (
                        uid,
                        f"m{t}_{g}_{m}",
                        f"队员{t}-{g}-{m}",
                        "x",
                        "member",
                        1,
                        now,
                        None,
                        t + 1,
                        0,
                    )
                )
                members.append(uid)
                uid += 1
            groups_rows.append((gid, f"第{t + 1}镇巡逻组{g + 1}", leader, 1, now, t + 1))
            gmembers += [(gid, u) for u in members]
            for _ in range(sites_per_group):
                sites.append(
                    (
                        sid,
                        f"第{t + 1}镇学校{sid}",
                        "school",
                        "",
                        30.0 + sid * 0.001,
                        114.0,
                        "Asia/Shanghai",
                        4,
                        4,
                        1,
                        now,
                        t + 1,
                    )
                )
                gsites.append((gid, sid))
                site_staff[sid] = members
                site_group[sid] = gid
                site_windows[sid] = [wid, wid + 1]
                windows.append(
                    (wid, "上学", "arrival", "07:30:00.000000", "08:30:00.000000", sid, 1)
                )
                windows.append(
                    (wid + 1, "放学", "dismissal", "16:30:00.000000", "17:30:00.000000", sid, 1)
                )
                wid += 2
                site_cps[sid] = [cid, cid + 1]
                for k in range(2):
                    checkpoints.append(
                        (cid, f"巡逻点{k + 1}", f"S{sid}-CP{k + 1}", None, None, sid, 1, t + 1)
                    )
                    cid += 1
                gate_staff = []
                for k in range(5):
                    users.append(
                        (
                            uid,
                            f"gate{sid}_{k}",
                            f"门卫{sid}-{k}",
                            "x",
                            "gate",
                            1,
                            now,
                            sid,
                            t + 1,
                            0,
                        )
                    )
                    gate_staff.append(uid)
                    uid += 1
                site_gate[sid] = gate_staff
                sid += 1
            gid += 1
    insert(
        "site",
        [
            "id",
            "name",
            "kind",
            "address",
            "lat",
            "lon",
            "timezone",
            "required_patrol_staff",
            "required_gate_staff",
            "active",
            "created_at",
            "town_id",
        ],
        sites,
    )
    insert("app_user", user_cols, users)
    insert(
        "patrol_group", ["id", "name", "leader_id", "active", "created_at", "town_id"], groups_rows
    )
    insert("group_site", ["group_id", "site_id"], gsites)
    insert("group_member", ["group_id", "user_id"], gmembers)
    insert("gate_window", ["id", "name", "kind", "starts", "ends", "site_id", "active"], windows)
    cp_cols = ["id", "name", "code", "lat", "lon", "site_id", "active", "town_id"]
    insert("checkpoint", cp_cols, checkpoints)
    insert(
        "device",
        [
            "id",
            "user_id",
            "label",
            "created_at",
            "last_sync_at",
            "last_outbox_depth",
            "last_clock_offset_s",
            "max_abs_clock_offset_s",
        ],
        [
            (
                f"dev-{u[0]}",
                u[0],
                "phone",
                now,
                now,
                rnd.randint(0, 5),
                round(rnd.gauss(0, 30), 1),
                abs(round(rnd.gauss(0, 60), 1)),
            )
            for u in users
        ],
    )

    rec = [
        "id",
        "site_id",
        "recorded_by",
        "device_id",
        "device_time",
        "device_tz_offset_min",
        "received_at",
        "event_time",
        "clock_offset_s",
        "author_disabled",
        "version",
    ]
    shift_cols = rec + ["group_id", "status", "ended_at", "ended_device_time", "note"]
    scan_cols = rec + ["shift_id", "checkpoint_id"]
    gate_cols = rec + ["window_id", "local_date", "direction"]
    version = 0
    start_day = end - timedelta(days=days - 1)
    for i in range(days):
        d = start_day + timedelta(days=i)
        midnight = datetime(d.year, d.month, d.day, tzinfo=TZ)
        shifts, members, scans, checks = [], [], [], []
        for s in range(1, sid):
            staff = site_staff[s]
            for k in range(3):
                r = rnd.random()
                if r < 0.03:
                    continue  # nobody patrolled: a gap
                late = timedelta(minutes=rnd.choice((0, 0, 0, 0, 10, 45)))
                st = midnight + timedelta(hours=8 * k) + late
                en = midnight + timedelta(hours=8 * (k + 1))
                status = "returned" if r < 0.05 else ("ended" if r < 0.25 else "confirmed")
                n = 3 if rnd.random() < 0.1 else 4
                who = rnd.sample(staff, n)
                version += 1
                shift_id = new_id()
                st_s, en_s = _ts(st), _ts(en)
                recv = _ts(en + timedelta(minutes=rnd.randint(1, 600)))
                shifts.append(
                    (
                        shift_id,
                        s,
                        who[0],
                        f"dev-{who[0]}",
                        st_s,
                        480,
                        recv,
                        st_s,
                        0.0,
                        0,
                        version,
                        site_group[s],
                        status,
                        en_s,
                        en_s,
                        "",
                    )
                )
                members += [(shift_id, u) for u in who]
                for j, cp in enumerate(site_cps[s]):
                    at = _ts(st + timedelta(minutes=30 + 200 * j))
                    version += 1
                    scans.append(
                        (
                            new_id(),
                            s,
                            who[0],
                            f"dev-{who[0]}",
                            at,
                            480,
                            recv,
                            at,
                            0.0,
                            0,
                            version,
                            shift_id,
                            cp,
                        )
                    )
            if d.weekday() < 5:
                for w, hour in zip(site_windows[s], (7, 16), strict=True):
                    present = site_gate[s][: 3 if rnd.random() < 0.05 else 4]
                    for u in present:
                        at = _ts(midnight + timedelta(hours=hour, minutes=rnd.randint(20, 35)))
                        version += 1
                        checks.append(
                            (
                                new_id(),
                                s,
                                u,
                                f"dev-{u}",
                                at,
                                480,
                                at,
                                at,
                                0.0,
                                0,
                                version,
                                w,
                                d.isoformat(),
                                "in",
                            )
                        )
        insert("patrol_shift", shift_cols, shifts)
        insert("shift_member", ["shift_id", "user_id"], members)
        insert("checkpoint_scan", scan_cols, scans)
        insert("gate_check", gate_cols, checks)
    hazards = []
    cats = [
        c.value
        for c in (
            HazardCategory.fire,
            HazardCategory.food_hygiene,
            HazardCategory.traffic,
            HazardCategory.surroundings,
            HazardCategory.collapse,
        )
    ]
    places = [
        p.value
        for p in (
            PlaceType.internet_cafe,
            PlaceType.restaurant,
            PlaceType.hotel,
            PlaceType.illegal_stall,
            PlaceType.canteen,
        )
    ]
    depts = [d.value for d in Department]
    # Where a hazard stands after 0 to 3 steps along its lifecycle (most of a year's are
    # closed); only the assignment gives it a department.
    path = [HazardStatus.reported]
    for action in (HazardAction.assign, HazardAction.rectify, HazardAction.close):
        path.append(next_status(action, path[-1]))
    statuses = [s.value for s in (*path, path[-1], path[-1])]
    for _ in range(5000):
        s = rnd.randint(1, sid - 1)
        at_dt = datetime.combine(
            start_day + timedelta(days=rnd.randrange(days)), datetime.min.time(), tzinfo=TZ
        ) + timedelta(hours=10)
        at = _ts(at_dt)
        version += 1
        status = rnd.choice(statuses)
        hazards.append(
            (
                new_id(),
                s,
                site_staff[s][0],
                "dev",
                at,
                480,
                at,
                at,
                0.0,
                0,
                version,
                rnd.choice(cats),
                rnd.choice(places),
                "medium",
                "隐患描述",
                status,
                None if status == HazardStatus.reported else rnd.choice(depts),
                (at_dt.date() + timedelta(days=14)).isoformat(),
                0,
                "[]",
            )
        )
    insert(
        "hazard",
        rec
        + [
            "category",
            "place_type",
            "severity",
            "description",
            "status",
            "department",
            "due_date",
            "within_300m",
            "photos",
        ],
        hazards,
    )
    cur.execute("UPDATE sync_state SET version = ? WHERE id = 1", (version,))
    raw.commit()
    cur.execute("ANALYZE")
    raw.commit()
    raw.close()
    engine.dispose()
    return counts


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--db", default="data/county.db")
    p.add_argument("--towns", type=int, default=20)
    p.add_argument("--groups-per-town", type=int, default=10)
    p.add_argument("--sites-per-group", type=int, default=3)
    p.add_argument("--days", type=int, default=365)
    p.add_argument("--end", type=date.fromisoformat, default=date(2026, 11, 29))
    p.add_argument("--seed", type=int, default=7)
    args = p.parse_args(argv)
    t0 = time.perf_counter()
    counts = generate(
        Path(args.db),
        towns=args.towns,
        groups_per_town=args.groups_per_town,
        sites_per_group=args.sites_per_group,
        days=args.days,
        end=args.end,
        seed=args.seed,
    )
    for table, n in counts.items():
        print(f"{table:>16}: {n:>9,}")
    print(f"generated {args.db} in {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()
