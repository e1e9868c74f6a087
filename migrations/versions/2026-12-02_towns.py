"""towns: a county and its towns; sites, checkpoints, groups, users and audit events belong to a
town; usernames and checkpoint codes are unique within their town

Every row stored before towns existed goes to one default town ("town") of one default county
("county"), which the operator renames; a fresh database starts with the same two rows.

Revision ID: 0004_towns
Revises: 0004_loops
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_towns"
down_revision: str | None = "0004_loops"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, does the column stay nullable): audit events of the CLI have no town.
_TOWN_COLUMNS = (
    ("site", False),
    ("checkpoint", False),
    ("patrol_group", False),
    ("app_user", False),
    ("audit_event", True),
)


def upgrade() -> None:
    op.create_table(
        "county",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_county")),
        sa.UniqueConstraint("code", name=op.f("uq_county_code")),
    )
    op.create_table(
        "town",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("county_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["county_id"], ["county.id"], name=op.f("fk_town_county_id_county")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_town")),
        sa.UniqueConstraint("code", name=op.f("uq_town_code")),
    )
    with op.batch_alter_table("town", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_town_county_id"), ["county_id"], unique=False)
    op.execute(
        "INSERT INTO county (id, code, name, created_at) "
        "VALUES (1, 'county', '县', CURRENT_TIMESTAMP)"
    )
    op.execute(
        "INSERT INTO town (id, county_id, code, name, created_at) "
        "VALUES (1, 1, 'town', '镇', CURRENT_TIMESTAMP)"
    )
    if op.get_bind().dialect.name == "postgresql":  # the explicit ids above skip the sequence
        op.execute("SELECT setval('county_id_seq', 1)")
        op.execute("SELECT setval('town_id_seq', 1)")
    for table, _ in _TOWN_COLUMNS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("town_id", sa.Integer(), nullable=True))
        op.execute(f"UPDATE {table} SET town_id = 1")
    with op.batch_alter_table("site", schema=None) as batch_op:
        batch_op.alter_column("town_id", existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key(batch_op.f("fk_site_town_id_town"), "town", ["town_id"], ["id"])
        batch_op.create_index(batch_op.f("ix_site_town_id"), ["town_id"], unique=False)
    with op.batch_alter_table("checkpoint", schema=None) as batch_op:
        batch_op.alter_column("town_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_constraint("uq_checkpoint_code", type_="unique")
        batch_op.create_unique_constraint(batch_op.f("uq_checkpoint_town_id"), ["town_id", "code"])
        batch_op.create_foreign_key(
            batch_op.f("fk_checkpoint_town_id_town"), "town", ["town_id"], ["id"]
        )
        batch_op.create_index(batch_op.f("ix_checkpoint_town_id"), ["town_id"], unique=False)
    with op.batch_alter_table("patrol_group", schema=None) as batch_op:
        batch_op.alter_column("town_id", existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_patrol_group_town_id_town"), "town", ["town_id"], ["id"]
        )
        batch_op.create_index(batch_op.f("ix_patrol_group_town_id"), ["town_id"], unique=False)
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.alter_column("town_id", existing_type=sa.Integer(), nullable=False)
        batch_op.add_column(
            sa.Column("county_wide", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.drop_constraint("uq_app_user_username", type_="unique")
        batch_op.create_unique_constraint(
            batch_op.f("uq_app_user_town_id"), ["town_id", "username"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_app_user_town_id_town"), "town", ["town_id"], ["id"]
        )
        batch_op.create_index(batch_op.f("ix_app_user_town_id"), ["town_id"], unique=False)
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.create_foreign_key(
            batch_op.f("fk_audit_event_town_id_town"), "town", ["town_id"], ["id"]
        )
        batch_op.create_index(batch_op.f("ix_audit_event_town_id"), ["town_id"], unique=False)


def downgrade() -> None:
    """Back to one namespace: refused (by the unique constraints) once two towns share a
    username or a checkpoint code."""
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_event_town_id"))
        batch_op.drop_constraint(batch_op.f("fk_audit_event_town_id_town"), type_="foreignkey")
        batch_op.drop_column("town_id")
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_app_user_town_id"))
        batch_op.drop_constraint(batch_op.f("fk_app_user_town_id_town"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("uq_app_user_town_id"), type_="unique")
        batch_op.create_unique_constraint("uq_app_user_username", ["username"])
        batch_op.drop_column("county_wide")
        batch_op.drop_column("town_id")
    with op.batch_alter_table("patrol_group", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_patrol_group_town_id"))
        batch_op.drop_constraint(batch_op.f("fk_patrol_group_town_id_town"), type_="foreignkey")
        batch_op.drop_column("town_id")
    with op.batch_alter_table("checkpoint", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_checkpoint_town_id"))
        batch_op.drop_constraint(batch_op.f("fk_checkpoint_town_id_town"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("uq_checkpoint_town_id"), type_="unique")
        batch_op.create_unique_constraint("uq_checkpoint_code", ["code"])
        batch_op.drop_column("town_id")
    with op.batch_alter_table("site", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_site_town_id"))
        batch_op.drop_constraint(batch_op.f("fk_site_town_id_town"), type_="foreignkey")
        batch_op.drop_column("town_id")
    with op.batch_alter_table("town", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_town_county_id"))
    op.drop_table("town")
    op.drop_table("county")
