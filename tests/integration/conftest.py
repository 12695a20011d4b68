"""Databases for integration tests: every adapter, each test starting empty.

Fixtures (reuse them; PostgreSQL ones carry the ``postgres`` marker through
their parameters, or mark the test ``@pytest.mark.postgres`` yourself):

``database_url``
    A migrated, empty database's URL, parametrised over ``sqlite`` (a new file
    in a temporary directory) and ``postgresql`` (the session's throwaway database,
    emptied before the test).
``database``
    ``database_url`` opened with ``entrypoints.bootstrap.open_database``,
    disposed after the test.
``uow_factory``
    A unit-of-work factory, parametrised over ``memory``, ``sqlite`` and
    ``postgresql``: the one fixture a contract test needs.
``chats``
    The use cases (``entrypoints.bootstrap.bootstrap``) over ``uow_factory``,
    with ``tests.fakes.SequentialIds`` and the ``clock`` fixture, a
    ``TickingClock`` a test may set.
``sqlite_database_url`` / ``postgresql_database_url``
    One backend of ``database_url`` each, for tests about that backend only.
``empty_sqlite_url`` / ``empty_postgresql_url``
    A database nothing has touched, not even migrations (the PostgreSQL one
    is created for the test and dropped after it).
``postgresql_server``
    The server's admin URL (``CHAT_TEST_DATABASE_URL``, by default
    ``postgresql://postgres@127.0.0.1:5432/postgres``). When no server
    answers, every test needing it skips with one line saying why, or fails
    when ``CHAT_REQUIRE_POSTGRES=1`` (as CI sets it).

``tests.integration.databases`` holds the plain helpers behind these
(``SQL_BACKENDS`` to parametrise your own fixture the same way,
``throwaway_postgres_database``, ``clear_tables``).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.engine import URL

from adapters.memory import MemoryStore
from adapters.sql import Database, open_database
from adapters.sql.migrate import upgrade_to_head
from chat_domain.ports import UnitOfWorkFactory
from entrypoints.bootstrap import Chats, bootstrap
from tests.fakes import SequentialIds, TickingClock
from tests.integration.databases import (
    SQL_BACKENDS,
    clear_tables,
    drop_abandoned_test_databases,
    postgres_admin_url,
    postgres_problem,
    postgres_required,
    throwaway_postgres_database,
)


@pytest.fixture(scope="session")
def postgresql_server() -> URL:
    url = postgres_admin_url()
    problem = postgres_problem(url)
    if problem is not None:
        where = url.render_as_string(hide_password=True)
        if postgres_required():
            pytest.fail(
                f"CHAT_REQUIRE_POSTGRES=1 but PostgreSQL at {where} does not answer: {problem}"
            )
        pytest.skip(f"no PostgreSQL answers at {where} ({problem}); set CHAT_TEST_DATABASE_URL")
    drop_abandoned_test_databases(url)
    return url


@pytest.fixture(scope="session")
def _postgresql_session_database(postgresql_server: URL) -> Iterator[Database]:
    with throwaway_postgres_database(postgresql_server) as url:
        database = open_database(url)
        upgrade_to_head(database)
        yield database
        database.dispose()


@pytest.fixture
def postgresql_database_url(_postgresql_session_database: Database) -> str:
    clear_tables(_postgresql_session_database.engine)
    return _postgresql_session_database.engine.url.render_as_string(hide_password=False)


@pytest.fixture
def empty_postgresql_url(postgresql_server: URL) -> Iterator[str]:
    with throwaway_postgres_database(postgresql_server) as url:
        yield url


@pytest.fixture
def empty_sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('sqlite')}/chat.db"


@pytest.fixture
def sqlite_database_url(empty_sqlite_url: str) -> str:
    database = open_database(empty_sqlite_url)
    upgrade_to_head(database)
    database.dispose()
    return empty_sqlite_url


@pytest.fixture(params=SQL_BACKENDS)
def database_url(request: pytest.FixtureRequest) -> str:
    url: str = request.getfixturevalue(f"{request.param}_database_url")
    return url


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    database = open_database(database_url)
    yield database
    database.dispose()


@pytest.fixture
def clock() -> TickingClock:
    return TickingClock()


@pytest.fixture
def chats(uow_factory: UnitOfWorkFactory, clock: TickingClock) -> Chats:
    return bootstrap(uow_factory, clock=clock, ids=SequentialIds())


@pytest.fixture(params=["memory", *SQL_BACKENDS])
def uow_factory(request: pytest.FixtureRequest) -> Iterator[UnitOfWorkFactory]:
    if request.param == "memory":
        yield MemoryStore().unit_of_work
        return
    database = open_database(request.getfixturevalue(f"{request.param}_database_url"))
    yield database.uow
    database.dispose()
