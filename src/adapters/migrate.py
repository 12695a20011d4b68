"""Bring a database's schema up to date, and tell whether it is.

Alembic is driven through its API with a configuration built here, so the
migrations work from any directory and from an installed package; there is
no alembic.ini. Each upgrade runs in one transaction (both PostgreSQL and, as
this service drives it, SQLite apply DDL transactionally), so a failed
upgrade leaves the schema as it was.

To write a new revision, migrate a scratch SQLite file to head, change
``adapters.orm``, then let Alembic compare the two::

    from alembic import command
    from adapters.migrate import alembic_config
    from adapters.sql import create_engine_for
    with create_engine_for("sqlite:///var/scratch.db").begin() as connection:
        command.revision(alembic_config(connection), "what changed", autogenerate=True)

and review the generated file under ``adapters/migrations/versions``.
"""

from __future__ import annotations

import functools
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, func, select

from adapters.postgres_deadline import without_deadlines
from adapters.sql_engine import WRITE_TRANSACTION, outages_as_unavailable, with_transactions

MIGRATIONS = Path(__file__).with_name("migrations")

_MIGRATION_LOCK = 0x63686174  # "chat": PostgreSQL advisory lock key held while migrating


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration for this service, running on ``connection``."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("path_separator", "os")
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade_to_head(engine: Engine) -> None:
    """Apply every migration the database lacks; a no-op when it is current.

    Safe to run from several processes at once: PostgreSQL ones queue on an
    advisory lock, SQLite ones on the database's write lock, and each finds
    the work done by the one before it.
    """
    # A migration may rebuild a large table or wait for another's lock.
    with (
        without_deadlines(),
        outages_as_unavailable(),
        with_transactions(engine.connect()) as connection,
    ):
        connection.execution_options(**{WRITE_TRANSACTION: True})
        with connection.begin():
            if connection.dialect.name == "postgresql":
                connection.execute(select(func.pg_advisory_xact_lock(_MIGRATION_LOCK)))
            command.upgrade(alembic_config(connection), "head")


@functools.cache
def _head_revisions() -> frozenset[str]:
    return frozenset(ScriptDirectory.from_config(alembic_config()).get_heads())


def schema_is_current(engine: Engine) -> bool:
    """Whether the database has every migration applied; ``Unavailable`` if it does not answer.

    The two answers stay apart so that readiness can tell an operator which
    one to fix: start the database, or run ``chat-server migrate``.
    """
    with outages_as_unavailable(), engine.connect() as connection:
        applied = frozenset(MigrationContext.configure(connection).get_current_heads())
    return applied == _head_revisions()
