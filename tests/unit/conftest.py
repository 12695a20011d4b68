from __future__ import annotations

import pytest

from adapters.memory import MemoryStore
from entrypoints.bootstrap import Chats, bootstrap
from tests.fakes import SequentialIds, TickingClock


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()


@pytest.fixture
def clock() -> TickingClock:
    return TickingClock()


@pytest.fixture
def chats(store: MemoryStore, clock: TickingClock) -> Chats:
    return bootstrap(store.unit_of_work, clock=clock, ids=SequentialIds())
