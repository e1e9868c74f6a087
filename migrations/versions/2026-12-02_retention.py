"""retention: sync_change by record, so the feed's superseded rows are found without a scan

Revision ID: 0004_retention
Revises: 0003_rules
Create Date: 2026-12-02
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004_retention"
down_revision: str | None = "0003_rules"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("sync_change", schema=None) as batch_op:
        batch_op.create_index(
            "ix_sync_change_record", ["entity", "entity_id", "site_id", "version"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("sync_change", schema=None) as batch_op:
        batch_op.drop_index("ix_sync_change_record")
