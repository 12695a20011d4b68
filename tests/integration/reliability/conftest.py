"""An ``Api`` over each adapter for the reliability tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.reliability.client import Api, memory_api


@pytest.fixture
def api() -> Iterator[Api]:
    with memory_api() as client:
        yield client
