"""The processing log is sealed after the fact: a request inserts its records unchained
(`seq`, `previous_hash`, `record_hash` empty, `position` within the unit of work) and a
sealer chains them shortly after, so no request waits for another's log records. On
PostgreSQL the app role may fill in the three chain columns of an unsealed record once,
and change nothing else (column grants in `kansrijk migrate`, this trigger for the rest).

Revision ID: core_0004
Revises: core_0003
Create Date: 2026-12-02 20:45:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'core_0004'
down_revision: str | Sequence[str] | None = 'core_0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEALED_ONCE = """
CREATE OR REPLACE FUNCTION processing_log_sealed_once() RETURNS trigger AS $$
BEGIN
    IF OLD.seq IS NOT NULL THEN
        RAISE EXCEPTION 'processing_log: a sealed record cannot change' USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NEW.seq IS NULL OR NEW.record_hash IS NULL OR NEW.previous_hash IS NULL THEN
        RAISE EXCEPTION 'processing_log: sealing sets seq, previous_hash and record_hash' USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql
"""


def upgrade() -> None:
    with op.batch_alter_table('processing_log', schema=None) as batch_op:
        batch_op.alter_column('seq', existing_type=sa.Integer(), nullable=True)
        batch_op.alter_column('previous_hash', existing_type=sa.String(length=64), nullable=True)
        batch_op.alter_column('record_hash', existing_type=sa.String(length=64), nullable=True)
        batch_op.add_column(sa.Column('position', sa.Integer(), nullable=False, server_default='0'))
        batch_op.create_index(
            'ix_processing_log_unsealed', ['tenant_id', 'ended_at'], unique=False,
            postgresql_where=sa.text('seq IS NULL'), sqlite_where=sa.text('seq IS NULL'),
        )
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(SEALED_ONCE)
        op.execute(
            'CREATE TRIGGER processing_log_sealed_once BEFORE UPDATE ON processing_log '
            'FOR EACH ROW EXECUTE FUNCTION processing_log_sealed_once()'
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP TRIGGER IF EXISTS processing_log_sealed_once ON processing_log')
        op.execute('DROP FUNCTION IF EXISTS processing_log_sealed_once()')
    # The old schema needs every record in the chain; records are never deleted to get there.
    unsealed = op.get_bind().execute(sa.text('SELECT count(*) FROM processing_log WHERE seq IS NULL')).scalar()
    if unsealed:
        raise RuntimeError(f'{unsealed} processing records are not sealed yet: run `kansrijk audit seal` first')
    with op.batch_alter_table('processing_log', schema=None) as batch_op:
        batch_op.drop_index('ix_processing_log_unsealed')
        batch_op.drop_column('position')
        batch_op.alter_column('record_hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column('previous_hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column('seq', existing_type=sa.Integer(), nullable=False)
