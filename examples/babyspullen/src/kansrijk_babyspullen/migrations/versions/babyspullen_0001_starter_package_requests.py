"""Stichting Babyspullen: requests for a starter package (the module's first revision, its
own branch; row-level security is set up by `kansrijk migrate`, as for every tenant table).

Revision ID: babyspullen_0001
Revises: 
Create Date: 2026-12-03 15:18:24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = 'babyspullen_0001'
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ('babyspullen',)
depends_on: str | Sequence[str] | None = 'core_0008'


def upgrade() -> None:
    op.create_table('babyspullen_requests',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('family_id', sa.Uuid(), nullable=True),
    sa.Column('requested_by_membership_id', sa.Uuid(), nullable=True),
    sa.Column('requesting_partner_id', sa.Uuid(), nullable=False),
    sa.Column('foundation_partner_id', sa.Uuid(), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('child_age_months', sa.Integer(), nullable=True),
    sa.Column('clothing_size', sa.String(length=8), nullable=True),
    sa.Column('diaper_size', sa.String(length=8), nullable=True),
    sa.Column('items', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('handover', sa.String(length=16), nullable=False),
    sa.Column('pickup_point', sa.String(length=80), nullable=True),
    sa.Column('delivery_address', sa.String(length=200), nullable=True),
    sa.Column('state', sa.String(length=32), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('responded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ready_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['tenant_id', 'foundation_partner_id'], ['partners.tenant_id', 'partners.id'], name=op.f('fk_babyspullen_requests_tenant_id_foundation_partner_id_partners')),
    sa.ForeignKeyConstraint(['tenant_id', 'requesting_partner_id'], ['partners.tenant_id', 'partners.id'], name=op.f('fk_babyspullen_requests_tenant_id_requesting_partner_id_partners')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_babyspullen_requests_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_babyspullen_requests'))
    )
    with op.batch_alter_table('babyspullen_requests', schema=None) as batch_op:
        batch_op.create_index('ix_babyspullen_requests_family', ['tenant_id', 'family_id'], unique=False)
        batch_op.create_index('ix_babyspullen_requests_foundation', ['tenant_id', 'foundation_partner_id', 'state'], unique=False)
        batch_op.create_index('ix_babyspullen_requests_requester', ['tenant_id', 'requesting_partner_id', 'state'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('babyspullen_requests', schema=None) as batch_op:
        batch_op.drop_index('ix_babyspullen_requests_requester')
        batch_op.drop_index('ix_babyspullen_requests_foundation')
        batch_op.drop_index('ix_babyspullen_requests_family')

    op.drop_table('babyspullen_requests')
