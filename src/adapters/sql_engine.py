"""Engines for the two supported databases, configured for this service.

PostgreSQL goes through psycopg2 with a bounded pool that checks connections
before use (``_closed_by_server``), so the service recovers by itself after a
database restart, and
with a deadline on every wait for the server (``adapters.postgres_deadline``),
so an unreachable database is reported within seconds.

SQLite is a file in WAL mode (other processes read while one writes), with
foreign keys enforced and a busy timeout. Python's sqlite3 module is told to
keep out of transaction control: SQLAlchemy emits ``BEGIN`` itself, and
``BEGIN IMMEDIATE`` for a connection marked with ``WRITE_TRANSACTION``, so a
writer takes the database's write lock before its first read and concurrent
writers queue for it instead of failing with "database is locked".
"""

from __future__ import annotations

import select
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg2.extensions
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, ExecutionContext, make_url
from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from adapters import postgres_deadline
from chat_domain.errors import Unavailable

SQLITE_BUSY_TIMEOUT_MS = 10_000
"""How long a SQLite writer waits for another process's write before giving up."""

POSTGRES_POOL_TIMEOUT_S = 2
"""How long a request waits for a pooled connection before answering 503."""

POOL_SIZE = 20
"""Connections each server process keeps: as many as its thread pool uses at once.

There is no overflow beyond it: an overflow connection is closed when it is
returned, so under load every request past the pool would connect anew (the
benchmark found ``connect`` in 6% of a loaded server's samples). Requests
past the pool wait for a connection instead, within the pool timeout.
"""

BEGIN_FIRST = "chat_begin_first"
"""Execution option (PostgreSQL, on an autocommit connection): open a transaction
with this statement. ``BEGIN;`` is sent in front of it, in the same round trip;
the transaction then stays open until an explicit ``COMMIT`` or ``ROLLBACK``."""

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
    engine = create_engine(
        url,
        pool_size=POOL_SIZE,
        max_overflow=0,
        pool_timeout=POSTGRES_POOL_TIMEOUT_S,
        # The unit of work opens its own transactions (BEGIN_FIRST); set here
        # rather than per checkout, which costs two SET round trips each time.
        isolation_level="AUTOCOMMIT",
        # Nothing to roll back on an autocommit connection; a unit of work
        # ends its own transaction or invalidates the connection (adapters.sql).
        pool_reset_on_return=None,
        # Checked on checkout by _closed_by_server, instead of pool_pre_ping's round trip.
        pool_recycle=3600,
        connect_args={
            "connection_factory": postgres_deadline.TimedConnection,
            "application_name": "chat-server",
        },
    )
    event.listen(engine, "connect", _uuids_as_text)
    event.listen(engine, "checkout", _closed_by_server)
    event.listen(engine, "before_cursor_execute", _begin_first, retval=True)
    return engine


def _closed_by_server(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    """Refuse a pooled connection the server has closed; the pool connects anew.

    A connection the server ended (a restart, an administrator, an idle
    timeout) has its goodbye, or the end of the stream, waiting on its socket;
    an idle healthy one has nothing to read. Looking costs a ``select``, where
    ``pool_pre_ping``'s ``SELECT 1`` cost a round trip on every request (half
    of a write's round trips, and a tenth of its CPU on both sides). A
    connection that went silent (a partition) is not seen here: its statement
    meets its deadline instead (``postgres_deadline``) and answers 503.
    """
    try:
        readable, _, _ = select.select([dbapi_connection.fileno()], [], [], 0)
    except (psycopg2.Error, OSError, ValueError):
        readable = [True]
    if dbapi_connection.closed or readable:
        raise DisconnectionError("the database closed this connection")


def with_transactions(connection: Connection) -> Connection:
    """``connection`` with SQLAlchemy's own transactions (``connection.begin()``).

    PostgreSQL connections are in autocommit, for the unit of work, which
    begins and ends its transactions itself; anything else that needs a
    transaction (a migration) asks for one here.
    """
    if connection.dialect.name == "postgresql":
        connection.execution_options(isolation_level="READ COMMITTED")
    return connection


def _begin_first(  # noqa: PLR0917 (the signature is SQLAlchemy's event)
    connection: Connection,
    cursor: Any,
    statement: str,
    parameters: Any,
    context: ExecutionContext | None,
    executemany: bool,
) -> tuple[str, Any]:
    if context is None or not context.execution_options.get(BEGIN_FIRST):
        return statement, parameters
    if executemany:  # a statement run once per row cannot carry it
        cursor.execute("BEGIN")
        return statement, parameters
    # One simple query with two statements: PostgreSQL keeps the transaction
    # that BEGIN opens after the query string ends.
    return "BEGIN;" + statement, parameters


# PostgreSQL's uuid and uuid[] types (oids 2950, 2951), read as the text they arrive as.
_UUID_AS_TEXT = psycopg2.extensions.new_type((2950,), "UUID_AS_TEXT", lambda value, _cur: value)
_UUIDS_AS_TEXT = psycopg2.extensions.new_array_type((2951,), "UUID_ARRAY_AS_TEXT", _UUID_AS_TEXT)


def _uuids_as_text(dbapi_connection: Any, _record: Any) -> None:
    # SQLAlchemy's dialect makes psycopg2 build a uuid.UUID for every id read,
    # which Uuid(as_uuid=False) turns straight back into the same string: a
    # third of a 1,000-chat list's time. The canonical text is the answer.
    psycopg2.extensions.register_type(_UUID_AS_TEXT, dbapi_connection)
    psycopg2.extensions.register_type(_UUIDS_AS_TEXT, dbapi_connection)


def _sqlite_engine(url: URL) -> Engine:
    database = url.database
    if not database or database == ":memory:" or url.query.get("mode") == "memory":
        raise ValueError(
            "an in-memory SQLite database cannot be shared between connections;"
            " give a file path (sqlite:///var/chat.db), or run without a database URL"
            " to keep everything in memory"
        )
    Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, pool_size=POOL_SIZE, max_overflow=0, pool_timeout=30)
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
