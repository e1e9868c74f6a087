"""notices: public notices (通报) with their lines, and one-vote-veto cases (一票否决)

Revision ID: 0007_notices
Revises: 0006_boarding
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_notices"
down_revision: str | None = "0006_boarding"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "notice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("town_id", sa.Integer(), nullable=False),
        sa.Column("area", sa.String(length=40), nullable=False),
        sa.Column("date_from", sa.Date(), nullable=False),
        sa.Column("date_to", sa.Date(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("remark", sa.String(length=2000), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("seq", sa.Integer(), nullable=True),
        sa.Column("number", sa.String(length=80), nullable=True),
        sa.Column("drafted_by", sa.Integer(), nullable=False),
        sa.Column("drafted_at", sa.DateTime(), nullable=False),
        sa.Column("issued_by", sa.Integer(), nullable=True),
        sa.Column("issued_at", sa.DateTime(), nullable=True),
        sa.Column("withdrawn_by", sa.Integer(), nullable=True),
        sa.Column("withdrawn_at", sa.DateTime(), nullable=True),
        sa.Column("withdraw_reason", sa.String(length=1000), nullable=False),
        sa.ForeignKeyConstraint(["town_id"], ["town.id"], name=op.f("fk_notice_town_id_town")),
        sa.ForeignKeyConstraint(
            ["drafted_by"], ["app_user.id"], name=op.f("fk_notice_drafted_by_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["issued_by"], ["app_user.id"], name=op.f("fk_notice_issued_by_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["withdrawn_by"], ["app_user.id"], name=op.f("fk_notice_withdrawn_by_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notice")),
        sa.UniqueConstraint("town_id", "year", "seq", name=op.f("uq_notice_town_id")),
    )
    with op.batch_alter_table("notice", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notice_town_id"), ["town_id"], unique=False)

    op.create_table(
        "notice_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("notice_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("subject_kind", sa.String(length=16), nullable=False),
        sa.Column("subject_id", sa.String(length=64), nullable=False),
        sa.Column("subject_name", sa.String(length=200), nullable=False),
        sa.Column("issue", sa.String(length=40), nullable=False),
        sa.Column("ref", sa.String(length=120), nullable=False),
        sa.Column("detail_zh", sa.String(length=1000), nullable=False),
        sa.Column("detail_en", sa.String(length=1000), nullable=False),
        sa.Column("dropped", sa.Boolean(), nullable=False),
        sa.Column("drop_reason", sa.String(length=1000), nullable=False),
        sa.ForeignKeyConstraint(
            ["notice_id"], ["notice.id"], name=op.f("fk_notice_line_notice_id_notice")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notice_line")),
    )
    with op.batch_alter_table("notice_line", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notice_line_notice_id"), ["notice_id"], unique=False)

    op.create_table(
        "veto_case",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("town_id", sa.Integer(), nullable=False),
        sa.Column("subject_kind", sa.String(length=16), nullable=False),
        sa.Column("subject_id", sa.String(length=64), nullable=False),
        sa.Column("subject_name", sa.String(length=200), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=2000), nullable=False),
        sa.Column("evidence_kind", sa.String(length=16), nullable=False),
        sa.Column("evidence_ref", sa.String(length=64), nullable=False),
        sa.Column("evidence_label", sa.String(length=300), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("withdrawn_by", sa.Integer(), nullable=True),
        sa.Column("withdrawn_at", sa.DateTime(), nullable=True),
        sa.Column("withdraw_reason", sa.String(length=1000), nullable=False),
        sa.ForeignKeyConstraint(["town_id"], ["town.id"], name=op.f("fk_veto_case_town_id_town")),
        sa.ForeignKeyConstraint(
            ["recorded_by"], ["app_user.id"], name=op.f("fk_veto_case_recorded_by_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["withdrawn_by"], ["app_user.id"], name=op.f("fk_veto_case_withdrawn_by_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_veto_case")),
    )
    with op.batch_alter_table("veto_case", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_veto_case_town_id"), ["town_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("veto_case", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_veto_case_town_id"))
    op.drop_table("veto_case")
    with op.batch_alter_table("notice_line", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notice_line_notice_id"))
    op.drop_table("notice_line")
    with op.batch_alter_table("notice", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notice_town_id"))
    op.drop_table("notice")
