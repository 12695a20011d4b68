"""The SQLite engine: a file in WAL mode, with foreign keys and a busy timeout.

WAL lets other processes read while one writes. Python's sqlite3 module is
told to keep out of transaction control: SQLAlchemy emits ``BEGIN`` itself,
and ``BEGIN IMMEDIATE`` for a connection marked with ``WRITE_TRANSACTION``,
so a writer takes the database's write lock before its first read and
concurrent writers queue for it instead of failing with "database is locked".
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL

from adapters.sql.dialect import POOL_SIZE

BUSY_TIMEOUT_MS = 10_000
"""How long a writer waits for another process's write before giving up."""

WRITE_TRANSACTION = "chat_write_transaction"
"""Execution option: the transaction about to begin will write (``BEGIN IMMEDIATE``)."""


def sqlite_engine(url: URL) -> Engine:
    """An engine for a SQLite file (its folder is made if missing); nothing connects yet."""
    database = url.database
    if not database or database == ":memory:" or url.query.get("mode") == "memory":
        raise ValueError(
            "an in-memory SQLite database cannot be shared between connections;"
            " give a file path (sqlite:///var/chat.db), or run without a database URL"
            " to keep everything in memory"
        )
    Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, pool_size=POOL_SIZE, max_overflow=0, pool_timeout=30)
    event.listen(engine, "connect", _configure_connection)
    event.listen(engine, "begin", _begin)
    return engine


def _configure_connection(dbapi_connection: Any, _record: Any) -> None:
    # None: the driver emits no BEGIN of its own (see _begin).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        # In WAL mode NORMAL cannot corrupt the file and keeps every commit
        # across a crash of the service; only a power loss may drop the last ones.
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
    finally:
        cursor.close()


def _begin(connection: Connection) -> None:
    writes = connection.get_execution_options().get(WRITE_TRANSACTION, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")
