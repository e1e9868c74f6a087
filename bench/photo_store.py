"""Photo store throughput: whole-photo writes and reads, and a resumable upload in 256 kB
chunks, through each store (app.photos.store) against the local folder.

Each store is used as the app uses it: `put`/`get` of whole photos (a 2 MB phone JPEG's
size, random bytes so nothing compresses), and the chunked path of the resumable upload
(`put` of each chunk under its offset, `get` of every chunk to assemble, `delete_prefix`).
Stores: local folder; the database store on SQLite and on Postgres; S3 through boto3 against
moto's S3 server on 127.0.0.1 (an in-process emulator: its figure is the client's and the
HTTP round trip's cost, not a real object store's).

    python -m bench.photo_store [--photos 40] [--size-kb 2048]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import tempfile
import time
import uuid
from pathlib import Path

from bench.common import fresh_database, log, pg_available

CHUNK = 256 * 1024


def _configure(env: dict[str, str]) -> None:
    from app import db
    from app.config import get_settings

    for key in [k for k in os.environ if k.startswith("PATROL_S3_")]:
        del os.environ[key]
    os.environ.update(env)
    get_settings.cache_clear()
    db.use_engine(db.make_engine(get_settings().database_url))


def _run(name: str, photos: list[bytes]) -> dict:
    from app.photos.store import get_store, part_key, part_prefix

    store = get_store()
    total_mb = sum(map(len, photos)) / 1e6
    keys = [f"bench/{uuid.uuid4().hex}" for _ in photos]
    started = time.perf_counter()
    for key, data in zip(keys, photos, strict=True):
        store.put(key, data)
    put_s = time.perf_counter() - started
    started = time.perf_counter()
    for key, data in zip(keys, photos, strict=True):
        assert store.get(key) == data
    get_s = time.perf_counter() - started
    started = time.perf_counter()
    for i, data in enumerate(photos):
        sha = uuid.uuid4().hex
        for offset in range(0, len(data), CHUNK):
            store.put(part_key(1, sha, offset), data[offset : offset + CHUNK])
        joined = b"".join(
            store.get(part_key(1, sha, offset)) or b"" for offset in range(0, len(data), CHUNK)
        )
        assert joined == data, i
        store.delete_prefix(part_prefix(1, sha))
    chunked_s = time.perf_counter() - started
    for key in keys:
        store.delete(key)
    figures = {
        "store": name,
        "photos": len(photos),
        "mb": round(total_mb, 1),
        "put_mb_s": round(total_mb / put_s, 1),
        "get_mb_s": round(total_mb / get_s, 1),
        "put_photos_s": round(len(photos) / put_s, 1),
        "get_photos_s": round(len(photos) / get_s, 1),
        "chunked_upload_mb_s": round(total_mb / chunked_s, 1),
    }
    log(json.dumps(figures))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--photos", type=int, default=40)
    parser.add_argument("--size-kb", type=int, default=2048)
    args = parser.parse_args()
    photos = [os.urandom(args.size_kb * 1024) for _ in range(args.photos)]
    work = Path(tempfile.mkdtemp(prefix="bench-photos-"))
    results = []
    try:
        with fresh_database("sqlite", work) as sqlite_db:
            base = {"PATROL_DATABASE_URL": sqlite_db.url, "PATROL_UPLOAD_DIR": str(work / "up")}
            _configure({**base, "PATROL_PHOTO_STORE": "local"})
            results.append(_run("local folder", photos))
            _configure({**base, "PATROL_PHOTO_STORE": "database"})
            results.append(_run("database (SQLite)", photos))
            from moto.server import ThreadedMotoServer

            logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto's access log

            moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
            moto.start()
            try:
                import boto3

                host, port = moto.get_host_and_port()
                endpoint = f"http://{host}:{port}"
                boto3.client(
                    "s3",
                    endpoint_url=endpoint,
                    region_name="us-east-1",
                    aws_access_key_id="bench",
                    aws_secret_access_key="bench",
                ).create_bucket(Bucket="bench-photos")
                s3 = {
                    "PATROL_PHOTO_STORE": "s3",
                    "PATROL_S3_BUCKET": "bench-photos",
                    "PATROL_S3_ENDPOINT_URL": endpoint,
                    "PATROL_S3_ACCESS_KEY": "bench",
                    "PATROL_S3_SECRET_KEY": "bench",
                }
                _configure({**base, **s3})
                results.append(_run("S3 (boto3 -> moto server, 127.0.0.1)", photos))
            finally:
                moto.stop()
        if pg_available():
            with fresh_database("postgres", work) as pg_db:
                _configure(
                    {
                        "PATROL_DATABASE_URL": pg_db.url,
                        "PATROL_UPLOAD_DIR": str(work / "up"),
                        "PATROL_PHOTO_STORE": "database",
                    }
                )
                results.append(_run("database (Postgres)", photos))
                from app import db

                db.get_engine().dispose()
                db.use_engine(None)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
