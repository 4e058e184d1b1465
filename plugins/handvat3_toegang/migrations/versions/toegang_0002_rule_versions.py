"""handvat3_toegang: earlier conditions of a regeling, for checks on an earlier date.

Revision ID: toegang_0002
Revises: toegang_0001
Create Date: 2026-11-22 21:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "toegang_0002"
down_revision: str | Sequence[str] | None = "toegang_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "toegang_rule_versions",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("regeling_id", sa.Uuid(), nullable=False),
        sa.Column("conditions", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("applied_until", sa.Date(), nullable=False),
        sa.Column("replaced_by", sa.String(length=320), nullable=False),
        sa.Column("replaced_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "regeling_id"],
            ["toegang_regelingen.tenant_id", "toegang_regelingen.id"],
            name=op.f("fk_toegang_rule_versions_tenant_id_regeling_id_toegang_regelingen"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f("fk_toegang_rule_versions_tenant_id_tenants"), ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_toegang_rule_versions")),
        sa.UniqueConstraint("tenant_id", "regeling_id", "applied_until", name=op.f("uq_toegang_rule_versions_tenant_id_regeling_id_applied_until")),
    )


def downgrade() -> None:
    op.drop_table("toegang_rule_versions")
