"""Settings fail fast on unsafe production values; the embedded SQLite is set up for safety."""

import pytest
from pydantic import ValidationError
from sqlalchemy import text

from app.config import Settings


def test_production_refuses_a_missing_secret_key(monkeypatch):
    monkeypatch.setenv("PATROL_ENV", "production")
    monkeypatch.delenv("PATROL_SECRET_KEY", raising=False)
    with pytest.raises(ValidationError, match="PATROL_SECRET_KEY is missing"):
        Settings()


def test_production_refuses_a_short_secret_key(monkeypatch):
    monkeypatch.setenv("PATROL_ENV", "production")
    monkeypatch.setenv("PATROL_SECRET_KEY", "too-short")
    with pytest.raises(ValidationError, match="at least 32 characters"):
        Settings()


def test_the_embedded_default_generates_a_secret_once_and_keeps_it(monkeypatch, tmp_path):
    monkeypatch.delenv("PATROL_SECRET_KEY", raising=False)
    monkeypatch.setenv("PATROL_DATABASE_URL", f"sqlite:///{tmp_path}/town.db")
    first, second = Settings().secret_key, Settings().secret_key
    assert len(first) >= 32
    assert first == second  # restarts keep every phone's tokens valid
    key_file = tmp_path / "secret.key"
    assert key_file.read_text().strip() == first
    assert key_file.stat().st_mode & 0o077 == 0


@pytest.mark.parametrize("backend", ["sqlite"])
def test_sqlite_runs_with_wal_and_foreign_keys(engine):
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
