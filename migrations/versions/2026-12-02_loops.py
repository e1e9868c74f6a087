"""the closed loops: a visitor's approval as a step, the exit checked against the pass slip

Revision ID: 0004_loops
Revises: 0004_hardening
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_loops"
down_revision: str | None = "0004_hardening"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("visitor_entry") as batch:
        batch.add_column(
            sa.Column("approval", sa.String(length=16), nullable=False, server_default="asked")
        )
        batch.add_column(sa.Column("approved_by_name", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("approval_via", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("approval_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("approval_recorded_by", sa.Integer(), nullable=True))
        batch.add_column(
            sa.Column("unapproved_entry", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("exit_slip_check", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("exit_flag", sa.String(length=32), nullable=True))
        batch.add_column(
            sa.Column("exit_note", sa.String(length=500), nullable=False, server_default="")
        )
        batch.create_index("ix_visitor_entry_approval", ["approval"])
        batch.create_foreign_key(
            "fk_visitor_entry_approval_recorded_by_app_user",
            "app_user",
            ["approval_recorded_by"],
            ["id"],
        )
    # The register before the rule: a ticked box was an approval at entry, recorded by the
    # gate that entered it; an unticked one was shown as inside, so it is flagged.
    op.execute(
        "UPDATE visitor_entry SET approval = 'approved', approval_at = event_time, "
        "approval_recorded_by = recorded_by WHERE host_approved"
    )
    op.execute("UPDATE visitor_entry SET unapproved_entry = TRUE WHERE NOT host_approved")


def downgrade() -> None:
    with op.batch_alter_table("visitor_entry") as batch:
        batch.drop_constraint("fk_visitor_entry_approval_recorded_by_app_user", type_="foreignkey")
        batch.drop_index("ix_visitor_entry_approval")
        for name in (
            "exit_note",
            "exit_flag",
            "exit_slip_check",
            "unapproved_entry",
            "approval_recorded_by",
            "approval_at",
            "approval_via",
            "approved_by_name",
            "approval",
        ):
            batch.drop_column(name)
