"""PostgreSQL's hot statements: prepared once per connection, run on its psycopg2 cursor.

The writes are compiled once from their Core statements (built on the same
tables) to psycopg2's SQL and bind processors, then prepared on each pooled
connection and executed there, skipping SQLAlchemy's per-statement execution
machinery (docs/performance.md measured what that saves). Everything around
the cursor stays SQLAlchemy's: the pool, the deadlines (the wait callback is
psycopg2's own), the engine's cursor events, and the errors, which become
SQLAlchemy's (``IntegrityError``, or a ``DBAPIError`` that invalidates a lost
connection) so that ``errors`` translates them as any other.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, cast

import psycopg2
from sqlalchemy import Connection
from sqlalchemy.dialects.postgresql.psycopg2 import PGDialect_psycopg2
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler

Row = tuple[Any, ...]

_DIALECT = PGDialect_psycopg2(paramstyle="numeric_dollar")  # type: ignore[no-untyped-call]

_PREPARED = "chat_prepared"
"""Key, in a pooled connection's ``info``, of the names of the statements prepared on it."""


class PreparedStatement:
    """A Core statement compiled once for psycopg2, to be prepared on each connection.

    PostgreSQL plans a statement sent as text on every call; a prepared one
    is planned at first and then reuses its plan while it stays the better
    one. ``PREPARE`` holds the compiled SQL with its parameters' types (from
    the Core types), and ``EXECUTE`` passes the values as parameters.
    """

    def __init__(self, name: str, statement: ClauseElement) -> None:
        compiled = statement.compile(dialect=_DIALECT)
        assert isinstance(compiled, SQLCompiler)
        assert compiled.positiontup is not None
        self.name = name
        binds = [compiled.binds[key] for key in compiled.positiontup]
        types = ", ".join(str(bind.type.compile(dialect=_DIALECT)) for bind in binds)
        self.prepare = f"PREPARE {name} ({types}) AS {compiled.string}"
        arguments = ", ".join(
            f"%({key})s::{bind.type.compile(dialect=_DIALECT)}"
            for key, bind in zip(compiled.positiontup, binds, strict=True)
        )
        self.execute = f"EXECUTE {name} ({arguments})"
        # Literal values the statement carries itself (``position - 1``), then the caller's.
        self._defaults = {k: v for k, v in compiled.params.items() if v is not None}
        processors: dict[str, Callable[[Any], Any]] = {}
        for key, bind in zip(compiled.positiontup, binds, strict=True):
            processor = bind.type.dialect_impl(_DIALECT).bind_processor(_DIALECT)
            if processor is not None:
                processors[key] = processor
        self._processors = processors

    def bind(self, params: Mapping[str, Any]) -> dict[str, Any]:
        values = {**self._defaults, **params}
        for name, processor in self._processors.items():
            values[name] = processor(values.get(name))
        return values


def inline(element: ClauseElement) -> str:
    """``element`` as PostgreSQL's SQL, for a statement written as text around it."""
    return str(element.compile(dialect=_DIALECT))


def as_utc(value: datetime) -> datetime:
    """A time read on psycopg2's own cursor (with a fixed offset), in UTC."""
    return value.astimezone(UTC)


def run(
    connection: Connection, statement: PreparedStatement, params: Mapping[str, Any], *, begin: bool
) -> list[Row]:
    """Execute ``statement`` on ``connection``'s psycopg2 connection; its rows.

    ``begin`` opens the unit of work's transaction in the same round trip: one
    simple query with two statements, and PostgreSQL keeps the transaction
    that ``BEGIN`` opens after the query string ends. The
    first use on a connection prepares the statement first, in a round trip of
    its own (``PREPARE`` is not transactional: it outlives a rolled back
    transaction, and a connection is discarded with what was prepared on it).
    """
    info = connection.connection.info
    prepared: set[str] | None = info.get(_PREPARED)
    if prepared is None:
        prepared = info[_PREPARED] = set()
    if statement.name not in prepared:
        _execute(connection, statement.prepare, None)
        prepared.add(statement.name)
    sql = "BEGIN;" + statement.execute if begin else statement.execute
    return _execute(connection, sql, statement.bind(params))


def _execute(connection: Connection, sql: str, values: dict[str, Any] | None) -> list[Row]:
    dbapi_connection = connection.connection.dbapi_connection
    assert dbapi_connection is not None
    cursor = dbapi_connection.cursor()
    try:
        for before in connection.dispatch.before_cursor_execute:
            sql, values = before(connection, cursor, sql, values, None, False)
        cursor.execute(sql, values)
        rows = cast("list[Row]", cursor.fetchall() if cursor.description is not None else [])
        for after in connection.dispatch.after_cursor_execute:
            after(connection, cursor, sql, values, None, False)
        return rows
    except psycopg2.Error as error:
        raise _as_sqlalchemy_error(connection, cursor, error, sql, values) from error
    finally:
        with contextlib.suppress(psycopg2.Error):  # a lost connection's cursor is gone too
            cursor.close()


def _as_sqlalchemy_error(
    connection: Connection, cursor: Any, error: Any, sql: str, values: dict[str, Any] | None
) -> DBAPIError:
    dialect = connection.dialect
    lost = dialect.is_disconnect(error, connection.connection.dbapi_connection, cursor)
    if lost:
        # As SQLAlchemy does on a disconnect: the pool never hands it out again.
        connection.invalidate(error)
    wrapped = DBAPIError.instance(
        sql,
        values,
        error,
        dialect.loaded_dbapi.Error,
        connection_invalidated=lost,
        dialect=dialect,
    )
    assert isinstance(wrapped, DBAPIError)
    return wrapped
