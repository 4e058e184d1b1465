"""handvat2_signaleren: pseudonymous families, signals (classification snapshots), consents,
referrals (workflow state, deadlines), feedback notifications, support plan items and the
records of anonymisation and erasure.

Revision ID: signaleren_0001
Revises: 
Create Date: 2026-11-22 19:00:28.122264
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = 'signaleren_0001'
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ('handvat2_signaleren',)
depends_on: str | Sequence[str] | None = 'core_0003'


def upgrade() -> None:
    op.create_table('signaleren_deletions',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('batch_id', sa.Uuid(), nullable=False),
    sa.Column('family_ids', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('action', sa.String(length=12), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('performed_by', sa.String(length=320), nullable=False),
    sa.Column('performed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_signaleren_deletions_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_signaleren_deletions'))
    )
    op.create_table('signaleren_families',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('local_reference', sa.String(length=40), nullable=True),
    sa.Column('initials', sa.String(length=8), nullable=True),
    sa.Column('phase', sa.String(length=16), nullable=False),
    sa.Column('expected_month', sa.String(length=7), nullable=True),
    sa.Column('birth_month', sa.String(length=7), nullable=True),
    sa.Column('wijk_id', sa.Uuid(), nullable=True),
    sa.Column('registering_partner_id', sa.Uuid(), nullable=False),
    sa.Column('registered_by', sa.Uuid(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'registering_partner_id'], ['partners.tenant_id', 'partners.id'], name=op.f('fk_signaleren_families_tenant_id_registering_partner_id_partners')),
    sa.ForeignKeyConstraint(['tenant_id', 'wijk_id'], ['wijken.tenant_id', 'wijken.id'], name=op.f('fk_signaleren_families_tenant_id_wijk_id_wijken')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_signaleren_families_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_signaleren_families'))
    )
    with op.batch_alter_table('signaleren_families', schema=None) as batch_op:
        batch_op.create_index('ix_signaleren_families_partner', ['tenant_id', 'registering_partner_id'], unique=False)

    op.create_table('signaleren_consents',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('family_id', sa.Uuid(), nullable=False),
    sa.Column('purpose', sa.String(length=300), nullable=False),
    sa.Column('partner_ids', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('method', sa.String(length=12), nullable=False),
    sa.Column('given_on', sa.Date(), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=False),
    sa.Column('recorded_by', sa.Uuid(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_by', sa.Uuid(), nullable=True),
    sa.Column('revocation_note', sa.String(length=300), nullable=True),
    sa.ForeignKeyConstraint(['tenant_id', 'family_id'], ['signaleren_families.tenant_id', 'signaleren_families.id'], name=op.f('fk_signaleren_consents_tenant_id_family_id_signaleren_families'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_signaleren_consents_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_signaleren_consents'))
    )
    with op.batch_alter_table('signaleren_consents', schema=None) as batch_op:
        batch_op.create_index('ix_signaleren_consents_family', ['tenant_id', 'family_id'], unique=False)

    op.create_table('signaleren_plan_items',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('family_id', sa.Uuid(), nullable=False),
    sa.Column('domain', sa.String(length=12), nullable=False),
    sa.Column('description', sa.String(length=300), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('regeling_id', sa.Uuid(), nullable=True),
    sa.Column('created_by', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'family_id'], ['signaleren_families.tenant_id', 'signaleren_families.id'], name=op.f('fk_signaleren_plan_items_tenant_id_family_id_signaleren_families'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_signaleren_plan_items_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_signaleren_plan_items'))
    )
    with op.batch_alter_table('signaleren_plan_items', schema=None) as batch_op:
        batch_op.create_index('ix_signaleren_plan_items_family', ['tenant_id', 'family_id'], unique=False)

    op.create_table('signaleren_signals',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('family_id', sa.Uuid(), nullable=False),
    sa.Column('worries', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('risk_factors', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('protective_factors', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.Column('suggested_classification', sa.String(length=1), nullable=False),
    sa.Column('classification', sa.String(length=1), nullable=False),
    sa.Column('classification_reason', sa.String(length=500), nullable=True),
    sa.Column('wijk_id', sa.Uuid(), nullable=True),
    sa.Column('partner_id', sa.Uuid(), nullable=False),
    sa.Column('recorded_by', sa.Uuid(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'family_id'], ['signaleren_families.tenant_id', 'signaleren_families.id'], name=op.f('fk_signaleren_signals_tenant_id_family_id_signaleren_families'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_signaleren_signals_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_signaleren_signals'))
    )
    with op.batch_alter_table('signaleren_signals', schema=None) as batch_op:
        batch_op.create_index('ix_signaleren_signals_family', ['tenant_id', 'family_id'], unique=False)

    op.create_table('signaleren_referrals',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('family_id', sa.Uuid(), nullable=False),
    sa.Column('consent_id', sa.Uuid(), nullable=False),
    sa.Column('from_partner_id', sa.Uuid(), nullable=False),
    sa.Column('referred_by', sa.Uuid(), nullable=False),
    sa.Column('to_partner_id', sa.Uuid(), nullable=False),
    sa.Column('to_contact_id', sa.Uuid(), nullable=True),
    sa.Column('support', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('rejection_reason', sa.String(length=500), nullable=True),
    sa.Column('outcome', sa.String(length=24), nullable=True),
    sa.Column('outcome_note', sa.String(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('respond_by', sa.Date(), nullable=True),
    sa.Column('responded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('overdue_reported_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'consent_id'], ['signaleren_consents.tenant_id', 'signaleren_consents.id'], name=op.f('fk_signaleren_referrals_tenant_id_consent_id_signaleren_consents')),
    sa.ForeignKeyConstraint(['tenant_id', 'family_id'], ['signaleren_families.tenant_id', 'signaleren_families.id'], name=op.f('fk_signaleren_referrals_tenant_id_family_id_signaleren_families'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id', 'to_partner_id'], ['partners.tenant_id', 'partners.id'], name=op.f('fk_signaleren_referrals_tenant_id_to_partner_id_partners')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_signaleren_referrals_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_signaleren_referrals'))
    )
    with op.batch_alter_table('signaleren_referrals', schema=None) as batch_op:
        batch_op.create_index('ix_signaleren_referrals_family', ['tenant_id', 'family_id'], unique=False)
        batch_op.create_index('ix_signaleren_referrals_to', ['tenant_id', 'to_partner_id', 'state'], unique=False)

    op.create_table('signaleren_notifications',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('recipient_id', sa.Uuid(), nullable=False),
    sa.Column('referral_id', sa.Uuid(), nullable=False),
    sa.Column('transition', sa.String(length=24), nullable=False),
    sa.Column('message', sa.String(length=300), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['tenant_id', 'referral_id'], ['signaleren_referrals.tenant_id', 'signaleren_referrals.id'], name=op.f('fk_signaleren_notifications_tenant_id_referral_id_signaleren_referrals'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_signaleren_notifications_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_signaleren_notifications'))
    )
    with op.batch_alter_table('signaleren_notifications', schema=None) as batch_op:
        batch_op.create_index('ix_signaleren_notifications_recipient', ['tenant_id', 'recipient_id', 'read_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('signaleren_notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_signaleren_notifications_recipient')

    op.drop_table('signaleren_notifications')
    with op.batch_alter_table('signaleren_referrals', schema=None) as batch_op:
        batch_op.drop_index('ix_signaleren_referrals_to')
        batch_op.drop_index('ix_signaleren_referrals_family')

    op.drop_table('signaleren_referrals')
    with op.batch_alter_table('signaleren_signals', schema=None) as batch_op:
        batch_op.drop_index('ix_signaleren_signals_family')

    op.drop_table('signaleren_signals')
    with op.batch_alter_table('signaleren_plan_items', schema=None) as batch_op:
        batch_op.drop_index('ix_signaleren_plan_items_family')

    op.drop_table('signaleren_plan_items')
    with op.batch_alter_table('signaleren_consents', schema=None) as batch_op:
        batch_op.drop_index('ix_signaleren_consents_family')

    op.drop_table('signaleren_consents')
    with op.batch_alter_table('signaleren_families', schema=None) as batch_op:
        batch_op.drop_index('ix_signaleren_families_partner')

    op.drop_table('signaleren_families')
    op.drop_table('signaleren_deletions')
