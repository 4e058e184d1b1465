"""uitleen: the items table.

Revision ID: uitleen_0001
Revises:
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "uitleen_0001"
down_revision = None
branch_labels = ("uitleen",)
depends_on = "core_0001"


def upgrade() -> None:
    op.create_table(
        "uitleen_items",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("partner_id", sa.Uuid(), nullable=True),
        sa.Column("available", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f("fk_uitleen_items_tenant_id_tenants"), ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_uitleen_items")),
    )


def downgrade() -> None:
    op.drop_table("uitleen_items")
