"""report pre-aggregation: finished coverage days, their watermark, patrol_shift.version index

Revision ID: 0002_reports
Revises: 0001
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_reports"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "report_coverage_day",
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("covered_s", sa.Integer(), nullable=False),
        sa.Column("under_s", sa.Integer(), nullable=False),
        sa.Column("length_s", sa.Integer(), nullable=False),
        sa.Column("required", sa.Integer(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"], ["site.id"], name=op.f("fk_report_coverage_day_site_id_site")
        ),
        sa.PrimaryKeyConstraint("site_id", "local_date", name=op.f("pk_report_coverage_day")),
    )
    op.create_table(
        "report_watermark",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_report_watermark")),
    )
    with op.batch_alter_table("patrol_shift", schema=None) as batch_op:
        batch_op.create_index("ix_patrol_shift_version", ["version"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("patrol_shift", schema=None) as batch_op:
        batch_op.drop_index("ix_patrol_shift_version")
    op.drop_table("report_watermark")
    op.drop_table("report_coverage_day")
