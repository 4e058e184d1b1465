"""Alembic environment. Driven from code by `core.migrate` (which passes the connection and
the target metadata of core and the loaded modules)."""

from __future__ import annotations

from typing import Any

from alembic import context

from sqlalchemy import JSON

from core.db import UTCDateTime
from core.migrate import include_object

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    raise SystemExit("Run migrations with `kansrijk migrate` (it loads the modules and their branches).")


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    """Render core's column types as plain SQLAlchemy types in generated revisions."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    if type_ == "type" and isinstance(obj, JSON) and getattr(obj, "_variant_mapping", None):
        autogen_context.imports.add("from sqlalchemy.dialects import postgresql")
        return "sa.JSON().with_variant(postgresql.JSONB(), 'postgresql')"
    return False


context.configure(
    connection=connection,
    target_metadata=config.attributes["target_metadata"],
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
    compare_server_default=True,
    render_item=render_item,
    include_object=include_object,
)
with context.begin_transaction():
    context.run_migrations()
