"""An HTTP client over the app, once per adapter, with a clock the test can set."""

from __future__ import annotations

import functools
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from adapters.memory import MemoryStore
from adapters.sql.migrate import schema_is_current, upgrade_to_head
from entrypoints.bootstrap import bootstrap, open_database
from entrypoints.http import create_app
from entrypoints.settings import Settings
from tests.fakes import SequentialIds, TickingClock

# Small enough that tests of the limit send little.
MAX_BODY_BYTES = 64 * 1024


@pytest.fixture
def clock() -> TickingClock:
    return TickingClock()


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file at the head of the migrations, to copy for each test."""
    path = tmp_path_factory.mktemp("template") / "chat.db"
    database = open_database(f"sqlite:///{path}")
    try:
        upgrade_to_head(database)
    finally:
        database.dispose()
    return path


@pytest.fixture(params=["memory", "sqlite"])
def client(
    request: pytest.FixtureRequest, clock: TickingClock, tmp_path: Path, migrated_sqlite: Path
) -> Iterator[TestClient]:
    settings = Settings(max_body_bytes=MAX_BODY_BYTES)
    ids = SequentialIds()
    if request.param == "memory":
        app = create_app(
            bootstrap(MemoryStore().unit_of_work, clock=clock, ids=ids), settings=settings
        )
    else:
        path = shutil.copy(migrated_sqlite, tmp_path / "chat.db")
        database = open_database(f"sqlite:///{path}")
        chats = bootstrap(database.uow, clock=clock, ids=ids)
        ready = functools.partial(schema_is_current, database)
        app = create_app(chats, settings=settings, ready=ready, shutdown=database.dispose)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client
