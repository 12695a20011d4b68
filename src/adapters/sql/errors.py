"""The one place where database errors become the domain's: outages and taken names."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Index
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from chat_domain.errors import Conflict, Unavailable


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
    """Whether ``error`` is a violation of the unique ``index``, on either database."""
    diag = getattr(error.orig, "diag", None)
    if diag is not None:  # psycopg2 names the index
        return bool(diag.constraint_name == index.name)
    # SQLite names the columns: "UNIQUE constraint failed: users.username_key".
    columns = ", ".join(f"{column.table.name}.{column.name}" for column in index.columns)
    return str(error.orig) == f"UNIQUE constraint failed: {columns}"
