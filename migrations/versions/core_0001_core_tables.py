"""Core tables: tenants, persons, the coalition (partners, memberships, wijken), module
activations, the event outbox and workflow history.

Revision ID: core_0001
Revises: 
Create Date: 2026-11-22 16:06:31.498593
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

JSON_TYPE = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

revision: str = 'core_0001'
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ('core',)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('persons',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('is_platform_operator', sa.Boolean(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_persons')),
    sa.UniqueConstraint('email', name=op.f('uq_persons_email'))
    )
    op.create_table('tenants',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('code', sa.String(length=6), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('slug', sa.String(length=63), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('modules_revision', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tenants')),
    sa.UniqueConstraint('code', name=op.f('uq_tenants_code')),
    sa.UniqueConstraint('slug', name=op.f('uq_tenants_slug'))
    )
    op.create_table('module_activations',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('module_key', sa.String(length=64), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('config', JSON_TYPE, nullable=False),
    sa.Column('version', sa.String(length=64), nullable=True),
    sa.Column('enabled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('enabled_by', sa.String(length=320), nullable=True),
    sa.Column('disabled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('disabled_by', sa.String(length=320), nullable=True),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_module_activations_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_module_activations')),
    sa.UniqueConstraint('tenant_id', 'module_key', name=op.f('uq_module_activations_tenant_id_module_key'))
    )
    op.create_table('outbox_events',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('type', sa.String(length=120), nullable=False),
    sa.Column('payload', JSON_TYPE, nullable=False),
    sa.Column('actor', sa.String(length=320), nullable=True),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('dispatched_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_outbox_events_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_outbox_events'))
    )
    with op.batch_alter_table('outbox_events', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_events_undispatched', ['dispatched_at', 'occurred_at'], unique=False)

    op.create_table('partners',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('domain', sa.String(length=16), nullable=False),
    sa.Column('type', sa.String(length=32), nullable=False),
    sa.Column('contact_name', sa.String(length=200), nullable=True),
    sa.Column('email', sa.String(length=320), nullable=True),
    sa.Column('phone', sa.String(length=40), nullable=True),
    sa.Column('website', sa.String(length=500), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_partners_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_partners')),
    sa.UniqueConstraint('tenant_id', 'name', name=op.f('uq_partners_tenant_id_name'))
    )
    op.create_table('wijken',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('code', sa.String(length=8), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_wijken_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_wijken')),
    sa.UniqueConstraint('tenant_id', 'code', name=op.f('uq_wijken_tenant_id_code'))
    )
    op.create_table('workflow_history',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('workflow', sa.String(length=120), nullable=False),
    sa.Column('subject_id', sa.Uuid(), nullable=False),
    sa.Column('transition', sa.String(length=64), nullable=False),
    sa.Column('from_state', sa.String(length=64), nullable=False),
    sa.Column('to_state', sa.String(length=64), nullable=False),
    sa.Column('reason', sa.String(length=1000), nullable=True),
    sa.Column('actor', sa.String(length=320), nullable=True),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_workflow_history_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_workflow_history'))
    )
    with op.batch_alter_table('workflow_history', schema=None) as batch_op:
        batch_op.create_index('ix_workflow_history_subject', ['tenant_id', 'workflow', 'subject_id'], unique=False)

    op.create_table('memberships',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('person_id', sa.Uuid(), nullable=False),
    sa.Column('display_name', sa.String(length=200), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('job_title', sa.String(length=200), nullable=True),
    sa.Column('roles', JSON_TYPE, nullable=False),
    sa.Column('partner_id', sa.Uuid(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_memberships_person_id_persons'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tenant_id', 'partner_id'], ['partners.tenant_id', 'partners.id'], name=op.f('fk_memberships_tenant_id_partner_id_partners')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_memberships_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_memberships')),
    sa.UniqueConstraint('tenant_id', 'person_id', name=op.f('uq_memberships_tenant_id_person_id'))
    )
    with op.batch_alter_table('memberships', schema=None) as batch_op:
        batch_op.create_index('ix_memberships_tenant_id_partner_id', ['tenant_id', 'partner_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('memberships', schema=None) as batch_op:
        batch_op.drop_index('ix_memberships_tenant_id_partner_id')

    op.drop_table('memberships')
    with op.batch_alter_table('workflow_history', schema=None) as batch_op:
        batch_op.drop_index('ix_workflow_history_subject')

    op.drop_table('workflow_history')
    op.drop_table('wijken')
    op.drop_table('partners')
    with op.batch_alter_table('outbox_events', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_events_undispatched')

    op.drop_table('outbox_events')
    op.drop_table('module_activations')
    op.drop_table('tenants')
    op.drop_table('persons')
