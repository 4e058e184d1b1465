"""handvat1_zicht: at most one open action per proposing module's thing (a partial unique
index on the reference of actions that are not stopped), so a proposal sent twice at once
adds one action.

Revision ID: zicht_0003
Revises: zicht_0002
Create Date: 2026-12-03 11:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = 'zicht_0003'
down_revision: str | Sequence[str] | None = 'zicht_0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('zicht_actions', schema=None) as batch_op:
        batch_op.create_index('uq_zicht_actions_open_reference', ['tenant_id', 'reference'], unique=True, postgresql_where=sa.text("reference IS NOT NULL AND status <> 'gestopt'"), sqlite_where=sa.text("reference IS NOT NULL AND status <> 'gestopt'"))



def downgrade() -> None:
    with op.batch_alter_table('zicht_actions', schema=None) as batch_op:
        batch_op.drop_index('uq_zicht_actions_open_reference', postgresql_where=sa.text("reference IS NOT NULL AND status <> 'gestopt'"), sqlite_where=sa.text("reference IS NOT NULL AND status <> 'gestopt'"))

