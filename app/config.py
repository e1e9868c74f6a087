"""Settings from the environment (PATROL_*); fail fast on unsafe production values."""

import ipaddress
import json
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DATA_DIR = Path("data")
DEMO_PASSWORD = "patrol-demo"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PATROL_", extra="ignore")

    env: str = "development"  # "production" refuses generated secrets and the demo
    database_url: str = f"sqlite:///{DATA_DIR / 'patrol.db'}"
    secret_key: str = ""
    access_token_minutes: int = 15
    refresh_token_days: int = 30
    # A phone whose refresh answer was lost (a dropping link) retries with the token it just
    # rotated: within this many seconds of that rotation, and while the token it was rotated
    # to is still unused, the retry gets a fresh pair (the lost one is revoked) instead of
    # counting as reuse. 0: every reuse ends the device's session.
    refresh_reuse_grace_seconds: int = Field(default=60, ge=0, le=3600)
    upload_dir: Path = DATA_DIR / "uploads"
    # Comma-separated (or a JSON list): origins allowed by CORS when the PWA is served elsewhere.
    allowed_origins: Annotated[list[str], NoDecode] = []
    # Comma-separated addresses or CIDRs of the reverse proxies in front of the app: only a
    # request from one of them has its X-Forwarded-For honoured (the login limit's address,
    # the request log). Empty: the header is ignored and the peer address counts.
    trusted_proxies: Annotated[list[str], NoDecode] = []
    max_photo_bytes: int = 10 * 1024 * 1024
    # Where photo bytes live (app.photos.store): "local" = upload_dir on this machine (one
    # machine only); "database" = a table in the database every app machine shares; "s3" =
    # an S3-compatible bucket (s3_* below).
    photo_store: Literal["local", "database", "s3"] = "local"
    s3_bucket: str = ""
    s3_endpoint_url: str = ""  # empty: AWS itself; e.g. http://minio:9000
    s3_region: str = "us-east-1"
    s3_access_key: str = ""  # empty: boto3's own chain (environment, instance role)
    s3_secret_key: str = ""
    s3_prefix: str = ""  # keys go under this folder of the bucket
    # Photos no record names yet, and unfinished uploads, per user: at most this many bytes;
    # `patrol photos clean` removes those older than orphan_photo_hours.
    orphan_photo_quota_bytes: int = 200 * 1024 * 1024
    orphan_photo_hours: int = 72
    max_body_bytes: int = 8 * 1024 * 1024
    # Freeze the start-up objects and raise the collector's threshold once serving (app.main).
    gc_tuning: bool = True
    max_batch_mutations: int = 1000
    pull_page_max: int = 1000
    login_failures_per_account: int = 5
    login_failures_per_address: int = 30
    login_failure_window_minutes: int = 15
    clock_skew_flag_seconds: int = 300
    clock_jump_flag_seconds: int = 120
    db_pool_size: int = 5
    town_timezone: str = "Asia/Shanghai"  # IANA zone of the office: exported times are local
    # Retention (`patrol maintain`, app.ops.retention). The mutation log makes a retried push a
    # duplicate: it must outlive the longest time a phone stays offline with unsent records,
    # and the phone's own keep of acknowledged records (a restore re-sends those).
    mutation_keep_days: int = Field(default=90, ge=14)
    login_failure_keep_days: int = Field(default=7, ge=1)
    refresh_token_keep_days: int = Field(default=1, ge=0)  # past its expiry
    argon2_memory_kib: int = 65536  # tests lower this; production keeps the default

    @field_validator("allowed_origins", "trusted_proxies", mode="before")
    @classmethod
    def _list(cls, value: object) -> object:
        if isinstance(value, str):
            value = value.strip()
            if value.startswith("["):
                return json.loads(value)
            return [o.strip() for o in value.split(",") if o.strip()]
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        for item in value:
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError:
                raise ValueError(
                    f"PATROL_TRUSTED_PROXIES: {item!r} is not an IP address or CIDR"
                ) from None
        return value

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @model_validator(mode="after")
    def _photo_store_complete(self) -> "Settings":
        if self.photo_store == "s3" and not self.s3_bucket:
            raise ValueError("PATROL_PHOTO_STORE=s3 needs PATROL_S3_BUCKET")
        return self

    @model_validator(mode="after")
    def _secret_key_present(self) -> "Settings":
        if self.secret_key:
            if self.is_production and len(self.secret_key) < 32:
                raise ValueError("PATROL_SECRET_KEY must be at least 32 characters in production")
            return self
        if self.is_production:
            raise ValueError(
                "PATROL_SECRET_KEY is missing: set a random value of 32+ characters in production"
            )
        self.secret_key = _stored_secret(self)
        return self


def _stored_secret(settings: Settings) -> str:
    """The embedded default keeps a generated key beside the SQLite file so restarts keep tokens."""
    if settings.is_sqlite and ":memory:" not in settings.database_url:
        db_path = Path(settings.database_url.split("///", 1)[1])
        key_file = db_path.parent / "secret.key"
        key_file.parent.mkdir(parents=True, exist_ok=True)
        if not key_file.exists():
            key_file.write_text(secrets.token_urlsafe(48))
            key_file.chmod(0o600)
        return key_file.read_text().strip()
    return secrets.token_urlsafe(48)


@lru_cache
def get_settings() -> Settings:
    return Settings()
