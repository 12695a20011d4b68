"""Alembic's environment: runs revisions on the connection ``adapters.sql.migrate`` hands in.

There is no alembic.ini and no URL here: ``adapters.sql.migrate`` builds the
configuration in code and passes an open connection, already inside the
migration's transaction, in ``config.attributes["connection"]``.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from adapters.sql.tables import metadata

connection = context.config.attributes.get("connection")
if not isinstance(connection, Connection):
    raise RuntimeError(
        "migrations run through adapters.sql.migrate.upgrade_to_head(database),"
        " or the `chat-server migrate` command; not through the alembic command line"
    )

context.configure(
    connection=connection,
    target_metadata=metadata,
    # A database that alters a table by copying it (SQLite) needs batch mode.
    render_as_batch=bool(context.config.attributes.get("batch", False)),
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
