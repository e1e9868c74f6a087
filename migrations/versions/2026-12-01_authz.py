"""who may push what: shift_member.counted (listed people who do not count), patrol_shift.ended_by

Revision ID: 0003_authz
Revises: 0002_reports
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_authz"
down_revision: str | None = "0002_reports"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Rows stored before this rule count, as they did.
    with op.batch_alter_table("shift_member", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("counted", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
    with op.batch_alter_table("patrol_shift", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ended_by", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_patrol_shift_ended_by_app_user"), "app_user", ["ended_by"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("patrol_shift", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_patrol_shift_ended_by_app_user"), type_="foreignkey"
        )
        batch_op.drop_column("ended_by")
    with op.batch_alter_table("shift_member", schema=None) as batch_op:
        batch_op.drop_column("counted")
