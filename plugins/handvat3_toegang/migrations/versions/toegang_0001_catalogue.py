"""handvat3_toegang: the catalogue of regelingen, parameter values, the sociale kaart, bekendheid,
usage counts and the Dutch full-text search (PostgreSQL: a GIN index on the dutch tsvector;
SQLite: an FTS5 table kept in step by triggers).

Revision ID: toegang_0001
Revises: 
Create Date: 2026-11-22 18:18:29.741709
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = 'toegang_0001'
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ('handvat3_toegang',)
depends_on: str | Sequence[str] | None = 'core_0003'


def upgrade() -> None:
    op.create_table('toegang_parameter_values',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('key', sa.String(length=80), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('value', sa.Float(), nullable=False),
    sa.Column('legal_basis_url', sa.String(length=500), nullable=True),
    sa.Column('set_by', sa.String(length=320), nullable=False),
    sa.Column('set_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_toegang_parameter_values_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_toegang_parameter_values')),
    sa.UniqueConstraint('tenant_id', 'key', 'valid_from', name=op.f('uq_toegang_parameter_values_tenant_id_key_valid_from'))
    )
    op.create_table('toegang_search_documents',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('item_id', sa.Uuid(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('stemmed', sa.Text(), nullable=False),
    sa.Column('public', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_toegang_search_documents_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_toegang_search_documents')),
    sa.UniqueConstraint('tenant_id', 'kind', 'item_id', name=op.f('uq_toegang_search_documents_tenant_id_kind_item_id'))
    )
    op.create_table('toegang_regelingen',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('key', sa.String(length=80), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('summary', sa.String(length=1000), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('provider_name', sa.String(length=200), nullable=True),
    sa.Column('provider_partner_id', sa.Uuid(), nullable=True),
    sa.Column('apply_steps', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('apply_url', sa.String(length=500), nullable=True),
    sa.Column('apply_phone', sa.String(length=40), nullable=True),
    sa.Column('apply_documents', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('costs', sa.String(length=500), nullable=True),
    sa.Column('valid_from', sa.Date(), nullable=True),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.Column('tags', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('source_url', sa.String(length=500), nullable=True),
    sa.Column('content_checked_on', sa.Date(), nullable=True),
    sa.Column('conditions', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('test_vectors', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('published', sa.Boolean(), nullable=False),
    sa.Column('hidden', sa.Boolean(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('national_key', sa.String(length=80), nullable=True),
    sa.Column('adapted', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.String(length=320), nullable=True),
    sa.ForeignKeyConstraint(['tenant_id', 'provider_partner_id'], ['partners.tenant_id', 'partners.id'], name=op.f('fk_toegang_regelingen_tenant_id_provider_partner_id_partners')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_toegang_regelingen_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_toegang_regelingen')),
    sa.UniqueConstraint('tenant_id', 'key', name=op.f('uq_toegang_regelingen_tenant_id_key'))
    )
    with op.batch_alter_table('toegang_regelingen', schema=None) as batch_op:
        batch_op.create_index('ix_toegang_regelingen_listing', ['tenant_id', 'published', 'hidden', 'position'], unique=False)

    op.create_table('toegang_services',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('partner_id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('audience', sa.String(length=500), nullable=False),
    sa.Column('wijk_codes', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('contact', sa.String(length=300), nullable=True),
    sa.Column('opening_hours', sa.String(length=300), nullable=True),
    sa.Column('published', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'partner_id'], ['partners.tenant_id', 'partners.id'], name=op.f('fk_toegang_services_tenant_id_partner_id_partners')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_toegang_services_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_toegang_services')),
    sa.UniqueConstraint('tenant_id', 'name', name=op.f('uq_toegang_services_tenant_id_name'))
    )
    op.create_table('toegang_knowledge',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('regeling_id', sa.Uuid(), nullable=False),
    sa.Column('membership_id', sa.Uuid(), nullable=False),
    sa.Column('partner_id', sa.Uuid(), nullable=True),
    sa.Column('marked_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'membership_id'], ['memberships.tenant_id', 'memberships.id'], name=op.f('fk_toegang_knowledge_tenant_id_membership_id_memberships')),
    sa.ForeignKeyConstraint(['tenant_id', 'regeling_id'], ['toegang_regelingen.tenant_id', 'toegang_regelingen.id'], name=op.f('fk_toegang_knowledge_tenant_id_regeling_id_toegang_regelingen'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_toegang_knowledge_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_toegang_knowledge')),
    sa.UniqueConstraint('tenant_id', 'regeling_id', 'membership_id', name=op.f('uq_toegang_knowledge_tenant_id_regeling_id_membership_id'))
    )
    op.create_table('toegang_catalogue_revisions',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('token', sa.Uuid(), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_toegang_catalogue_revisions_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_toegang_catalogue_revisions'))
    )
    op.create_table('toegang_usage',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('regeling_id', sa.Uuid(), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'regeling_id'], ['toegang_regelingen.tenant_id', 'toegang_regelingen.id'], name=op.f('fk_toegang_usage_tenant_id_regeling_id_toegang_regelingen'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_toegang_usage_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_toegang_usage')),
    sa.UniqueConstraint('tenant_id', 'regeling_id', 'month', 'kind', name=op.f('uq_toegang_usage_tenant_id_regeling_id_month_kind'))
    )


    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute(
            "CREATE INDEX fts_toegang_search_documents ON toegang_search_documents "
            "USING gin (to_tsvector('dutch', title || ' ' || body))"
        )
    else:
        op.execute(
            "CREATE VIRTUAL TABLE fts_toegang_search USING fts5("
            "stemmed, tenant_id UNINDEXED, content='toegang_search_documents', content_rowid='rowid', "
            "tokenize='unicode61 remove_diacritics 2')"
        )
        op.execute(
            "CREATE TRIGGER fts_toegang_search_insert AFTER INSERT ON toegang_search_documents BEGIN "
            "INSERT INTO fts_toegang_search(rowid, stemmed, tenant_id) VALUES (new.rowid, new.stemmed, new.tenant_id); END"
        )
        op.execute(
            "CREATE TRIGGER fts_toegang_search_delete AFTER DELETE ON toegang_search_documents BEGIN "
            "INSERT INTO fts_toegang_search(fts_toegang_search, rowid, stemmed, tenant_id) "
            "VALUES ('delete', old.rowid, old.stemmed, old.tenant_id); END"
        )
        op.execute(
            "CREATE TRIGGER fts_toegang_search_update AFTER UPDATE ON toegang_search_documents BEGIN "
            "INSERT INTO fts_toegang_search(fts_toegang_search, rowid, stemmed, tenant_id) "
            "VALUES ('delete', old.rowid, old.stemmed, old.tenant_id); "
            "INSERT INTO fts_toegang_search(rowid, stemmed, tenant_id) VALUES (new.rowid, new.stemmed, new.tenant_id); END"
        )

def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS fts_toegang_search_documents")
    else:
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS fts_toegang_search_{trigger}")
        op.execute("DROP TABLE IF EXISTS fts_toegang_search")
    op.drop_table('toegang_usage')
    op.drop_table('toegang_catalogue_revisions')
    op.drop_table('toegang_knowledge')
    op.drop_table('toegang_services')
    with op.batch_alter_table('toegang_regelingen', schema=None) as batch_op:
        batch_op.drop_index('ix_toegang_regelingen_listing')

    op.drop_table('toegang_regelingen')
    op.drop_table('toegang_search_documents')
    op.drop_table('toegang_parameter_values')
