"""shapes_module: a shared table and a national reference table.

Revision ID: shapes_0001
Revises:
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "shapes_0001"
down_revision = None
branch_labels = ("shapes_module",)
depends_on = "core_0001"


def upgrade() -> None:
    op.create_table(
        "shapes_examples",
        sa.Column("owner_tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("published", sa.Boolean(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_tenant_id"], ["tenants.id"], name=op.f("fk_shapes_examples_owner_tenant_id_tenants"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shapes_examples")),
    )
    op.create_index(op.f("ix_shapes_examples_owner_tenant_id"), "shapes_examples", ["owner_tenant_id"], unique=False)
    op.create_table(
        "shapes_figures",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("wijkcode", sa.String(length=8), nullable=False),
        sa.Column("households", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shapes_figures")),
        sa.UniqueConstraint("wijkcode", name=op.f("uq_shapes_figures_wijkcode")),
    )


def downgrade() -> None:
    op.drop_table("shapes_figures")
    op.drop_index(op.f("ix_shapes_examples_owner_tenant_id"), table_name="shapes_examples")
    op.drop_table("shapes_examples")
