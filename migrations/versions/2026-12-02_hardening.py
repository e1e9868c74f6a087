"""hardening: per-uploader resumable uploads, photo bytes in the database, logout that ends
a device's access tokens at once

Revision ID: 0004_hardening
Revises: 0004_retention
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_hardening"
down_revision: str | None = "0004_retention"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "photo_upload",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("total", sa.BigInteger(), nullable=False),
        sa.Column("received", sa.BigInteger(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["app_user.id"], name=op.f("fk_photo_upload_user_id_app_user")
        ),
        sa.PrimaryKeyConstraint("sha256", "user_id", name=op.f("pk_photo_upload")),
    )
    with op.batch_alter_table("photo_upload", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_photo_upload_user_id"), ["user_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_photo_upload_updated_at"), ["updated_at"], unique=False
        )
    op.create_table(
        "photo_blob",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_photo_blob")),
    )
    # Tokens issued before this revision carry no generation: they count as generation 0.
    with op.batch_alter_table("device", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("session_generation", sa.Integer(), server_default="0", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("device", schema=None) as batch_op:
        batch_op.drop_column("session_generation")
    op.drop_table("photo_blob")
    with op.batch_alter_table("photo_upload", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_photo_upload_updated_at"))
        batch_op.drop_index(batch_op.f("ix_photo_upload_user_id"))
    op.drop_table("photo_upload")
