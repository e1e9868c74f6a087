"""The `patrol` command: serve, migrate, create users, seed the demo town, warm report caches."""

import argparse
import os
import sys
from pathlib import Path

from alembic import command
from alembic.config import Config

ROOT = Path(__file__).resolve().parent.parent


def alembic_config(url: str | None = None) -> Config:
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    if url:
        cfg.attributes["url"] = url
    return cfg


def cmd_serve(args: argparse.Namespace) -> None:
    import uvicorn

    port = int(args.port or os.environ.get("PORT", "8000"))
    # proxy_headers off: app.main honours X-Forwarded-For from PATROL_TRUSTED_PROXIES only.
    options = dict(
        factory=True, host=args.host, port=port, proxy_headers=False, log_level="warning"
    )
    if args.workers > 1 or not args.announce_demo:
        uvicorn.run("app.main:create_app", workers=args.workers, **options)
        return
    from app.demo import serving_banner

    banner = serving_banner(args.host, port)

    class _Announcing(uvicorn.Server):
        """Prints where to open the demo and its logins once the socket listens."""

        async def startup(self, sockets=None) -> None:
            await super().startup(sockets=sockets)
            if self.started:
                print(banner, flush=True)

    _Announcing(uvicorn.Config("app.main:create_app", **options)).run()


def cmd_db(args: argparse.Namespace) -> None:
    if args.action == "upgrade":
        command.upgrade(alembic_config(), args.revision or "head")
    elif args.action == "downgrade":
        if not args.revision:
            sys.exit("patrol db downgrade needs a revision, e.g. `patrol db downgrade base`")
        command.downgrade(alembic_config(), args.revision)
    else:
        command.current(alembic_config())


def cmd_create_user(args: argparse.Namespace) -> None:
    from app.db import write_session
    from app.towns.service import the_town
    from app.users.service import create_user

    with write_session() as session:
        town = the_town(session, args.town)
        user = create_user(
            session,
            username=args.username,
            display_name=args.display_name or args.username,
            password=args.password,
            roles=args.roles.split(","),
            town_id=town.id,  # type: ignore[arg-type]  # a stored town has an id
            county_wide=args.county_wide,
            actor_id=None,
        )
    print(f"created user {user.username}@{town.code} (id {user.id}) with roles {user.roles}")


def cmd_create_town(args: argparse.Namespace) -> None:
    from app.db import write_session
    from app.towns.service import add_town

    with write_session() as session:
        town = add_town(session, code=args.code, name=args.name, county_code=args.county)
    print(f"created town {town.code} (id {town.id}) in county {args.county}")


def cmd_demo(args: argparse.Namespace) -> None:
    from app.config import get_settings
    from app.demo import seed_demo_town

    if get_settings().is_production:
        sys.exit("patrol demo refuses to run with PATROL_ENV=production")
    summary = seed_demo_town()
    print(summary)


def cmd_reports(args: argparse.Namespace) -> None:
    from app.db import utcnow
    from app.reports.coverage_cache import warm_coverage_cache

    if args.days < 1:
        sys.exit("patrol reports warm --days needs a number of days of at least 1")
    r = warm_coverage_cache(now=utcnow(), days=args.days)
    period = f"{r.date_from} .. {r.date_to}" if r.date_from else "no active sites"
    print(
        f"coverage cache warmed: {r.sites} active sites, {r.days} finished days each "
        f"({period}); {r.computed} site-days computed and stored, {r.cached} already cached, "
        f"{r.left} left to the reports (busy); {r.chunks} chunk(s); {r.seconds} s"
    )


def cmd_photos(args: argparse.Namespace) -> None:
    from datetime import timedelta

    from app.config import get_settings
    from app.db import utcnow
    from app.photos import service

    if args.action == "verify":
        lost = service.verify()
        print(f"{lost} photos whose bytes the store no longer has; now listed as missing")
        return
    hours = args.hours if args.hours is not None else get_settings().orphan_photo_hours
    if hours < 1:
        sys.exit("patrol photos clean --hours needs a number of hours of at least 1")
    done = service.clean(now=utcnow(), older_than=timedelta(hours=hours))
    print(
        f"removed {done['uploads']} unfinished uploads and {done['photos']} unused photos "
        f"older than {hours} h"
    )


def cmd_maintain(args: argparse.Namespace) -> None:
    from app.config import get_settings
    from app.db import get_engine, utcnow
    from app.ops.retention import run_retention

    print(run_retention(get_engine(), now=utcnow(), settings=get_settings()))


def cmd_backup(args: argparse.Namespace) -> None:
    from app.config import get_settings
    from app.db import get_engine, utcnow
    from app.ops.backup import backup

    now = utcnow()
    folder = Path(args.to or f"backups/patrol-{now:%Y%m%dT%H%M%SZ}")
    m = backup(get_engine(), settings=get_settings(), folder=folder, now=now)
    print(
        f"backup in {folder}: {m.backend} at feed version {m.feed_version} "
        f"(schema {m.schema_revision}), {m.photos} photos"
    )


def cmd_restore(args: argparse.Namespace) -> None:
    from app.config import get_settings
    from app.db import get_engine
    from app.ops.backup import restore

    if not args.yes:
        sys.exit("patrol restore replaces the whole database; stop the app and add --yes")
    engine = get_engine()
    m = restore(engine, settings=get_settings(), folder=Path(args.folder))
    command.upgrade(alembic_config(engine.url.render_as_string(hide_password=False)), "head")
    print(
        f"restored the backup of {m.taken_at} (feed version {m.feed_version}); a new feed "
        f"epoch: phones pull everything again and re-send the records they keep"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="patrol", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the HTTP server")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=None, help="default: $PORT or 8000")
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument(
        "--announce-demo",
        action="store_true",
        help="once listening, print the address to open and the demo logins (make demo)",
    )
    serve.set_defaults(func=cmd_serve)

    dbp = sub.add_parser("db", help="schema migrations (Alembic)")
    dbp.add_argument("action", choices=["upgrade", "downgrade", "current"])
    dbp.add_argument("revision", nargs="?")
    dbp.set_defaults(func=cmd_db)

    cu = sub.add_parser("create-user", help="add a user (e.g. the first admin)")
    cu.add_argument("username")
    cu.add_argument("--password", required=True)
    cu.add_argument("--roles", default="member", help="comma-separated: member,gate,leader,...")
    cu.add_argument("--display-name")
    cu.add_argument("--town", help="the town's code (default: the only town)")
    cu.add_argument(
        "--county-wide", action="store_true", help="a county office supervisor or admin"
    )
    cu.set_defaults(func=cmd_create_user)

    ct = sub.add_parser("create-town", help="add a town (镇) to a county (县)")
    ct.add_argument("code", help="short code, typed at login as name@code")
    ct.add_argument("name")
    ct.add_argument("--county", default="county", help="the county's code (default: county)")
    ct.set_defaults(func=cmd_create_town)

    demo = sub.add_parser("demo", help="seed the demo town (refused in production)")
    demo.set_defaults(func=cmd_demo)

    rep = sub.add_parser("reports", help="report maintenance: `warm` fills the coverage cache")
    rep.add_argument("action", choices=["warm"])
    rep.add_argument(
        "--days", type=int, default=400, help="finished local days back from yesterday (400)"
    )
    rep.set_defaults(func=cmd_reports)

    ph = sub.add_parser(
        "photos",
        help="photo store upkeep: `clean` removes old unused photos and unfinished uploads, "
        "`verify` lists photos whose bytes are gone as missing",
    )
    ph.add_argument("action", choices=["clean", "verify"])
    ph.add_argument("--hours", type=int, default=None, help="default: PATROL_ORPHAN_PHOTO_HOURS")
    ph.set_defaults(func=cmd_photos)

    mnt = sub.add_parser(
        "maintain",
        help="retention: compact the pull feed, drop old mutation log rows, expired refresh "
        "tokens and old failed logins (safe from any machine, also twice at once)",
    )
    mnt.set_defaults(func=cmd_maintain)

    bkp = sub.add_parser("backup", help="copy the database and the photos into a new folder")
    bkp.add_argument("--to", help="the folder to create (default: backups/patrol-<UTC time>)")
    bkp.set_defaults(func=cmd_backup)

    rst = sub.add_parser("restore", help="put a backup back; phones re-pull and re-send")
    rst.add_argument("folder")
    rst.add_argument("--yes", action="store_true", help="confirm: the database is replaced")
    rst.set_defaults(func=cmd_restore)

    args = parser.parse_args(argv)
    args.func(args)


if __name__ == "__main__":
    main()
