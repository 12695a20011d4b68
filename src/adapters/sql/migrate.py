"""Bring a database's schema up to date, and tell whether it is.

Alembic is driven through its API with a configuration built here, so the
migrations work from any directory and from an installed package; there is
no alembic.ini. Each upgrade runs in one transaction (both PostgreSQL and, as
this service drives it, SQLite apply DDL transactionally), so a failed
upgrade leaves the schema as it was.

To write a new revision, migrate a scratch SQLite file to head, change
``adapters.sql.tables``, then let Alembic compare the two::

    from alembic import command
    from adapters.sql import open_database
    from adapters.sql.migrate import alembic_config
    database = open_database("sqlite:///var/scratch.db")
    with database.dialect.migrating() as connection:
        config = alembic_config(connection, batch=True)
        command.revision(config, "what changed", autogenerate=True)

and review the generated file under ``adapters/sql/migrations/versions``.
"""

from __future__ import annotations

import functools
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection

from adapters.sql.database import Database
from adapters.sql.errors import outages_as_unavailable

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(connection: Connection | None = None, *, batch: bool = False) -> Config:
    """Alembic's configuration for this service, running on ``connection``.

    ``batch``: write alterations as table rebuilds, for a database that
    cannot alter a table in place (``Dialect.alters_by_copy``).
    """
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("path_separator", "os")
    config.attributes["batch"] = batch
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade_to_head(database: Database) -> None:
    """Apply every migration the database lacks; a no-op when it is current.

    Safe to run from several processes at once: each waits for the
    database's migration lock (``Dialect.migrating``) and finds the work
    done by the one before it.
    """
    dialect = database.dialect
    with outages_as_unavailable(), dialect.migrating() as connection:
        command.upgrade(alembic_config(connection, batch=dialect.alters_by_copy), "head")


@functools.cache
def _head_revisions() -> frozenset[str]:
    return frozenset(ScriptDirectory.from_config(alembic_config()).get_heads())


def schema_is_current(database: Database) -> bool:
    """Whether the database has every migration applied; ``Unavailable`` if it does not answer.

    The two answers stay apart so that readiness can tell an operator which
    one to fix: start the database, or run ``chat-server migrate``.
    """
    if not database.dialect.exists():
        return False  # a SQLite file not made yet (or removed): migrating makes it
    with outages_as_unavailable(), database.connected() as connection:
        applied = frozenset(MigrationContext.configure(connection).get_current_heads())
    return applied == _head_revisions()
