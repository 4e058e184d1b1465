"""tiny_notes: the notes table.

Revision ID: tiny_0001
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "tiny_0001"
down_revision = None
branch_labels = ("tiny_notes",)
depends_on = "core_0001"


def upgrade() -> None:
    op.create_table(
        "tiny_notes",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("text", sa.String(length=200), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f("fk_tiny_notes_tenant_id_tenants"), ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_tiny_notes")),
    )


def downgrade() -> None:
    op.drop_table("tiny_notes")
