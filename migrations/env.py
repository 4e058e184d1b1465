"""Alembic environment. Driven from code by `core.migrate` (which passes the connection and
the target metadata of core and the loaded modules)."""

from __future__ import annotations

from alembic import context

from core.migrate import include_object, render_item

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    raise SystemExit("Run migrations with `kansrijk migrate` (it loads the modules and their branches).")


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
