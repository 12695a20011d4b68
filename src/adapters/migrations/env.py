"""Alembic's environment: runs revisions on the connection ``adapters.migrate`` hands in.

There is no alembic.ini and no URL here: ``adapters.migrate`` builds the
configuration in code and passes an open connection, already inside the
migration's transaction, in ``config.attributes["connection"]``.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from adapters.orm import metadata

connection = context.config.attributes.get("connection")
if not isinstance(connection, Connection):
    raise RuntimeError(
        "migrations run through adapters.migrate.upgrade_to_head(engine),"
        " or the `chat-server migrate` command; not through the alembic command line"
    )

context.configure(
    connection=connection,
    target_metadata=metadata,
    # SQLite alters a table by copying it; batch mode writes revisions that way.
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
