"""handvat1_zicht: the startfoto and vervolgfoto's (with their copied figures), the plan van
aanpak (goals, actions, progress notes) and the voice of parents (sessions, quotes, their
links to goals); all tenant data. Row-level security is (re)created by `kansrijk migrate`.

Revision ID: zicht_0002
Revises: zicht_0001
Create Date: 2026-12-03 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = 'zicht_0002'
down_revision: str | Sequence[str] | None = 'zicht_0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('zicht_startfotos',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('reference_date', sa.Date(), nullable=False),
    sa.Column('baseline_id', sa.Uuid(), nullable=True),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('went_well', sa.Text(), nullable=False),
    sa.Column('gaps', sa.Text(), nullable=False),
    sa.Column('ambitions', sa.Text(), nullable=False),
    sa.Column('voices', sa.Text(), nullable=False),
    sa.Column('partners', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('offer', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('created_by', sa.String(length=320), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('fixed_by', sa.String(length=320), nullable=True),
    sa.Column('fixed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['tenant_id', 'baseline_id'], ['zicht_startfotos.tenant_id', 'zicht_startfotos.id'], name=op.f('fk_zicht_startfotos_tenant_id_baseline_id_zicht_startfotos')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_zicht_startfotos_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_zicht_startfotos'))
    )
    op.create_table('zicht_voice_sessions',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('group_kind', sa.String(length=24), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('themes', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('recorded_by', sa.String(length=320), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_zicht_voice_sessions_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_zicht_voice_sessions'))
    )
    op.create_table('zicht_goals',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('indicator', sa.String(length=120), nullable=False),
    sa.Column('region_code', sa.String(length=10), nullable=False),
    sa.Column('baseline_startfoto_id', sa.Uuid(), nullable=False),
    sa.Column('baseline_value', sa.Float(), nullable=False),
    sa.Column('baseline_period', sa.Integer(), nullable=False),
    sa.Column('target_value', sa.Float(), nullable=False),
    sa.Column('target_date', sa.Date(), nullable=False),
    sa.Column('created_by', sa.String(length=320), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'baseline_startfoto_id'], ['zicht_startfotos.tenant_id', 'zicht_startfotos.id'], name=op.f('fk_zicht_goals_tenant_id_baseline_startfoto_id_zicht_startfotos')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_zicht_goals_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_zicht_goals'))
    )
    op.create_table('zicht_quotes',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('session_id', sa.Uuid(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('themes', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('consent_given', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'session_id'], ['zicht_voice_sessions.tenant_id', 'zicht_voice_sessions.id'], name=op.f('fk_zicht_quotes_tenant_id_session_id_zicht_voice_sessions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_zicht_quotes_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_zicht_quotes'))
    )
    op.create_table('zicht_snapshot_figures',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('startfoto_id', sa.Uuid(), nullable=False),
    sa.Column('region_code', sa.String(length=10), nullable=False),
    sa.Column('region_type', sa.String(length=10), nullable=False),
    sa.Column('region_name', sa.String(length=200), nullable=True),
    sa.Column('indicator', sa.String(length=120), nullable=False),
    sa.Column('indicator_name', sa.String(length=300), nullable=False),
    sa.Column('unit', sa.String(length=60), nullable=False),
    sa.Column('definition', sa.Text(), nullable=False),
    sa.Column('source', sa.String(length=8), nullable=False),
    sa.Column('source_description', sa.String(length=300), nullable=False),
    sa.Column('period', sa.Integer(), nullable=False),
    sa.Column('value', sa.Float(), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('series', sa.Integer(), nullable=False),
    sa.Column('table_id', sa.String(length=12), nullable=True),
    sa.Column('cbs_key', sa.String(length=120), nullable=True),
    sa.ForeignKeyConstraint(['tenant_id', 'startfoto_id'], ['zicht_startfotos.tenant_id', 'zicht_startfotos.id'], name=op.f('fk_zicht_snapshot_figures_tenant_id_startfoto_id_zicht_startfotos'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_zicht_snapshot_figures_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_zicht_snapshot_figures')),
    sa.UniqueConstraint('tenant_id', 'startfoto_id', 'region_code', 'indicator', 'period', name=op.f('uq_zicht_snapshot_figures_tenant_id_startfoto_id_region_code_indicator_period'))
    )
    op.create_table('zicht_actions',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('goal_id', sa.Uuid(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('partner_id', sa.Uuid(), nullable=False),
    sa.Column('owner_membership_id', sa.Uuid(), nullable=True),
    sa.Column('deadline', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('reference', sa.String(length=200), nullable=True),
    sa.Column('proposed_by_module', sa.String(length=63), nullable=True),
    sa.Column('created_by', sa.String(length=320), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'goal_id'], ['zicht_goals.tenant_id', 'zicht_goals.id'], name=op.f('fk_zicht_actions_tenant_id_goal_id_zicht_goals')),
    sa.ForeignKeyConstraint(['tenant_id', 'owner_membership_id'], ['memberships.tenant_id', 'memberships.id'], name=op.f('fk_zicht_actions_tenant_id_owner_membership_id_memberships')),
    sa.ForeignKeyConstraint(['tenant_id', 'partner_id'], ['partners.tenant_id', 'partners.id'], name=op.f('fk_zicht_actions_tenant_id_partner_id_partners')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_zicht_actions_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_zicht_actions'))
    )
    with op.batch_alter_table('zicht_actions', schema=None) as batch_op:
        batch_op.create_index('ix_zicht_actions_deadline', ['tenant_id', 'status', 'deadline'], unique=False)

    op.create_table('zicht_quote_goals',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('quote_id', sa.Uuid(), nullable=False),
    sa.Column('goal_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'goal_id'], ['zicht_goals.tenant_id', 'zicht_goals.id'], name=op.f('fk_zicht_quote_goals_tenant_id_goal_id_zicht_goals'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id', 'quote_id'], ['zicht_quotes.tenant_id', 'zicht_quotes.id'], name=op.f('fk_zicht_quote_goals_tenant_id_quote_id_zicht_quotes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_zicht_quote_goals_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_zicht_quote_goals')),
    sa.UniqueConstraint('tenant_id', 'quote_id', 'goal_id', name=op.f('uq_zicht_quote_goals_tenant_id_quote_id_goal_id'))
    )
    op.create_table('zicht_action_notes',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('action_id', sa.Uuid(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=True),
    sa.Column('written_by', sa.String(length=320), nullable=False),
    sa.Column('written_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'action_id'], ['zicht_actions.tenant_id', 'zicht_actions.id'], name=op.f('fk_zicht_action_notes_tenant_id_action_id_zicht_actions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_zicht_action_notes_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_zicht_action_notes'))
    )
    with op.batch_alter_table('zicht_action_notes', schema=None) as batch_op:
        batch_op.create_index('ix_zicht_action_notes_action', ['tenant_id', 'action_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('zicht_action_notes', schema=None) as batch_op:
        batch_op.drop_index('ix_zicht_action_notes_action')

    op.drop_table('zicht_action_notes')
    op.drop_table('zicht_quote_goals')
    with op.batch_alter_table('zicht_actions', schema=None) as batch_op:
        batch_op.drop_index('ix_zicht_actions_deadline')

    op.drop_table('zicht_actions')
    op.drop_table('zicht_snapshot_figures')
    op.drop_table('zicht_quotes')
    op.drop_table('zicht_goals')
    op.drop_table('zicht_voice_sessions')
    op.drop_table('zicht_startfotos')
