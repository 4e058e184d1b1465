"""Personal feed links: a member's link to one feed download of a module (only the SHA-256
of its secret is stored; row-level security is set up by `kansrijk migrate`, as for every
tenant table).

Revision ID: core_0007
Revises: core_0006
Create Date: 2026-12-03 09:31:36
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'core_0007'
down_revision: str | Sequence[str] | None = 'core_0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('feed_links',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('membership_id', sa.Uuid(), nullable=False),
    sa.Column('module_key', sa.String(length=64), nullable=False),
    sa.Column('download', sa.String(length=63), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'membership_id'], ['memberships.tenant_id', 'memberships.id'], name=op.f('fk_feed_links_tenant_id_membership_id_memberships'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_feed_links_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_feed_links')),
    sa.UniqueConstraint('tenant_id', 'token_hash', name=op.f('uq_feed_links_tenant_id_token_hash'))
    )
    with op.batch_alter_table('feed_links', schema=None) as batch_op:
        batch_op.create_index('ix_feed_links_tenant_id_membership_id', ['tenant_id', 'membership_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('feed_links', schema=None) as batch_op:
        batch_op.drop_index('ix_feed_links_tenant_id_membership_id')

    op.drop_table('feed_links')
