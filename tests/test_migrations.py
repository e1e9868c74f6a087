"""The schema comes from Alembic only, and the migrations agree with the models."""

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from app.cli import alembic_config
from app.db import metadata


def _diff(engine):
    with engine.connect() as conn:
        return compare_metadata(MigrationContext.configure(conn), metadata)


def test_empty_database_migrates_to_head_with_every_table(engine):
    tables = set(inspect(engine).get_table_names())
    assert set(metadata.tables) <= tables
    assert "alembic_version" in tables


def test_models_and_migrations_agree(engine):
    assert _diff(engine) == []


def test_head_to_base_to_head_round_trips(engine):
    url = engine.url.render_as_string(hide_password=False)
    engine.dispose()
    command.downgrade(alembic_config(url), "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    command.upgrade(alembic_config(url), "head")
    assert _diff(engine) == []


@pytest.mark.parametrize("table", ["sync_state"])
def test_migration_seeds_the_single_sync_counter_row(engine, table):
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(f"SELECT id, version FROM {table}").all()
    assert rows == [(1, 0)]
