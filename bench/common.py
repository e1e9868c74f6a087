"""Shared benchmark plumbing: fresh databases, real uvicorn servers, a seeded county, phones.

Everything here is bounded and cleans up after itself: every server is a subprocess in its
own session that is terminated (then killed) in a `finally`, every Postgres database is
created as `patrol_bench_<random>` and dropped afterwards.
"""

from __future__ import annotations

import contextlib
import os
import platform
import random
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SECRET = "bench-secret-key-that-is-long-enough-0123456789abcdef"
PASSWORD = "bench-pw-0123"
PG_SERVER = os.environ.get("PATROL_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432")
SHANGHAI = timezone(timedelta(hours=8))

# Before anything imports app.config: fast password hashing and a fixed key.
os.environ.setdefault("PATROL_SECRET_KEY", SECRET)
os.environ.setdefault("PATROL_ARGON2_MEMORY_KIB", "8192")
os.environ.setdefault("PATROL_ENV", "development")

from app.hazards.models import HazardCategory, PlaceType, Severity  # noqa: E402


def log(*args) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}]", *args, file=sys.stderr, flush=True)


def median(values) -> float:
    values = list(values)
    return statistics.median(values) if values else float("nan")


def percentile(values, q: float) -> float:
    """Nearest-rank percentile (q in 0..100)."""
    values = sorted(values)
    if not values:
        return float("nan")
    k = max(0, min(len(values) - 1, int(round(q / 100 * len(values) + 0.5)) - 1))
    return values[k]


# --- databases ----------------------------------------------------------------------------


@dataclass
class Database:
    kind: str  # "sqlite" | "postgres"
    url: str  # SQLAlchemy URL
    path: Path | None = None  # SQLite file
    name: str | None = None  # Postgres database

    @property
    def psycopg_url(self) -> str:
        return self.url.replace("postgresql+psycopg://", "postgresql://")

    def raw(self):
        """A plain DB-API connection (sqlite3 / psycopg), for direct SQL."""
        if self.kind == "sqlite":
            conn = sqlite3.connect(self.path, timeout=60, isolation_level=None)
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA busy_timeout=60000")
            return conn
        import psycopg

        return psycopg.connect(self.psycopg_url, autocommit=True)

    def scalar(self, sql: str, params=()):
        conn = self.raw()
        try:
            cur = conn.execute(sql.replace("?", "%s") if self.kind == "postgres" else sql, params)
            row = cur.fetchone()
            return row[0] if row else None
        finally:
            conn.close()


def _migrate(url: str) -> None:
    from alembic import command

    from app.cli import alembic_config

    command.upgrade(alembic_config(url), "head")


@contextlib.contextmanager
def fresh_database(kind: str, workdir: Path) -> Iterator[Database]:
    """A freshly migrated, empty database; dropped (Postgres) or deleted (SQLite) afterwards."""
    if kind == "sqlite":
        path = workdir / f"bench-{uuid.uuid4().hex[:8]}.db"
        url = f"sqlite:///{path}"
        _migrate(url)
        try:
            yield Database("sqlite", url, path=path)
        finally:
            for suffix in ("", "-wal", "-shm"):
                with contextlib.suppress(FileNotFoundError):
                    Path(f"{path}{suffix}").unlink()
        return
    import psycopg

    name = f"patrol_bench_{uuid.uuid4().hex[:10]}"
    admin_url = PG_SERVER.replace("postgresql+psycopg://", "postgresql://") + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = f"{PG_SERVER}/{name}"
    try:
        _migrate(url)
        yield Database("postgres", url, name=name)
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def pg_available() -> bool:
    try:
        import psycopg

        admin_url = PG_SERVER.replace("postgresql+psycopg://", "postgresql://") + "/postgres"
        with psycopg.connect(admin_url, autocommit=True, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
        return True
    except Exception as exc:  # noqa: BLE001
        log("Postgres not available:", exc)
        return False


# --- servers ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    proc: subprocess.Popen
    port: int
    log_path: Path
    profiler: subprocess.Popen | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        return self.proc.pid


def start_server(
    db: Database,
    workdir: Path,
    *,
    extra_env: dict | None = None,
    app_path: str = "app.main:create_app",
) -> Server:
    port = free_port()
    env = dict(os.environ)
    env.update(
        PATROL_DATABASE_URL=db.url,
        PATROL_SECRET_KEY=SECRET,
        PATROL_ARGON2_MEMORY_KIB="8192",
        PATROL_ENV="development",
        PATROL_UPLOAD_DIR=str(workdir / "uploads"),
        PYTHONUNBUFFERED="1",
    )
    env.update(extra_env or {})
    log_path = workdir / f"server-{port}.log"
    with open(log_path, "wb") as fh:
        proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", app_path, "--factory"]
            + ["--host", "127.0.0.1", "--port", str(port)]
            + ["--log-level", "warning", "--no-access-log"],
            cwd=ROOT,
            env=env,
            stdout=fh,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(proc, port, log_path)
    import httpx

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited: {log_path.read_text()[-2000:]}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{server.base_url}/readyz", timeout=2).status_code == 200:
                if os.environ.get("PATROL_BENCH_PROFILE"):  # py-spy on every server started
                    out = Path(os.environ["PATROL_BENCH_PROFILE"]) / f"server-{port}.txt"
                    out.parent.mkdir(parents=True, exist_ok=True)
                    spy = [str(Path(sys.executable).parent / "py-spy"), "record", "--gil"]
                    spy += ["-f", "raw"]
                    server.profiler = subprocess.Popen(
                        [*spy, "-r", "100", "-o", str(out), "-p", str(proc.pid)],
                        stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL,
                    )
                return server
        time.sleep(0.1)
    stop_server(server)
    raise RuntimeError(f"server did not become ready: {log_path.read_text()[-2000:]}")


def stop_server(server: Server) -> None:
    if server.profiler is not None and server.profiler.poll() is None:
        server.profiler.send_signal(signal.SIGINT)  # py-spy writes its output
        try:
            server.profiler.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.profiler.kill()
            server.profiler.wait()
    proc = server.proc
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
    text = server.log_path.read_text(errors="replace") if server.log_path.exists() else ""
    if "Traceback" in text:
        first = text.index("Traceback")
        log(f"server {server.port} logged errors; the first:\n{text[first : first + 3000]}")


@contextlib.contextmanager
def running_servers(
    db: Database, workdir: Path, count: int = 1, app_path: str = "app.main:create_app"
) -> Iterator[list[Server]]:
    servers: list[Server] = []
    try:
        for _ in range(count):
            servers.append(start_server(db, workdir, app_path=app_path))
        yield servers
    finally:
        for s in servers:
            stop_server(s)


@contextlib.contextmanager
def workspace() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="patrol-bench-"))
    try:
        yield path
    finally:
        if os.environ.get("PATROL_BENCH_KEEP"):  # keep logs and databases for a look
            log(f"kept {path}")
        else:
            shutil.rmtree(path, ignore_errors=True)


# --- RSS ----------------------------------------------------------------------------------


def rss_mib(pid: int) -> float | None:
    try:
        import psutil

        return psutil.Process(pid).memory_info().rss / 2**20
    except ImportError:
        pass
    except Exception:  # noqa: BLE001  (process gone)
        return None
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


class RssSampler:
    """Samples the RSS of some pids every `interval` seconds in a thread, until stopped."""

    def __init__(self, pids: list[int], interval: float = 0.5):
        self.pids = pids
        self.interval = interval
        self.samples: list[tuple[float, float]] = []  # (seconds since start, total MiB)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._t0 = time.monotonic()

    def _run(self) -> None:
        while not self._stop.is_set():
            values = [rss_mib(p) for p in self.pids]
            if all(v is not None for v in values):
                self.samples.append((time.monotonic() - self._t0, sum(values)))
            self._stop.wait(self.interval)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    @property
    def peak(self) -> float:
        return max((v for _, v in self.samples), default=float("nan"))

    @property
    def values(self) -> list[float]:
        return [v for _, v in self.samples]


# --- the seeded county --------------------------------------------------------------------


@dataclass
class SiteInfo:
    id: int
    checkpoints: list[str]
    windows: list[int]


@dataclass
class GroupInfo:
    id: int
    leader: str
    members: list[str]  # usernames, leader included
    member_ids: list[int]
    sites: list[SiteInfo]


@dataclass
class County:
    groups: list[GroupInfo] = field(default_factory=list)
    supervisor: str = "supervisor"

    def phones(self, n: int) -> list[tuple[str, GroupInfo]]:
        """n (username, group) pairs, round-robin over every member of every group."""
        pool = [(u, g) for g in self.groups for u in g.members]
        return [pool[i % len(pool)] for i in range(n)]


def seed_county(db: Database, n_groups: int = 10, sites_per_group: int = 2, members: int = 5):
    """A county: groups of members with their schools, checkpoints and gate windows.
    Built through the app's services (the same path tests/factories.py uses)."""
    from datetime import time as dtime

    from sqlmodel import Session

    from app import db as appdb
    from app.groups.models import GroupMember, GroupSite, PatrolGroup
    from app.sites.models import Checkpoint, GateWindow, Site, SiteKind, WindowKind
    from app.users.service import create_user

    engine = appdb.make_engine(db.url)
    county = County()
    try:
        with Session(engine, expire_on_commit=False) as s:
            create_user(
                s,
                username="supervisor",
                display_name="督查",
                password=PASSWORD,
                roles=["supervisor"],
                town_id=1,  # the migration's default town: the bench is one town
                actor_id=None,
            )
            for g in range(n_groups):
                sites = []
                for k in range(sites_per_group):
                    n = g * sites_per_group + k
                    site = Site(
                        name=f"第{n + 1}小学",
                        kind=SiteKind.school,
                        address=f"{n + 1}号路",
                        lat=30.5 + n * 0.01,
                        lon=114.3,
                        town_id=1,
                    )
                    s.add(site)
                    s.flush()
                    cps = [
                        Checkpoint(
                            site_id=site.id,
                            town_id=1,
                            name=f"巡逻点{i + 1}",
                            code=f"S{site.id}-CP{i}",
                        )
                        for i in range(4)
                    ]
                    wins = [
                        GateWindow(
                            site_id=site.id,
                            name="上学",
                            kind=WindowKind.arrival,
                            starts=dtime(7, 30),
                            ends=dtime(8, 30),
                        ),
                        GateWindow(
                            site_id=site.id,
                            name="放学",
                            kind=WindowKind.dismissal,
                            starts=dtime(16, 30),
                            ends=dtime(17, 30),
                        ),
                    ]
                    s.add_all(cps + wins)
                    s.flush()
                    sites.append(SiteInfo(site.id, [c.code for c in cps], [w.id for w in wins]))
                users = []
                for m in range(members + 1):
                    roles = ["leader", "member"] if m == 0 else ["member"]
                    users.append(
                        create_user(
                            s,
                            username=f"g{g}_{'leader' if m == 0 else f'm{m}'}",
                            display_name=f"队员{g}-{m}",
                            password=PASSWORD,
                            roles=roles,
                            town_id=1,
                            actor_id=None,
                        )
                    )
                group = PatrolGroup(name=f"第{g + 1}巡逻组", leader_id=users[0].id, town_id=1)
                s.add(group)
                s.flush()
                s.add_all(GroupMember(group_id=group.id, user_id=u.id) for u in users)
                s.add_all(GroupSite(group_id=group.id, site_id=si.id) for si in sites)
                s.flush()
                county.groups.append(
                    GroupInfo(
                        group.id,
                        users[0].username,
                        [u.username for u in users],
                        [u.id for u in users],
                        sites,
                    )
                )
            s.commit()
    finally:
        engine.dispose()
    return county


# --- logging in ---------------------------------------------------------------------------


def login(client, username: str, device_id: str | None = None) -> dict:
    body = {"username": username, "password": PASSWORD}
    body["device_id"] = device_id or f"bench-{uuid.uuid4().hex[:16]}"
    for _ in range(5):
        res = client.post("/api/auth/login", json=body, timeout=60)
        if res.status_code == 200:
            return {"Authorization": f"Bearer {res.json()['access_token']}"}
        time.sleep(0.5)
    raise RuntimeError(f"login of {username} failed: {res.status_code} {res.text[:300]}")


async def alogin(client, username: str, device_id: str) -> dict:
    import asyncio

    body = {"username": username, "password": PASSWORD, "device_id": device_id}
    res = None
    for _ in range(10):
        try:
            res = await client.post("/api/auth/login", json=body, timeout=120)
            if res.status_code == 200:
                return {"Authorization": f"Bearer {res.json()['access_token']}"}
        except Exception:  # noqa: BLE001
            pass
        await asyncio.sleep(0.5)
    detail = f"{res.status_code} {res.text[:300]}" if res is not None else "no answer"
    raise RuntimeError(f"login of {username} failed: {detail}")


# --- realistic mutations ------------------------------------------------------------------

# What the phones' hazard reports name: some of the domain's categories and places.
CATEGORIES = [
    c.value
    for c in (
        HazardCategory.fire,
        HazardCategory.food_hygiene,
        HazardCategory.traffic,
        HazardCategory.surroundings,
        HazardCategory.security_equipment,
        HazardCategory.other,
    )
]
PLACES = [
    *(
        p.value
        for p in (
            PlaceType.internet_cafe,
            PlaceType.restaurant,
            PlaceType.illegal_stall,
            PlaceType.tuck_shop,
            PlaceType.gate,
        )
    ),
    None,
]
SEVERITIES = [s.value for s in Severity]
NAMES = ["王建国", "李秀英", "张伟", "刘洋", "陈静", "杨帆", "赵磊", "黄敏"]
VISITING = ["三年级二班 班主任", "校长办公室", "食堂", "总务处", "教务处"]


def new_id() -> str:
    return str(uuid.uuid4())


def mut(type_: str, payload: dict, at: datetime) -> dict:
    return {"id": new_id(), "type": type_, "occurred_at": at.isoformat(), "payload": payload}


def day_of_records(rng: random.Random, group: GroupInfo, me_id: int, day: date) -> list[dict]:
    """One phone's records for one day at its group's schools, in the order they were made:
    gate duty at arrival, visitors, two patrol shifts with two rounds of checkpoint scans each,
    an occasional hazard, gate duty at dismissal. About 28 records per school."""
    out: list[dict] = []

    def at(h: float) -> datetime:
        return datetime(day.year, day.month, day.day, tzinfo=SHANGHAI) + timedelta(hours=h)

    for site in group.sites:
        arr, dis = site.windows[0], site.windows[1]
        for direction, h in (("in", 7.5), ("out", 8.5)):
            out.append(
                mut(
                    "gate.check",
                    {
                        "site_id": site.id,
                        "window_id": arr,
                        "local_date": day.isoformat(),
                        "direction": direction,
                    },
                    at(h + rng.random() * 0.05),
                )
            )
        visitors = []
        for v in range(2):
            enter = mut(
                "visitor.enter",
                {
                    "site_id": site.id,
                    "name": rng.choice(NAMES),
                    "visiting": rng.choice(VISITING),
                    "purpose": "家长会" if v == 0 else "送货",
                    "host_approved": True,
                    "vehicle_plate": f"鄂A{rng.randint(10000, 99999)}" if v else None,
                    "goods": "食材两箱" if v else None,
                    "pass_slip_no": f"P{rng.randint(1000, 9999)}",
                },
                at(9 + v + rng.random()),
            )
            visitors.append(enter)
            out.append(enter)
        for start_h in (10.0, 14.0):
            others = [u for u in group.member_ids if u != me_id]
            start = mut(
                "shift.start",
                {
                    "site_id": site.id,
                    "group_id": group.id,
                    "member_ids": rng.sample(others, k=min(2, len(others))),
                    "note": "",
                },
                at(start_h),
            )
            out.append(start)
            t = start_h
            for _round in range(2):
                for code in site.checkpoints:
                    t += 0.05 + rng.random() * 0.05
                    out.append(
                        mut(
                            "shift.scan",
                            {
                                "shift_id": start["id"],
                                "checkpoint_code": code,
                                "lat": round(30.5 + rng.random() * 0.01, 6),
                                "lon": round(114.3 + rng.random() * 0.01, 6),
                                "accuracy_m": round(5 + rng.random() * 20, 1),
                            },
                            at(t),
                        )
                    )
            if start_h == 10.0:
                for enter in visitors:
                    out.append(mut("visitor.leave", {"visitor_id": enter["id"]}, at(t + 0.1)))
            if rng.random() < 0.5:
                out.append(
                    mut(
                        "hazard.report",
                        {
                            "site_id": site.id,
                            "category": rng.choice(CATEGORIES),
                            "place_type": rng.choice(PLACES),
                            "severity": rng.choice(SEVERITIES),
                            "description": "校门口东侧流动摊点售卖三无食品，学生放学时聚集。",
                            "lat": 30.5,
                            "lon": 114.3,
                            "accuracy_m": 15.0,
                            "within_300m": True,
                            "distance_m": round(rng.random() * 300, 1),
                            "photos": [uuid.uuid4().hex + uuid.uuid4().hex]
                            if rng.random() < 0.3
                            else [],
                        },
                        at(t + 0.2),
                    )
                )
            out.append(mut("shift.end", {"shift_id": start["id"], "note": "正常"}, at(t + 0.3)))
        for direction, h in (("in", 16.5), ("out", 17.5)):
            out.append(
                mut(
                    "gate.check",
                    {
                        "site_id": site.id,
                        "window_id": dis,
                        "local_date": day.isoformat(),
                        "direction": direction,
                    },
                    at(h + rng.random() * 0.05),
                )
            )
    return out


def records_stream(rng: random.Random, group: GroupInfo, me_id: int, first_day: date):
    """An endless stream of one phone's records, day after day."""
    day = first_day
    while True:
        yield from day_of_records(rng, group, me_id, day)
        day += timedelta(days=1)


def push_body(mutations: list[dict], outbox_depth: int = 0) -> dict:
    return {
        "sent_at": datetime.now(SHANGHAI).isoformat(),
        "outbox_depth": outbox_depth,
        "mutations": mutations,
    }


# --- the machine --------------------------------------------------------------------------


def machine_info() -> dict:
    info = {
        "nproc": os.cpu_count(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "platform": platform.platform(),
    }
    with contextlib.suppress(Exception):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                info["memory_gib"] = round(int(line.split()[1]) / 2**20, 1)
    with contextlib.suppress(Exception):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
    with contextlib.suppress(Exception):
        import psycopg

        admin_url = PG_SERVER.replace("postgresql+psycopg://", "postgresql://") + "/postgres"
        with psycopg.connect(admin_url, autocommit=True, connect_timeout=3) as conn:
            info["postgres"] = conn.execute("SHOW server_version").fetchone()[0]
    with contextlib.suppress(Exception):
        import uvicorn

        info["uvicorn"] = uvicorn.__version__
    info["uvloop"] = _has("uvloop")
    info["httptools"] = _has("httptools")
    return info


def _has(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def now_utc() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
