"""Fixtures for the HTTP-level reliability tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.api import Api, memory_api


@pytest.fixture
def api() -> Iterator[Api]:
    with memory_api() as client:
        yield client
