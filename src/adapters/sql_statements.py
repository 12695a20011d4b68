"""What the SQL repositories share: the statement runner they are given, and helpers."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, Protocol

from sqlalchemy import CursorResult, Executable, Index, Table, insert
from sqlalchemy.exc import IntegrityError

from adapters.sql_driver import DriverStatement, Row
from chat_domain.errors import Conflict

Params = Mapping[str, Any] | Sequence[Mapping[str, Any]]


class Statements(Protocol):
    @property
    def dialect_name(self) -> str: ...

    def execute(
        self, statement: Executable, params: Params | None = None, *, write: bool = False
    ) -> CursorResult[Any]:
        """Run ``statement`` in the unit of work's transaction; ``write`` if it writes."""

    def execute_driver(
        self, statement: DriverStatement, params: Mapping[str, Any], *, write: bool = False
    ) -> list[Row]:
        """PostgreSQL: ``execute`` on the driver's cursor (``adapters.sql_driver``); its rows."""


def insert_unique(
    db: Statements,
    table: Table,
    row: Params,
    index: Index,
    taken: Conflict,
    *,
    write: bool = True,
) -> CursorResult[Any]:
    """Insert ``row``; raise ``taken`` if that breaks the unique ``index`` (another writer won).

    ``write`` is passed on to ``Statements.execute``.
    """
    with conflicts_as(taken, index):
        return db.execute(insert(table), row, write=write)


@contextmanager
def conflicts_as(taken: Conflict, index: Index) -> Iterator[None]:
    """Raise ``taken`` for a violation of the unique ``index`` (another writer won)."""
    try:
        yield
    except IntegrityError as error:
        if violates(error, index):
            raise taken from None
        raise


def violates(error: IntegrityError, index: Index) -> bool:
    """Whether ``error`` is a violation of the unique ``index`` (PostgreSQL or SQLite)."""
    diag = getattr(error.orig, "diag", None)
    if diag is not None:  # psycopg2 names the index
        return bool(diag.constraint_name == index.name)
    # SQLite names the columns: "UNIQUE constraint failed: users.username_key".
    columns = ", ".join(f"{column.table.name}.{column.name}" for column in index.columns)
    return str(error.orig) == f"UNIQUE constraint failed: {columns}"


_ID_BATCH = 500
"""Ids per ``IN (...)`` list: a chat's members are unlimited, bound parameters are not."""


def batches(ids: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(ids), _ID_BATCH):
        yield ids[start : start + _ID_BATCH]
