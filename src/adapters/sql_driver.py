"""PostgreSQL's hot statements, run on the pooled psycopg2 connection's own cursor.

The three writes (a send, a new chat, a new user) are one statement each.
Through SQLAlchemy's execution machinery (execution context, compiled cache
look-up, result wrapping: ~320 Python calls) one cost the worker ~210 µs of
CPU more than the same statement on a bare psycopg2 cursor, the larger part
of the gap between the product's writes and the benchmark's write ceiling.

So each is compiled once, from the Core statement built on the schema's
tables, to psycopg2's SQL with named parameters and the bind processors of
its parameters' types; ``run`` executes it on the unit of work's pooled
connection. Everything around the cursor stays as it was: the pool (and its
ping), the unit of work's transaction (``BEGIN`` still travels in the first
write's round trip), the deadlines (the wait callback is psycopg2's own),
the engine's cursor events (listeners still see every statement and its
parameters) and the errors, which become SQLAlchemy's (``IntegrityError``,
or a ``DBAPIError`` that invalidates a lost connection, as SQLAlchemy would)
so that ``outages_as_unavailable`` and the unique-key checks apply unchanged.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping
from typing import Any, cast

import psycopg2
from sqlalchemy import Connection
from sqlalchemy.dialects.postgresql.psycopg2 import PGDialect_psycopg2
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler

Row = tuple[Any, ...]

_DIALECT = PGDialect_psycopg2()  # type: ignore[no-untyped-call]


class DriverStatement:
    """A Core statement compiled once for psycopg2: its SQL and how to bind its parameters."""

    def __init__(self, statement: ClauseElement) -> None:
        compiled = statement.compile(dialect=_DIALECT)
        assert isinstance(compiled, SQLCompiler)
        self.sql = compiled.string
        # Literal values the statement carries itself (``position - 1``), then the caller's.
        self._defaults = {k: v for k, v in compiled.params.items() if v is not None}
        processors: dict[str, Callable[[Any], Any]] = {}
        for name, bind in compiled.binds.items():
            processor = bind.type.dialect_impl(_DIALECT).bind_processor(_DIALECT)
            if processor is not None:
                processors[name] = processor
        self._processors = processors

    def bind(self, params: Mapping[str, Any]) -> dict[str, Any]:
        values = {**self._defaults, **params}
        for name, processor in self._processors.items():
            if name in values:
                values[name] = processor(values[name])
        return values


def run(
    connection: Connection, statement: DriverStatement, params: Mapping[str, Any], *, begin: bool
) -> list[Row]:
    """Execute ``statement`` on ``connection``'s psycopg2 connection; its rows.

    ``begin`` opens the unit of work's transaction in the same round trip.
    """
    sql = "BEGIN;" + statement.sql if begin else statement.sql
    values = statement.bind(params)
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
    connection: Connection, cursor: Any, error: Any, sql: str, values: dict[str, Any]
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
