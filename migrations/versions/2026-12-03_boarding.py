"""boarding: a boarding school's dormitories and pupils, the nightly roll call (晚间就寝点名)
and the pupils' leave (请销假)

Revision ID: 0006_boarding
Revises: 0005_town_parts
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_boarding"
down_revision: str | None = "0005_town_parts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "dormitory",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"], name=op.f("fk_dormitory_site_id_site")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dormitory")),
        sa.UniqueConstraint("site_id", "name", name=op.f("uq_dormitory_site_id")),
    )
    with op.batch_alter_table("dormitory", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dormitory_site_id"), ["site_id"], unique=False)

    op.create_table(
        "boarding_pupil",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("dormitory_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("class_name", sa.String(length=100), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["dormitory_id"],
            ["dormitory.id"],
            name=op.f("fk_boarding_pupil_dormitory_id_dormitory"),
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["site.id"], name=op.f("fk_boarding_pupil_site_id_site")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_boarding_pupil")),
    )
    with op.batch_alter_table("boarding_pupil", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_boarding_pupil_dormitory_id"), ["dormitory_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_boarding_pupil_site_id"), ["site_id"], unique=False)

    op.create_table(
        "roll_call",
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
        sa.Column("dormitory_id", sa.Integer(), nullable=False),
        sa.Column("night", sa.Date(), nullable=False),
        sa.Column("expected", sa.Integer(), nullable=False),
        sa.Column("present", sa.Integer(), nullable=False),
        sa.Column("absences", sa.JSON(), nullable=True),
        sa.Column("missing", sa.Integer(), nullable=False),
        sa.Column("present_on_leave", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["dormitory_id"], ["dormitory.id"], name=op.f("fk_roll_call_dormitory_id_dormitory")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"], ["app_user.id"], name=op.f("fk_roll_call_recorded_by_app_user")
        ),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"], name=op.f("fk_roll_call_site_id_site")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roll_call")),
        sa.UniqueConstraint("dormitory_id", "night", name=op.f("uq_roll_call_dormitory_id")),
    )
    with op.batch_alter_table("roll_call", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_roll_call_device_id"), ["device_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_roll_call_dormitory_id"), ["dormitory_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_roll_call_event_time"), ["event_time"], unique=False)
        batch_op.create_index(batch_op.f("ix_roll_call_night"), ["night"], unique=False)
        batch_op.create_index(batch_op.f("ix_roll_call_recorded_by"), ["recorded_by"], unique=False)
        batch_op.create_index(batch_op.f("ix_roll_call_site_id"), ["site_id"], unique=False)

    op.create_table(
        "pupil_leave",
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
        sa.Column("pupil_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("approved_by_name", sa.String(length=200), nullable=False),
        sa.Column("expected_back_at", sa.DateTime(), nullable=False),
        sa.Column("back_at", sa.DateTime(), nullable=True),
        sa.Column("back_recorded_by", sa.Integer(), nullable=True),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["back_recorded_by"],
            ["app_user.id"],
            name=op.f("fk_pupil_leave_back_recorded_by_app_user"),
        ),
        sa.ForeignKeyConstraint(
            ["pupil_id"], ["boarding_pupil.id"], name=op.f("fk_pupil_leave_pupil_id_boarding_pupil")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"], ["app_user.id"], name=op.f("fk_pupil_leave_recorded_by_app_user")
        ),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"], name=op.f("fk_pupil_leave_site_id_site")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pupil_leave")),
    )
    with op.batch_alter_table("pupil_leave", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pupil_leave_device_id"), ["device_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_pupil_leave_event_time"), ["event_time"], unique=False)
        batch_op.create_index(batch_op.f("ix_pupil_leave_pupil_id"), ["pupil_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_pupil_leave_recorded_by"), ["recorded_by"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_pupil_leave_site_id"), ["site_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("pupil_leave", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pupil_leave_site_id"))
        batch_op.drop_index(batch_op.f("ix_pupil_leave_recorded_by"))
        batch_op.drop_index(batch_op.f("ix_pupil_leave_pupil_id"))
        batch_op.drop_index(batch_op.f("ix_pupil_leave_event_time"))
        batch_op.drop_index(batch_op.f("ix_pupil_leave_device_id"))

    op.drop_table("pupil_leave")
    with op.batch_alter_table("roll_call", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_roll_call_site_id"))
        batch_op.drop_index(batch_op.f("ix_roll_call_recorded_by"))
        batch_op.drop_index(batch_op.f("ix_roll_call_night"))
        batch_op.drop_index(batch_op.f("ix_roll_call_event_time"))
        batch_op.drop_index(batch_op.f("ix_roll_call_dormitory_id"))
        batch_op.drop_index(batch_op.f("ix_roll_call_device_id"))

    op.drop_table("roll_call")
    with op.batch_alter_table("boarding_pupil", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_boarding_pupil_site_id"))
        batch_op.drop_index(batch_op.f("ix_boarding_pupil_dormitory_id"))

    op.drop_table("boarding_pupil")
    with op.batch_alter_table("dormitory", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dormitory_site_id"))

    op.drop_table("dormitory")
