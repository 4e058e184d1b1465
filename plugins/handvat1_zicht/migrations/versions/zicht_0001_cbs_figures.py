"""handvat1_zicht: CBS's Kerncijfers wijken en buurten per gemeente and wijk (national
reference data: the figures, the fields of each table, the imports) and a coalition's own
indicators per wijk (tenant data). Row-level security and the policies of each data shape
are (re)created by `kansrijk migrate` for every shaped table (core.migrate.SHAPE_POLICIES).

Revision ID: zicht_0001
Revises:
Create Date: 2026-12-10 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = 'zicht_0001'
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ('handvat1_zicht',)
depends_on: str | Sequence[str] | None = 'core_0003'


def upgrade() -> None:
    op.create_table('zicht_cbs_figures',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('table_id', sa.String(length=12), nullable=False),
    sa.Column('period', sa.Integer(), nullable=False),
    sa.Column('region_code', sa.String(length=10), nullable=False),
    sa.Column('region_type', sa.String(length=10), nullable=False),
    sa.Column('gemeente_code', sa.String(length=6), nullable=False),
    sa.Column('indicator', sa.String(length=60), nullable=False),
    sa.Column('value', sa.Float(), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('series', sa.Integer(), nullable=False),
    sa.Column('import_id', sa.Uuid(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_zicht_cbs_figures')),
    sa.UniqueConstraint('table_id', 'region_code', 'indicator', 'period', name=op.f('uq_zicht_cbs_figures_table_id_region_code_indicator_period'))
    )
    with op.batch_alter_table('zicht_cbs_figures', schema=None) as batch_op:
        batch_op.create_index('ix_zicht_cbs_figures_gemeente', ['gemeente_code', 'indicator', 'period'], unique=False)

    op.create_table('zicht_cbs_fields',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('table_id', sa.String(length=12), nullable=False),
    sa.Column('period', sa.Integer(), nullable=False),
    sa.Column('indicator', sa.String(length=60), nullable=False),
    sa.Column('cbs_key', sa.String(length=120), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('unit', sa.String(length=60), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_zicht_cbs_fields')),
    sa.UniqueConstraint('table_id', 'indicator', name=op.f('uq_zicht_cbs_fields_table_id_indicator'))
    )
    op.create_table('zicht_cbs_imports',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('table_id', sa.String(length=12), nullable=False),
    sa.Column('period', sa.Integer(), nullable=False),
    sa.Column('format', sa.String(length=8), nullable=False),
    sa.Column('source_name', sa.String(length=300), nullable=False),
    sa.Column('figures', sa.Integer(), nullable=False),
    sa.Column('report', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('imported_by', sa.String(length=320), nullable=False),
    sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_zicht_cbs_imports'))
    )
    op.create_table('zicht_own_indicators',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('code', sa.String(length=60), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('definition', sa.Text(), nullable=False),
    sa.Column('source', sa.String(length=300), nullable=False),
    sa.Column('unit', sa.String(length=60), nullable=False),
    sa.Column('updated_by', sa.String(length=320), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_zicht_own_indicators_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_zicht_own_indicators')),
    sa.UniqueConstraint('tenant_id', 'code', name=op.f('uq_zicht_own_indicators_tenant_id_code'))
    )
    op.create_table('zicht_own_values',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('indicator_id', sa.Uuid(), nullable=False),
    sa.Column('region_code', sa.String(length=10), nullable=False),
    sa.Column('period', sa.Integer(), nullable=False),
    sa.Column('value', sa.Float(), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'indicator_id'], ['zicht_own_indicators.tenant_id', 'zicht_own_indicators.id'], name=op.f('fk_zicht_own_values_tenant_id_indicator_id_zicht_own_indicators'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_zicht_own_values_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_zicht_own_values')),
    sa.UniqueConstraint('tenant_id', 'indicator_id', 'region_code', 'period', name=op.f('uq_zicht_own_values_tenant_id_indicator_id_region_code_period'))
    )


def downgrade() -> None:
    op.drop_table('zicht_own_values')
    op.drop_table('zicht_own_indicators')
    op.drop_table('zicht_cbs_imports')
    op.drop_table('zicht_cbs_fields')
    with op.batch_alter_table('zicht_cbs_figures', schema=None) as batch_op:
        batch_op.drop_index('ix_zicht_cbs_figures_gemeente')

    op.drop_table('zicht_cbs_figures')
