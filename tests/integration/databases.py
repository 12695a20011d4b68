"""Throwaway databases for the tests: probing the PostgreSQL server, creating and emptying."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import Engine, NullPool, create_engine, delete, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError

from adapters.sql.tables import metadata

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/postgres"

SQL_BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
"""Parameters for a fixture over both SQL databases (``<name>_database_url`` fixtures)."""


def postgres_admin_url() -> URL:
    """The server the tests may create databases on (``CHAT_TEST_DATABASE_URL``)."""
    return make_url(os.environ.get("CHAT_TEST_DATABASE_URL", DEFAULT_POSTGRES_URL))


def postgres_required() -> bool:
    return os.environ.get("CHAT_REQUIRE_POSTGRES", "") not in ("", "0")


def _admin_engine(url: URL) -> Engine:
    return create_engine(
        url.set(drivername="postgresql+psycopg2"),
        isolation_level="AUTOCOMMIT",
        poolclass=NullPool,
        connect_args={"connect_timeout": 3},
    )


def postgres_problem(url: URL) -> str | None:
    """Why the server at ``url`` cannot be used, in one line; None when it answers."""
    engine = _admin_engine(url)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except DBAPIError as error:
        reason = str(error.orig).strip().splitlines()
        return reason[0] if reason else type(error.orig).__name__
    finally:
        engine.dispose()
    return None


TEST_DATABASE_PREFIX = "chat_test_"
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", None})


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def drop_abandoned_test_databases(admin_url: URL) -> list[str]:
    """Drop test databases whose test run was killed before it could drop them.

    Names carry the creating process's id; on a server on this machine a
    database whose process is gone belongs to nobody. A remote server's
    databases may belong to runs elsewhere, so they are left alone.
    """
    if admin_url.host not in LOCAL_HOSTS:
        return []
    engine = _admin_engine(admin_url)
    dropped: list[str] = []
    try:
        with engine.connect() as connection:
            names = connection.execute(
                text("SELECT datname FROM pg_database WHERE datname LIKE :pattern"),
                {"pattern": TEST_DATABASE_PREFIX + "%"},
            ).scalars()
            for name in list(names):
                pid = name.removeprefix(TEST_DATABASE_PREFIX).split("_", 1)[0]
                if pid.isdigit() and not _process_alive(int(pid)):
                    quoted = engine.dialect.identifier_preparer.quote(name)
                    connection.execute(text(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)"))
                    dropped.append(name)
    finally:
        engine.dispose()
    return dropped


@contextmanager
def throwaway_postgres_database(admin_url: URL) -> Iterator[str]:
    """A new, empty database on the server, dropped (with its connections) afterwards."""
    name = f"{TEST_DATABASE_PREFIX}{os.getpid()}_{secrets.token_hex(4)}"
    engine = _admin_engine(admin_url)
    quoted = engine.dialect.identifier_preparer.quote(name)
    try:
        with engine.connect() as connection:
            connection.execute(text(f"CREATE DATABASE {quoted}"))
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with engine.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)"))
        engine.dispose()


def clear_tables(engine: Engine) -> None:
    """Delete every row (faster than TRUNCATE for the few rows a test leaves)."""
    with engine.begin() as connection:
        for table in reversed(metadata.sorted_tables):
            connection.execute(delete(table))
