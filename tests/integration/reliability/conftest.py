"""An ``Api`` over the HTTP app for the reliability tests.

``api`` is in memory, for what the HTTP layer alone decides (parsing, limits);
``stored_api`` runs over memory, SQLite and PostgreSQL, for what must come
back from storage exactly as sent.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.reliability.client import Api, database_api, memory_api

BACKENDS = ["memory", "sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture
def api() -> Iterator[Api]:
    with memory_api() as client:
        yield client


@pytest.fixture(params=BACKENDS)
def stored_api(request: pytest.FixtureRequest) -> Iterator[Api]:
    if request.param == "memory":
        with memory_api() as client:
            yield client
        return
    url: str = request.getfixturevalue(f"{request.param}_database_url")
    with database_api(url) as client:
        yield client
