"""Step links: an expiring, single-use, signed link with which someone without an account
takes the next step of a module's workflow (only the SHA-256 of the link is stored;
row-level security is set up by `kansrijk migrate`, as for every tenant table).

Revision ID: core_0008
Revises: core_0007
Create Date: 2026-12-03 15:45:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = 'core_0008'
down_revision: str | Sequence[str] | None = 'core_0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('step_links',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('module_key', sa.String(length=64), nullable=False),
    sa.Column('workflow', sa.String(length=128), nullable=False),
    sa.Column('subject_id', sa.Uuid(), nullable=False),
    sa.Column('from_state', sa.String(length=64), nullable=False),
    sa.Column('transitions', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('recipient', sa.String(length=320), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('sent_by', sa.String(length=320), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('used_transition', sa.String(length=64), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_by', sa.String(length=320), nullable=True),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_step_links_tenant_id_tenants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_step_links')),
    sa.UniqueConstraint('tenant_id', 'token_hash', name=op.f('uq_step_links_tenant_id_token_hash'))
    )
    with op.batch_alter_table('step_links', schema=None) as batch_op:
        batch_op.create_index('ix_step_links_subject', ['tenant_id', 'workflow', 'subject_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('step_links', schema=None) as batch_op:
        batch_op.drop_index('ix_step_links_subject')

    op.drop_table('step_links')
