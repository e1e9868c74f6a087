"""drills and defences: safety lessons and drills (安全教育、应急演练) with their town
intervals; technical defences (视频监控、入侵报警): devices, checks, faults, the check interval

Revision ID: 0009_drills_defences
Revises: 0008_villages
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_drills_defences"
down_revision: str | None = "0008_villages"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "defence_setting",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("town_id", sa.Integer(), nullable=False),
        sa.Column("check_every_days", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["town_id"], ["town.id"], name=op.f("fk_defence_setting_town_id_town")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_defence_setting")),
        sa.UniqueConstraint("town_id", name=op.f("uq_defence_setting_town_id")),
    )
    op.create_table(
        "drill_setting",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("town_id", sa.Integer(), nullable=False),
        sa.Column("drill_every_days", sa.Integer(), nullable=False),
        sa.Column("lesson_every_days", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["town_id"], ["town.id"], name=op.f("fk_drill_setting_town_id_town")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_drill_setting")),
        sa.UniqueConstraint("town_id", name=op.f("uq_drill_setting_town_id")),
    )
    op.create_table(
        "defence_device",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("location", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"], ["site.id"], name=op.f("fk_defence_device_site_id_site")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_defence_device")),
    )
    with op.batch_alter_table("defence_device", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_defence_device_site_id"), ["site_id"], unique=False)

    op.create_table(
        "defence_check",
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
        sa.Column("defence_device_id", sa.Integer(), nullable=False),
        sa.Column("result", sa.String(length=16), nullable=False),
        sa.Column("description", sa.String(length=2000), nullable=False),
        sa.Column("photos", sa.JSON(), nullable=False),
        sa.Column("fault_id", sa.String(length=36), nullable=True),
        sa.ForeignKeyConstraint(
            ["defence_device_id"],
            ["defence_device.id"],
            name=op.f("fk_defence_check_defence_device_id_defence_device"),
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"], ["app_user.id"], name=op.f("fk_defence_check_recorded_by_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["site.id"], name=op.f("fk_defence_check_site_id_site")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_defence_check")),
    )
    with op.batch_alter_table("defence_check", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_defence_check_defence_device_id"), ["defence_device_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_defence_check_device_id"), ["device_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_defence_check_event_time"), ["event_time"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_defence_check_recorded_by"), ["recorded_by"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_defence_check_site_id"), ["site_id"], unique=False)

    op.create_table(
        "defence_fault",
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
        sa.Column("defence_device_id", sa.Integer(), nullable=False),
        sa.Column("check_id", sa.String(length=36), nullable=False),
        sa.Column("description", sa.String(length=2000), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("fixed_at", sa.DateTime(), nullable=True),
        sa.Column("accepted_at", sa.DateTime(), nullable=True),
        sa.Column("history", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["defence_device_id"],
            ["defence_device.id"],
            name=op.f("fk_defence_fault_defence_device_id_defence_device"),
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"], ["app_user.id"], name=op.f("fk_defence_fault_recorded_by_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["site.id"], name=op.f("fk_defence_fault_site_id_site")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_defence_fault")),
    )
    with op.batch_alter_table("defence_fault", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_defence_fault_defence_device_id"), ["defence_device_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_defence_fault_device_id"), ["device_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_defence_fault_event_time"), ["event_time"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_defence_fault_recorded_by"), ["recorded_by"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_defence_fault_site_id"), ["site_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_defence_fault_status"), ["status"], unique=False)

    op.create_table(
        "safety_activity",
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
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("topic", sa.String(length=200), nullable=False),
        sa.Column("participants", sa.Integer(), nullable=False),
        sa.Column("participants_note", sa.String(length=500), nullable=False),
        sa.Column("photos", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["recorded_by"], ["app_user.id"], name=op.f("fk_safety_activity_recorded_by_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["site.id"], name=op.f("fk_safety_activity_site_id_site")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_safety_activity")),
    )
    with op.batch_alter_table("safety_activity", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_safety_activity_device_id"), ["device_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_safety_activity_event_time"), ["event_time"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_safety_activity_held_on"), ["held_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_safety_activity_kind"), ["kind"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_safety_activity_recorded_by"), ["recorded_by"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_safety_activity_site_id"), ["site_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("safety_activity", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_safety_activity_site_id"))
        batch_op.drop_index(batch_op.f("ix_safety_activity_recorded_by"))
        batch_op.drop_index(batch_op.f("ix_safety_activity_kind"))
        batch_op.drop_index(batch_op.f("ix_safety_activity_held_on"))
        batch_op.drop_index(batch_op.f("ix_safety_activity_event_time"))
        batch_op.drop_index(batch_op.f("ix_safety_activity_device_id"))

    op.drop_table("safety_activity")
    with op.batch_alter_table("defence_fault", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_defence_fault_status"))
        batch_op.drop_index(batch_op.f("ix_defence_fault_site_id"))
        batch_op.drop_index(batch_op.f("ix_defence_fault_recorded_by"))
        batch_op.drop_index(batch_op.f("ix_defence_fault_event_time"))
        batch_op.drop_index(batch_op.f("ix_defence_fault_device_id"))
        batch_op.drop_index(batch_op.f("ix_defence_fault_defence_device_id"))

    op.drop_table("defence_fault")
    with op.batch_alter_table("defence_check", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_defence_check_site_id"))
        batch_op.drop_index(batch_op.f("ix_defence_check_recorded_by"))
        batch_op.drop_index(batch_op.f("ix_defence_check_event_time"))
        batch_op.drop_index(batch_op.f("ix_defence_check_device_id"))
        batch_op.drop_index(batch_op.f("ix_defence_check_defence_device_id"))

    op.drop_table("defence_check")
    with op.batch_alter_table("defence_device", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_defence_device_site_id"))

    op.drop_table("defence_device")
    op.drop_table("drill_setting")
    op.drop_table("defence_setting")
