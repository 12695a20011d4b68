"""``GET /metrics`` on the real app: requests, latency, errors and the pool, across workers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest
from sqlalchemy import QueuePool

from entrypoints.bootstrap import open_database
from entrypoints.metrics import Metrics
from tests.integration.live.server import free_port, migrate, start_server
from tests.integration.reliability.client import Api, serving, sql_snapshot
from tests.prometheus_text import samples, value

REQUESTS = "chat_http_requests_total"


@pytest.fixture
def measured(sqlite_database_url: str) -> Iterator[Api]:
    database = open_database(sqlite_database_url)
    pool = database.engine.pool
    assert isinstance(pool, QueuePool)
    metrics = Metrics(pool_in_use=pool.checkedout)
    try:
        with serving(database.uow, lambda: sql_snapshot(database.engine), metrics=metrics) as api:
            yield api
    finally:
        database.dispose()


def test_metrics_count_requests_latency_errors_and_pool(measured: Api) -> None:
    alice = measured.add_user("alice")
    measured.add_user("bob")
    measured.post("/users/add", {"username": "ALICE"})
    measured.post("/chats/get", {"user": alice})
    measured.post_raw("/messages/get", b"{")
    measured.http.get(f"/users/{alice}")

    answer = measured.http.get("/metrics")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    found = samples(answer.text)
    assert value(found, REQUESTS, path="/users/add", method="POST", status="201") == 2
    assert value(found, REQUESTS, path="/users/add", method="POST", status="409") == 1
    assert value(found, REQUESTS, path="/chats/get", method="POST", status="200") == 1
    assert value(found, REQUESTS, path="/messages/get", method="POST", status="400") == 1
    # An unknown path (here holding an id) never becomes a label of its own.
    assert value(found, REQUESTS, path="other", method="GET", status="404") == 1
    assert not [labels for name, labels in found if alice in str(labels)]
    latency = "chat_http_request_duration_seconds_count"
    assert value(found, latency, path="/users/add", method="POST") == 3
    errors = "chat_http_errors_total"
    assert value(found, errors, code="username_taken") == 1
    assert value(found, errors, code="invalid_json") == 1
    assert value(found, errors, code="not_found") == 1
    assert ("chat_db_pool_connections_in_use", frozenset()) in found
    assert value(found, "chat_db_pool_connections_in_use") == 0


@pytest.mark.timeout(120)
def test_workers_report_the_whole_servers_counts(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'chat.db'}"
    migrate(url, tmp_path)
    server = start_server(url, tmp_path, "--workers", "2")
    try:
        with server.client() as client:
            for n in range(20):
                assert client.post("/users/add", json={"username": f"u{n}"}).status_code == 201
        # Each scrape on a new connection, so different workers answer them.
        for _ in range(6):
            text = httpx2.get(f"{server.url}/metrics", timeout=10).text
            found = samples(text)
            assert value(found, REQUESTS, path="/users/add", method="POST", status="201") == 20
            assert value(found, "chat_db_pool_connections_in_use") == 0
    finally:
        assert server.stop()


@pytest.mark.timeout(120)
@pytest.mark.parametrize("workers", ["1", "2"])
def test_metrics_port_serves_metrics_apart_from_the_public_listener(
    tmp_path: Path, workers: str
) -> None:
    url = f"sqlite:///{tmp_path / 'chat.db'}"
    migrate(url, tmp_path)
    operators = free_port()
    server = start_server(url, tmp_path, WORKERS=workers, METRICS_PORT=str(operators))
    operator_url = f"http://127.0.0.1:{operators}"
    try:
        with server.client() as client:
            assert client.post("/users/add", json={"username": "u"}).status_code == 201
            public_metrics = client.get("/metrics")
            assert public_metrics.status_code == 404
            assert public_metrics.json()["code"] == "not_found"
            assert client.get("/health/ready").status_code == 200
        text = httpx2.get(f"{operator_url}/metrics", timeout=10).text
        assert value(samples(text), REQUESTS, path="/users/add", method="POST", status="201") == 1
        assert httpx2.get(f"{operator_url}/health/ready", timeout=10).status_code == 200
        api_there = httpx2.post(f"{operator_url}/users/add", json={"username": "v"}, timeout=10)
        assert api_there.status_code == 404
    finally:
        assert server.stop()
