"""The PostgreSQL engine: psycopg2, a bounded pool, and a deadline on every wait.

The pool checks a connection's socket on checkout (``_closed_by_server``), so
the service recovers by itself after a database restart; every wait for the
server has a deadline (``deadline``), so an unreachable database is reported
within seconds. Connections are in autocommit: the unit of work begins and
ends its write transactions itself (``dialect``).
"""

from __future__ import annotations

import select
from typing import Any

import psycopg2.extensions
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL
from sqlalchemy.exc import DisconnectionError

from adapters.sql.dialect import POOL_SIZE
from adapters.sql.postgres import deadline

POOL_TIMEOUT_S = 2
"""How long a request waits for a pooled connection before answering 503."""


def postgres_engine(url: URL) -> Engine:
    """An engine for ``url`` (a ``postgresql+psycopg2`` URL); nothing connects yet."""
    deadline.install()
    engine = create_engine(
        url,
        pool_size=POOL_SIZE,
        max_overflow=0,
        pool_timeout=POOL_TIMEOUT_S,
        # Set here rather than per checkout, which costs two SET round trips each time.
        isolation_level="AUTOCOMMIT",
        # Nothing to roll back on an autocommit connection; a unit of work
        # ends its own transaction or invalidates the connection.
        pool_reset_on_return=None,
        # Checked on checkout by _closed_by_server, instead of pool_pre_ping's round trip.
        pool_recycle=3600,
        connect_args={
            "connection_factory": deadline.TimedConnection,
            "application_name": "chat-server",
        },
    )
    event.listen(engine, "connect", _uuids_as_text)
    event.listen(engine, "checkout", _closed_by_server)
    return engine


def _closed_by_server(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    """Refuse a pooled connection the server has closed; the pool connects anew.

    A connection the server ended (a restart, an administrator, an idle
    timeout) has its goodbye, or the end of the stream, waiting on its socket;
    an idle healthy one has nothing to read, and looking costs a ``select``
    rather than a ping's round trip. A connection that went silent (a
    partition) is not seen here: its statement meets its deadline instead.
    """
    try:
        readable, _, _ = select.select([dbapi_connection.fileno()], [], [], 0)
    except (psycopg2.Error, OSError, ValueError):
        readable = [True]
    if dbapi_connection.closed or readable:
        raise DisconnectionError("the database closed this connection")


# PostgreSQL's uuid and uuid[] types (oids 2950, 2951), read as the text they arrive as.
_UUID_AS_TEXT = psycopg2.extensions.new_type((2950,), "UUID_AS_TEXT", lambda value, _cur: value)
_UUIDS_AS_TEXT = psycopg2.extensions.new_array_type((2951,), "UUID_ARRAY_AS_TEXT", _UUID_AS_TEXT)


def _uuids_as_text(dbapi_connection: Any, _record: Any) -> None:
    # psycopg2 would build a uuid.UUID for every id read, which Uuid(as_uuid=False)
    # turns straight back into the same string; the canonical text is the answer.
    psycopg2.extensions.register_type(_UUID_AS_TEXT, dbapi_connection)
    psycopg2.extensions.register_type(_UUIDS_AS_TEXT, dbapi_connection)
