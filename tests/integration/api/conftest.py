"""An HTTP client over the app, once per adapter, with a clock the test can set."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from adapters.memory import MemoryStore
from entrypoints.bootstrap import bootstrap
from entrypoints.http import create_app
from entrypoints.settings import Settings
from tests.fakes import SequentialIds, TickingClock

ADAPTERS = ["memory"]


@pytest.fixture
def clock() -> TickingClock:
    return TickingClock()


@pytest.fixture(params=ADAPTERS)
def client(request: pytest.FixtureRequest, clock: TickingClock) -> Iterator[TestClient]:
    chats = bootstrap(MemoryStore().unit_of_work, clock=clock, ids=SequentialIds())
    app = create_app(chats, settings=Settings(max_body_bytes=64 * 1024))
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client
