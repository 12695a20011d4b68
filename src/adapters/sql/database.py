"""Opening a database: the one place that reads its URL and chooses its dialect."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import attrs
from sqlalchemy import Connection, Engine
from sqlalchemy.engine import make_url

from adapters.sql.dialect import Dialect
from adapters.sql.postgres import PostgresDialect
from adapters.sql.sqlite import SqliteDialect
from adapters.sql.unit_of_work import SqlUnitOfWork
from chat_domain.ports import UnitOfWork, Wakeups
from chat_domain.views import PageViews


@attrs.frozen
class Database:
    """An open database: its dialect, and the units of work over it."""

    dialect: Dialect

    @property
    def engine(self) -> Engine:
        return self.dialect.engine

    def uow(self) -> UnitOfWork:
        """A new unit of work (this method is a ``UnitOfWorkFactory``)."""
        return SqlUnitOfWork(self.dialect)

    @contextmanager
    def connected(self) -> Iterator[Connection]:
        """A connection outside any unit of work, taken as a unit of work takes it."""
        connection = self.dialect.connect()
        try:
            yield connection
        finally:
            self.dialect.disconnect(connection)

    def wakeups(self) -> Wakeups | None:
        """How the server processes on this database tell each other they wrote."""
        return self.dialect.wakeups()

    def page_views(self) -> PageViews | None:
        """The lists' pages, awaited on an event loop without a thread, where the
        database's driver can (PostgreSQL); None where it cannot (SQLite)."""
        return self.dialect.page_views()

    def connections_in_use(self) -> int:
        """Pooled connections checked out now (for the metrics)."""
        return self.dialect.connections_in_use()

    def dispose(self) -> None:
        """Close every pooled connection (at shutdown)."""
        self.dialect.dispose()


def open_database(url: str) -> Database:
    """A ``postgresql://`` (or ``postgres://``) or ``sqlite:///path`` database.

    Nothing connects yet: the first unit of work does.
    """
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend in ("postgresql", "postgres"):  # the second, as many hosts spell it
        return Database(PostgresDialect(parsed))
    if backend == "sqlite":
        return Database(SqliteDialect(parsed))
    raise ValueError(
        f"unsupported database URL scheme {parsed.drivername!r}:"
        " use postgresql://user@host/database or sqlite:///path/to/file.db"
    )
