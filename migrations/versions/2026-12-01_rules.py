"""record-time rule flags: a gate check outside its window, a scan's method and proof

Revision ID: 0003_rules
Revises: 0003_authz
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_rules"
down_revision: str | None = "0003_authz"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("gate_check") as batch:
        batch.add_column(sa.Column("window_flag", sa.String(length=32), nullable=True))
    with op.batch_alter_table("checkpoint_scan") as batch:
        batch.add_column(sa.Column("method", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("proof_flag", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("checkpoint_scan") as batch:
        batch.drop_column("proof_flag")
        batch.drop_column("method")
    with op.batch_alter_table("gate_check") as batch:
        batch.drop_column("window_flag")
