"""police_duty: police posts at the school gates (护学岗) and the officers' presence per gate
window; leadership duty (领导值班和带班): the schools' duty plans and the cadres' records

Revision ID: 0010_police_duty
Revises: 0009_drills_defences
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_police_duty"
down_revision: str | None = "0009_drills_defences"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _field_record_columns() -> list[sa.Column]:
    """The columns every field record carries (app.records.models.FieldRecord)."""
    return [
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.String(length=64), nullable=False),
        sa.Column("device_time", sa.DateTime(), nullable=False),
        sa.Column("device_tz_offset_min", sa.Integer(), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("event_time", sa.DateTime(), nullable=False),
        sa.Column("clock_offset_s", sa.Float(), nullable=False),
        sa.Column("clock_flag", sa.String(length=64), nullable=True),
        sa.Column("author_disabled", sa.Boolean(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
    ]


def _field_record_constraints(table: str) -> list:
    return [
        sa.ForeignKeyConstraint(
            ["recorded_by"], ["app_user.id"], name=op.f(f"fk_{table}_recorded_by_app_user")
        ),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"], name=op.f(f"fk_{table}_site_id_site")),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
    ]


FIELD_RECORD_INDEXES = ("device_id", "event_time", "recorded_by", "site_id")

INDEXES = {
    "police_post": ("site_id", "town_id"),
    "police_presence": (*FIELD_RECORD_INDEXES, "local_date", "post_id", "window_id"),
    "duty_plan_day": ("cadre_id", "day", "site_id", "town_id"),
    "duty_record": (*FIELD_RECORD_INDEXES, "day", "plan_id"),
}


def upgrade() -> None:
    op.create_table(
        "police_post",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("town_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("department", sa.String(length=32), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"], name=op.f("fk_police_post_site_id_site")),
        sa.ForeignKeyConstraint(["town_id"], ["town.id"], name=op.f("fk_police_post_town_id_town")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_police_post")),
        sa.UniqueConstraint("site_id", "department", name=op.f("uq_police_post_site_id")),
    )
    op.create_table(
        "police_presence",
        *_field_record_columns(),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("department", sa.String(length=32), nullable=False),
        sa.Column("window_id", sa.Integer(), nullable=False),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("officers", sa.Integer(), nullable=False),
        sa.Column("officer_names", sa.JSON(), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("window_flag", sa.String(length=32), nullable=True),
        *_field_record_constraints("police_presence"),
        sa.ForeignKeyConstraint(
            ["post_id"], ["police_post.id"], name=op.f("fk_police_presence_post_id_police_post")
        ),
        sa.ForeignKeyConstraint(
            ["window_id"],
            ["gate_window.id"],
            name=op.f("fk_police_presence_window_id_gate_window"),
        ),
    )
    op.create_table(
        "duty_plan_day",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("town_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("cadre_id", sa.Integer(), nullable=False),
        sa.Column("substitute_id", sa.Integer(), nullable=True),
        sa.Column("planned_by", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["cadre_id"], ["app_user.id"], name=op.f("fk_duty_plan_day_cadre_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["planned_by"], ["app_user.id"], name=op.f("fk_duty_plan_day_planned_by_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["site.id"], name=op.f("fk_duty_plan_day_site_id_site")
        ),
        sa.ForeignKeyConstraint(
            ["substitute_id"],
            ["app_user.id"],
            name=op.f("fk_duty_plan_day_substitute_id_app_user"),
        ),
        sa.ForeignKeyConstraint(
            ["town_id"], ["town.id"], name=op.f("fk_duty_plan_day_town_id_town")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_duty_plan_day")),
        sa.UniqueConstraint("site_id", "day", name=op.f("uq_duty_plan_day_site_id")),
    )
    op.create_table(
        "duty_record",
        *_field_record_columns(),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("as_substitute", sa.Boolean(), nullable=False),
        sa.Column("round_note", sa.String(length=1000), nullable=False),
        sa.Column("day_flag", sa.String(length=32), nullable=True),
        *_field_record_constraints("duty_record"),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["duty_plan_day.id"], name=op.f("fk_duty_record_plan_id_duty_plan_day")
        ),
        sa.UniqueConstraint("site_id", "day", name=op.f("uq_duty_record_site_id")),
    )
    for table, columns in INDEXES.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in columns:
                batch_op.create_index(batch_op.f(f"ix_{table}_{column}"), [column], unique=False)


def downgrade() -> None:
    for table in reversed(INDEXES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in INDEXES[table]:
                batch_op.drop_index(batch_op.f(f"ix_{table}_{column}"))
        op.drop_table(table)
