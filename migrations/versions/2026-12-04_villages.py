"""villages: each village's monthly dispute screening form (矛盾纠纷排查表) and the
four-in-one office's tracking of its disputes to resolution (化解)

Revision ID: 0008_villages
Revises: 0007_notices
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_villages"
down_revision: str | None = "0007_notices"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "dispute_case",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("town_id", sa.Integer(), nullable=False),
        sa.Column("village_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("dispute_key", sa.String(length=36), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("note", sa.String(length=1000), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["town_id"], ["town.id"], name=op.f("fk_dispute_case_town_id_town")
        ),
        sa.ForeignKeyConstraint(
            ["updated_by"], ["app_user.id"], name=op.f("fk_dispute_case_updated_by_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["village_id"], ["village.id"], name=op.f("fk_dispute_case_village_id_village")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dispute_case")),
        sa.UniqueConstraint(
            "village_id", "month", "dispute_key", name=op.f("uq_dispute_case_village_id")
        ),
    )
    with op.batch_alter_table("dispute_case", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dispute_case_town_id"), ["town_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_dispute_case_village_id"), ["village_id"], unique=False
        )

    op.create_table(
        "village_form",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=True),
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
        sa.Column("town_id", sa.Integer(), nullable=False),
        sa.Column("village_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("petitions", sa.Integer(), nullable=False),
        sa.Column("unstable_factors", sa.Integer(), nullable=False),
        sa.Column("disputes", sa.JSON(), nullable=True),
        sa.Column("note", sa.String(length=1000), nullable=False),
        sa.Column("first_handed_in_at", sa.DateTime(), nullable=False),
        sa.Column("on_time", sa.Boolean(), nullable=False),
        sa.Column("revisions", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["recorded_by"], ["app_user.id"], name=op.f("fk_village_form_recorded_by_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["site.id"], name=op.f("fk_village_form_site_id_site")
        ),
        sa.ForeignKeyConstraint(
            ["town_id"], ["town.id"], name=op.f("fk_village_form_town_id_town")
        ),
        sa.ForeignKeyConstraint(
            ["village_id"], ["village.id"], name=op.f("fk_village_form_village_id_village")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_village_form")),
        sa.UniqueConstraint("village_id", "month", name=op.f("uq_village_form_village_id")),
    )
    with op.batch_alter_table("village_form", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_village_form_device_id"), ["device_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_village_form_event_time"), ["event_time"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_village_form_month"), ["month"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_village_form_recorded_by"), ["recorded_by"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_village_form_town_id"), ["town_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_village_form_village_id"), ["village_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("village_form", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_village_form_village_id"))
        batch_op.drop_index(batch_op.f("ix_village_form_town_id"))
        batch_op.drop_index(batch_op.f("ix_village_form_recorded_by"))
        batch_op.drop_index(batch_op.f("ix_village_form_month"))
        batch_op.drop_index(batch_op.f("ix_village_form_event_time"))
        batch_op.drop_index(batch_op.f("ix_village_form_device_id"))

    op.drop_table("village_form")
    with op.batch_alter_table("dispute_case", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dispute_case_village_id"))
        batch_op.drop_index(batch_op.f("ix_dispute_case_town_id"))

    op.drop_table("dispute_case")
