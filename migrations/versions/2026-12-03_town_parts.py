"""town parts: the town's villages (村庄), and the new kinds of account of the rest of the plan
(a school's own staff, a village cadre with their village, a department's staff with their
department)

Revision ID: 0005_town_parts
Revises: 0004_towns
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_town_parts"
down_revision: str | None = "0004_towns"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "village",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("town_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("district", sa.String(length=200), nullable=False, server_default=""),
        sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["town_id"], ["town.id"], name=op.f("fk_village_town_id_town")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_village")),
        sa.UniqueConstraint("town_id", "code", name=op.f("uq_village_town_id")),
    )
    with op.batch_alter_table("village", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_village_town_id"), ["town_id"], unique=False)
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("village_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("department", sa.String(length=32), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_app_user_village_id_village"), "village", ["village_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_app_user_village_id_village"), type_="foreignkey")
        batch_op.drop_column("department")
        batch_op.drop_column("village_id")
    with op.batch_alter_table("village", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_village_town_id"))
    op.drop_table("village")
