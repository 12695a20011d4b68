"""Engines for the two supported databases, configured for this service.

PostgreSQL goes through psycopg2 with a bounded pool that checks connections
before use, so the service recovers by itself after a database restart, and
with a deadline on every wait for the server (``adapters.postgres_deadline``),
so an unreachable database is reported within seconds.

SQLite is a file in WAL mode (readers never wait for the writer), with
foreign keys enforced and a busy timeout. Python's sqlite3 module is told to
keep out of transaction control: SQLAlchemy emits ``BEGIN`` itself, and
``BEGIN IMMEDIATE`` for a connection marked with ``WRITE_TRANSACTION``, so a
writer takes the database's write lock before its first read and concurrent
writers queue for it instead of failing with "database is locked".
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from adapters import postgres_deadline
from chat_domain.errors import Unavailable

SQLITE_BUSY_TIMEOUT_MS = 10_000
"""How long a SQLite writer waits for another process's write before giving up."""

POSTGRES_POOL_TIMEOUT_S = 2
"""How long a request waits for a pooled connection before answering 503."""

WRITE_TRANSACTION = "chat_write_transaction"
"""Execution option: the transaction about to begin will write (SQLite: ``BEGIN IMMEDIATE``)."""


def create_engine_for(url: str) -> Engine:
    """An engine for a ``postgresql://`` or ``sqlite:///path`` URL; nothing connects yet."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend in ("postgresql", "postgres"):
        return _postgres_engine(parsed.set(drivername="postgresql+psycopg2"))
    if backend == "sqlite":
        return _sqlite_engine(parsed.set(drivername="sqlite+pysqlite"))
    raise ValueError(
        f"unsupported database URL scheme {parsed.drivername!r}:"
        " use postgresql://user@host/database or sqlite:///path/to/file.db"
    )


def _postgres_engine(url: URL) -> Engine:
    # Every wait on the server has a deadline (see adapters.postgres_deadline),
    # so an outage answers 503 within seconds instead of hanging on TCP.
    postgres_deadline.install()
    return create_engine(
        url,
        pool_size=10,
        max_overflow=10,
        pool_timeout=POSTGRES_POOL_TIMEOUT_S,
        pool_pre_ping=True,
        pool_recycle=3600,
        connect_args={
            "connection_factory": postgres_deadline.TimedConnection,
            "application_name": "chat-server",
        },
    )


def _sqlite_engine(url: URL) -> Engine:
    database = url.database
    if not database or database == ":memory:" or url.query.get("mode") == "memory":
        raise ValueError(
            "an in-memory SQLite database cannot be shared between connections;"
            " give a file path (sqlite:///var/chat.db), or run without a database URL"
            " to keep everything in memory"
        )
    Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, pool_size=8, max_overflow=8, pool_timeout=30)
    event.listen(engine, "connect", _configure_sqlite_connection)
    event.listen(engine, "begin", _begin_sqlite_transaction)
    return engine


def _configure_sqlite_connection(dbapi_connection: Any, _record: Any) -> None:
    # None: the driver emits no BEGIN of its own (see _begin_sqlite_transaction).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        # In WAL mode NORMAL cannot corrupt the file and keeps every commit
        # across a crash of the service; only a power loss may drop the last ones.
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
    finally:
        cursor.close()


def _begin_sqlite_transaction(connection: Connection) -> None:
    writes = connection.get_execution_options().get(WRITE_TRANSACTION, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")


def _is_lost_connection(error: DBAPIError) -> bool:
    if error.connection_invalidated or isinstance(error, InterfaceError):
        return True
    # SQLite reports a bad statement or a missing table as an OperationalError
    # too (SQLITE_ERROR): that is a bug or an unmigrated file, not an outage.
    code = getattr(error.orig, "sqlite_errorname", None)
    return isinstance(error, OperationalError) and code != "SQLITE_ERROR"


@contextmanager
def outages_as_unavailable() -> Iterator[None]:
    """Turn a lost, refused or exhausted database connection into ``Unavailable``."""
    try:
        yield
    except DBAPIError as error:
        if _is_lost_connection(error):
            raise Unavailable("the database cannot be reached; try again shortly") from error
        raise
    except PoolTimeoutError as error:
        raise Unavailable("the database is too busy to answer; try again shortly") from error
