"""`patrol backup` / `patrol restore` (README "Backup and restore").

A backup is a folder: `manifest.json`, the database (`database.sqlite` through SQLite's online
backup API, or `database.pgdump` from pg_dump's custom format) and `photos/`. A restore puts
the database back whole, migrates it to this release's head and starts a new feed epoch, so
every phone's cursor is answered `cursor_reset`: the phone pulls everything again and re-sends
the records it still keeps, which the restored mutation log answers `duplicate` or applies
(docs/sync.md, "After a restore").
"""

import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

from sqlalchemy import func, select, text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, col

from app.config import Settings
from app.photos.models import Photo, PhotoBlob
from app.photos.store import DatabaseStore, PhotoStore, make_store, photo_key
from app.sync.pull import reset_feed

MANIFEST = "manifest.json"
SQLITE_FILE = "database.sqlite"
PG_FILE = "database.pgdump"
PHOTOS = "photos"


class PhotoArchive(Protocol):
    """Where a backup takes the photo bytes from and a restore puts them back. The local folder
    is the embedded default; a shared store plugs in here (photo_archive): one kept in
    Postgres is already inside the database dump and exports nothing."""

    def export_to(self, folder: Path) -> int: ...

    def import_from(self, folder: Path) -> int: ...


@dataclass
class LocalFolderPhotos:
    root: Path

    def export_to(self, folder: Path) -> int:
        """Every stored photo (content-addressed, so a copy is the whole truth); half-done
        uploads are left out, the phone resumes or re-sends them."""
        count = 0
        if not self.root.is_dir():
            return 0
        for path in self.root.glob("??/*"):
            if path.is_file() and not path.name.endswith(".tmp"):
                target = folder / path.parent.name / path.name
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, target)
                count += 1
        return count

    def import_from(self, folder: Path) -> int:
        """Adds the backup's photos that are not here; never removes one (a photo uploaded
        after the backup belongs to a record a phone will re-send)."""
        count = 0
        for path in folder.glob("??/*"):
            target = self.root / path.parent.name / path.name
            if not target.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                tmp = target.with_name(target.name + ".restore.tmp")
                shutil.copy2(path, tmp)
                os.replace(tmp, target)
                count += 1
        return count


@dataclass
class StorePhotos:
    """The photos of a shared store that is not in the database (S3): every photo the
    database lists as arrived is read from the store into the backup folder, in the local
    folder's layout, and a restore puts back into the configured store those it lacks. The
    real store client (boto3 for S3) does the reading and writing."""

    store: PhotoStore
    engine: Engine

    def export_to(self, folder: Path) -> int:
        with Session(self.engine) as session:
            shas: list[str] = list(
                session.execute(select(col(Photo.sha256)).order_by(col(Photo.sha256))).scalars()
            )
        count = 0
        for sha in shas:
            data = self.store.get(photo_key(sha))
            if data is None:
                continue  # lost before the backup: the record lists it missing, the phone re-sends
            target = folder / photo_key(sha)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            count += 1
        return count

    def import_from(self, folder: Path) -> int:
        """Adds the backup's photos the store lacks; never removes one."""
        count = 0
        for path in sorted(folder.glob("??/*")):
            key = f"{path.parent.name}/{path.name}"
            if path.is_file() and not self.store.exists(key):
                self.store.put(key, path.read_bytes())
                count += 1
        return count


@dataclass
class InDatabasePhotos:
    """PATROL_PHOTO_STORE=database: the bytes are rows of photo_blob, inside the database
    copy already; nothing to copy beside it (counted, so the manifest says what it holds)."""

    engine: Engine

    def export_to(self, folder: Path) -> int:
        with Session(self.engine) as session:
            return session.execute(
                select(func.count())
                .select_from(PhotoBlob)
                .where(~col(PhotoBlob.key).startswith("partial/"))
            ).scalar_one()

    def import_from(self, folder: Path) -> int:
        # A backup taken with another store brings its photos as files: they go in too.
        return StorePhotos(DatabaseStore(), self.engine).import_from(folder)


def photo_archive(settings: Settings, engine: Engine) -> PhotoArchive:
    """Photos are in every backup whatever store holds them (README "Backup and restore")."""
    if settings.photo_store == "s3":
        return StorePhotos(make_store(settings), engine)
    if settings.photo_store == "database":
        return InDatabasePhotos(engine)
    return LocalFolderPhotos(Path(settings.upload_dir))


@dataclass
class BackupManifest:
    taken_at: str
    backend: str  # "sqlite" or "postgresql"
    schema_revision: str
    feed_version: int
    feed_epoch: str
    photos: int
    photo_store: str = "local"  # where the photos were: "local" and "s3" copy them to photos/

    @classmethod
    def read(cls, folder: Path) -> "BackupManifest":
        return cls(**json.loads((folder / MANIFEST).read_text()))


def backup(engine: Engine, *, settings: Settings, folder: Path, now: datetime) -> BackupManifest:
    """A consistent copy of the database, then the photos (taken after the database, so every
    photo the copied records name is there unless it had not been uploaded yet)."""
    folder.mkdir(parents=True, exist_ok=False)
    with engine.connect() as conn:
        revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    if engine.dialect.name == "sqlite":
        _sqlite_copy(_sqlite_path(engine), folder / SQLITE_FILE)
        version, epoch = _feed_position_sqlite(folder / SQLITE_FILE)
    else:
        # Read just before pg_dump's own snapshot: the dump holds this position or later.
        with engine.connect() as conn:
            version, epoch = conn.execute(
                text("SELECT version, epoch FROM sync_state WHERE id = 1")
            ).one()
        _pg(["pg_dump", "--format=custom", "--no-owner", "--file", str(folder / PG_FILE)], engine)
    photos_dir = folder / PHOTOS
    photos_dir.mkdir()
    photos = photo_archive(settings, engine).export_to(photos_dir)
    manifest = BackupManifest(
        taken_at=now.isoformat(),
        backend=engine.dialect.name,
        schema_revision=revision,
        feed_version=int(version),
        feed_epoch=str(epoch),
        photos=photos,
        photo_store=settings.photo_store,
    )
    (folder / MANIFEST).write_text(json.dumps(manifest.__dict__, indent=2) + "\n")
    return manifest


def restore(engine: Engine, *, settings: Settings, folder: Path) -> BackupManifest:
    """Replaces the database with the backup's (the app should be stopped or draining),
    adds its photos and starts a new feed epoch. The caller then migrates to head (`patrol
    restore` does), for a backup taken by an older release."""
    manifest = BackupManifest.read(folder)
    if manifest.backend != engine.dialect.name:
        raise SystemExit(
            f"this backup is of a {manifest.backend} database; the configured one is "
            f"{engine.dialect.name}"
        )
    engine.dispose()
    if engine.dialect.name == "sqlite":
        _sqlite_copy(folder / SQLITE_FILE, _sqlite_path(engine))
    else:
        _pg_restore_whole(engine, folder / PG_FILE)
    engine.dispose()
    photo_archive(settings, engine).import_from(folder / PHOTOS)
    with Session(engine) as session:
        reset_feed(session)
        session.commit()
    return manifest


# --- SQLite --------------------------------------------------------------------------------


def _sqlite_path(engine: Engine) -> Path:
    database = engine.url.database
    if not database or database == ":memory:":
        raise SystemExit("backup and restore need a SQLite file, not an in-memory database")
    return Path(database)


def _sqlite_copy(source: Path, target: Path) -> None:
    """SQLite's online backup API: a consistent copy while others read and write."""
    target.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(source)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def _feed_position_sqlite(path: Path) -> tuple[int, str]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT version, epoch FROM sync_state WHERE id = 1").fetchone()
    finally:
        conn.close()


# --- Postgres ------------------------------------------------------------------------------


def _pg_env(engine: Engine) -> dict[str, str]:
    """libpq's own variables, so the password never shows in a process list."""
    url = make_url(engine.url.render_as_string(hide_password=False))
    env = dict(os.environ)
    for key, value in {
        "PGHOST": url.host,
        "PGPORT": str(url.port) if url.port else None,
        "PGUSER": url.username,
        "PGPASSWORD": url.password,
        "PGDATABASE": url.database,
    }.items():
        if value:
            env[key] = str(value)
    return env


def _pg(args: list[str], engine: Engine) -> None:
    done = subprocess.run(args, env=_pg_env(engine), capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{args[0]} failed: {done.stderr.strip()}")


def _pg_restore_whole(engine: Engine, dump: Path) -> None:
    """The schema is emptied and the dump loaded in one transaction: a failed restore leaves
    the database as it was."""
    with tempfile.TemporaryDirectory() as tmp:
        sql = Path(tmp) / "restore.sql"
        _pg(["pg_restore", "--no-owner", "--no-privileges", "--file", str(sql), str(dump)], engine)
        _pg(
            [
                "psql",
                "--quiet",
                "--no-psqlrc",
                "--set=ON_ERROR_STOP=1",
                "--single-transaction",
                "--command=DROP SCHEMA public CASCADE",
                "--command=CREATE SCHEMA public",
                f"--file={sql}",
            ],
            engine,
        )
