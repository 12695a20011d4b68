"""A server process's app, as ``chat-server serve`` builds it in each worker."""

from __future__ import annotations

import gc

import pytest
from starlette.testclient import TestClient

from entrypoints import bootstrap
from entrypoints.settings import Settings


def test_a_worker_keeps_what_it_built_out_of_the_collector_s_walks(
    sqlite_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The test process's own logging stays as pytest set it up.
    monkeypatch.setattr(bootstrap, "configure_logging", lambda level, fmt: None)
    gc.unfreeze()
    try:
        app = bootstrap.worker_app(Settings(database_url=sqlite_database_url))
        assert gc.get_freeze_count() > 0
        with TestClient(app) as client:
            assert client.post("/users/add", json={"username": "ann"}).status_code == 201
    finally:
        gc.unfreeze()
