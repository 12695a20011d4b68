from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.live.server import ServerProcess, migrate, start_server


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """One real server over a SQLite file, shared by the tests that only talk to it."""
    home: Path = tmp_path_factory.mktemp("live")
    url = f"sqlite:///{home / 'chat.db'}"
    migrate(url, home)
    server = start_server(url, home)
    yield server
    server.stop()
