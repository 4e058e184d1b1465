"""The processing log of personal data (append-only, hash-chained per tenant, with its head kept
apart) and the per-tenant register of processing activities.

Revision ID: core_0003
Revises: core_0002
Create Date: 2026-11-22 18:12:29.098780
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = 'core_0003'
down_revision: str | Sequence[str] | None = 'core_0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('processing_activities',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('module', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('purpose', sa.String(length=1000), nullable=False),
    sa.Column('legal_basis', sa.String(length=1000), nullable=False),
    sa.Column('data_categories', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('retention', sa.String(length=500), nullable=False),
    sa.Column('registered_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_processing_activities_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_processing_activities')),
    sa.UniqueConstraint('tenant_id', 'key', name=op.f('uq_processing_activities_tenant_id_key'))
    )
    op.create_table('processing_log_heads',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('record_hash', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_processing_log_heads_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_processing_log_heads')),
    sa.UniqueConstraint('tenant_id', name=op.f('uq_processing_log_heads_tenant_id'))
    )
    op.create_table('processing_log',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('trace_id', sa.String(length=32), nullable=False),
    sa.Column('span_id', sa.String(length=16), nullable=False),
    sa.Column('parent_span_id', sa.String(length=16), nullable=True),
    sa.Column('operation', sa.String(length=120), nullable=False),
    sa.Column('activity', sa.String(length=120), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('actor_type', sa.String(length=8), nullable=False),
    sa.Column('actor', sa.String(length=320), nullable=False),
    sa.Column('on_behalf_of', sa.String(length=200), nullable=True),
    sa.Column('data_subject', sa.String(length=64), nullable=False),
    sa.Column('result', sa.String(length=16), nullable=False),
    sa.Column('previous_hash', sa.String(length=64), nullable=False),
    sa.Column('record_hash', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'activity'], ['processing_activities.tenant_id', 'processing_activities.key'], name=op.f('fk_processing_log_tenant_id_activity_processing_activities')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_processing_log_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_processing_log')),
    sa.UniqueConstraint('tenant_id', 'seq', name=op.f('uq_processing_log_tenant_id_seq'))
    )
    with op.batch_alter_table('processing_log', schema=None) as batch_op:
        batch_op.create_index('ix_processing_log_subject', ['tenant_id', 'data_subject', 'started_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('processing_log', schema=None) as batch_op:
        batch_op.drop_index('ix_processing_log_subject')

    op.drop_table('processing_log')
    op.drop_table('processing_log_heads')
    op.drop_table('processing_activities')
