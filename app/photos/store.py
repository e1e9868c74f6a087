"""Where photo bytes live: a key-value store of blobs, chosen by PATROL_PHOTO_STORE.

- `local` (the embedded default): files under PATROL_UPLOAD_DIR, fsynced, replaced atomically.
- `database`: a table in the deployment's own database (photo_blob), so several app machines
  on one Postgres share photos with nothing else to run.
- `s3`: an S3-compatible object store (boto3), for a province's volume of photos.

Keys are plain paths: `ab/abcd…` for a photo (its SHA-256), `partial/<user>/<sha>/<offset>`
for one chunk of a resumable upload. What has arrived of an upload is in the database
(app.photos.models.PhotoUpload), so any app machine can continue it when the store is shared.
Every call is blocking IO: callers run it in a worker thread, never on the event loop."""

import os
from pathlib import Path
from typing import Protocol

from sqlalchemy import delete, select
from sqlmodel import col

from app.config import Settings, get_settings
from app.db import read_session, write_session
from app.errors import InsufficientStorage, Unavailable
from app.photos.models import PhotoBlob


class PhotoStore(Protocol):
    def put(self, key: str, data: bytes) -> None:
        """Stores the bytes under the key, replacing what was there, durably."""
        ...

    def get(self, key: str) -> bytes | None:
        """The bytes, or None when nothing is stored under the key."""
        ...

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> None:
        """Removes the key; removing a key that is not there is not an error."""
        ...

    def delete_prefix(self, prefix: str) -> None:
        """Removes every key under `prefix/`."""
        ...


def photo_key(sha256: str) -> str:
    return f"{sha256[:2]}/{sha256}"


def part_prefix(user_id: int, sha256: str) -> str:
    return f"partial/{user_id}/{sha256}"


def part_key(user_id: int, sha256: str, offset: int) -> str:
    return f"{part_prefix(user_id, sha256)}/{offset:012d}"


STORAGE_FULL = (
    "The server's photo storage is full; the photo stays on the phone and will be "
    "sent again later. Tell your administrator."
)
STORAGE_FULL_ZH = "服务器照片存储已满：照片保留在手机上，稍后会重新上传。请告知管理员。"


def storage_error(exc: OSError) -> Exception:
    if exc.errno in (28, 122):  # ENOSPC, EDQUOT
        return InsufficientStorage(STORAGE_FULL, message_zh=STORAGE_FULL_ZH)
    return exc


class LocalStore:
    """Files under one folder: right for one machine (the embedded SQLite default)."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        return self.root / key

    def put(self, key: str, data: bytes) -> None:
        path = self._path(key)
        tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(tmp, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise storage_error(exc) from exc

    def get(self, key: str) -> bytes | None:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            return None

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def delete_prefix(self, prefix: str) -> None:
        folder = self._path(prefix)
        if not folder.is_dir():
            return
        for path in sorted(folder.rglob("*"), reverse=True):
            if path.is_dir():
                path.rmdir()
            else:
                path.unlink(missing_ok=True)
        folder.rmdir()


class DatabaseStore:
    """Rows of photo_blob in the app's own database: shared by every app machine on it.
    Each call is a short transaction of its own (never inside a caller's write transaction:
    on SQLite that would wait for the write turn the caller holds)."""

    def put(self, key: str, data: bytes) -> None:
        with write_session() as session:
            row = session.get(PhotoBlob, key)
            if row is None:
                session.add(PhotoBlob(key=key, data=data, size=len(data)))
            else:
                row.data, row.size = data, len(data)
                session.add(row)

    def get(self, key: str) -> bytes | None:
        with read_session() as session:
            return session.execute(
                select(col(PhotoBlob.data)).where(col(PhotoBlob.key) == key)
            ).scalar_one_or_none()

    def exists(self, key: str) -> bool:
        with read_session() as session:
            found = session.execute(
                select(col(PhotoBlob.size)).where(col(PhotoBlob.key) == key)
            ).first()
            return found is not None

    def delete(self, key: str) -> None:
        with write_session() as session:
            session.execute(delete(PhotoBlob).where(col(PhotoBlob.key) == key))

    def delete_prefix(self, prefix: str) -> None:
        with write_session() as session:
            session.execute(delete(PhotoBlob).where(col(PhotoBlob.key).startswith(f"{prefix}/")))


class S3Store:
    """An S3-compatible bucket through boto3 (AWS, MinIO, Ceph, ...)."""

    def __init__(self, settings: Settings):
        import boto3
        from botocore.config import Config

        self.bucket = settings.s3_bucket
        self.prefix = settings.s3_prefix.strip("/")
        self.client = boto3.client(
            "s3",
            endpoint_url=settings.s3_endpoint_url or None,
            region_name=settings.s3_region,
            aws_access_key_id=settings.s3_access_key or None,
            aws_secret_access_key=settings.s3_secret_key or None,
            config=Config(retries={"max_attempts": 3, "mode": "standard"}),
        )

    def _key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def _unavailable(self, exc: Exception) -> Unavailable:
        return Unavailable(
            "The photo store is briefly unavailable; nothing was lost. Try again shortly.",
            details={"store": "s3", "reason": type(exc).__name__},
            message_zh="照片存储暂时不可用，没有丢失任何内容，请稍后再试。",
        )

    def put(self, key: str, data: bytes) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self.client.put_object(Bucket=self.bucket, Key=self._key(key), Body=data)
        except (BotoCoreError, ClientError) as exc:
            raise self._unavailable(exc) from exc

    def get(self, key: str) -> bytes | None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            obj = self.client.get_object(Bucket=self.bucket, Key=self._key(key))
            return obj["Body"].read()
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                return None
            raise self._unavailable(exc) from exc
        except BotoCoreError as exc:
            raise self._unavailable(exc) from exc

    def exists(self, key: str) -> bool:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(key))
            return True
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404", "NotFound"):
                return False
            raise self._unavailable(exc) from exc
        except BotoCoreError as exc:
            raise self._unavailable(exc) from exc

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._key(key))

    def delete_prefix(self, prefix: str) -> None:
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self._key(prefix) + "/"
        )
        for page in pages:
            keys = [{"Key": o["Key"]} for o in page.get("Contents", [])]
            if keys:
                self.client.delete_objects(Bucket=self.bucket, Delete={"Objects": keys})


_current: tuple[Settings, PhotoStore] | None = None


def get_store() -> PhotoStore:
    """The store the settings name, made once per settings object (tests swap settings)."""
    global _current
    settings = get_settings()
    if _current is None or _current[0] is not settings:
        _current = (settings, _make_store(settings))
    return _current[1]


def make_store(settings: Settings) -> PhotoStore:
    """The store these settings name, made anew (a backup or restore outside the app)."""
    return _make_store(settings)


def _make_store(settings: Settings) -> PhotoStore:
    if settings.photo_store == "database":
        return DatabaseStore()
    if settings.photo_store == "s3":
        return S3Store(settings)
    return LocalStore(settings.upload_dir)
