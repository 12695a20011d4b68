"""When the database is away or the code has a bug: 503 and 500, as the contract says."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest
from starlette.testclient import TestClient

from chat_domain.errors import Unavailable
from chat_domain.ports import UnitOfWork
from entrypoints.bootstrap import bootstrap
from entrypoints.http import create_app
from entrypoints.settings import Settings
from tests.integration.api.calls import problem


def _client_failing_with(error: Exception, *, debug: bool = False) -> TestClient:
    def broken_unit_of_work() -> UnitOfWork:
        raise error

    app = create_app(bootstrap(broken_unit_of_work), settings=Settings(debug=debug))
    return TestClient(app, raise_server_exceptions=False)


def test_unavailable_database_is_503_with_retry_after() -> None:
    with _client_failing_with(Unavailable("the database cannot be reached")) as client:
        answer = client.post("/users/add", json={"username": "alice"})
    body = problem(answer, 503, "unavailable")
    assert int(answer.headers["retry-after"]) > 0
    assert body["field"] is None


def test_a_bug_is_500_internal_without_a_stack_trace(caplog: pytest.LogCaptureFixture) -> None:
    with _client_failing_with(RuntimeError("secret internals")) as client:
        answer = client.post(
            "/users/add", json={"username": "alice"}, headers={"x-request-id": "r-1"}
        )
    body = problem(answer, 500, "internal")
    assert "secret" not in answer.text
    assert "Traceback" not in answer.text
    assert "traceback" not in body
    assert "r-1" in body["detail"]
    assert answer.headers["x-request-id"] == "r-1"
    logged = [r for r in caplog.records if r.name == "chat.errors"]
    assert len(logged) == 1
    assert logged[0].exc_info is not None
    assert "r-1" in logged[0].getMessage()


def test_debug_mode_shows_the_stack_trace_in_500_answers() -> None:
    with _client_failing_with(RuntimeError("look here"), debug=True) as client:
        answer = client.post("/chats/get", json={"user": "0193a5c4-6b2e-7cf1-9d4e-3a1f2b7c8d90"})
    body = problem(answer, 500, "internal")
    assert any("look here" in line for line in body["traceback"])


def _raise_connection_refused() -> bool:
    raise ConnectionRefusedError("no database here")


@pytest.mark.parametrize(
    ("ready", "needle"),
    [(lambda: False, "migrate"), (_raise_connection_refused, "does not answer")],
    ids=["schema-behind", "database-down"],
)
def test_ready_is_503_until_the_database_answers_at_head(
    ready: Callable[[], bool], needle: str
) -> None:
    app = create_app(bootstrap(), settings=Settings(), ready=ready)
    with TestClient(app) as client:
        answer = client.get("/health/ready")
        body = problem(answer, 503, "unavailable")
        assert needle in body["detail"]
        assert client.get("/health/live").status_code == 200


def test_shutdown_runs_once_when_the_server_stops() -> None:
    calls: list[str] = []
    app = create_app(bootstrap(), settings=Settings(), shutdown=lambda: calls.append("closed"))
    with TestClient(app) as client:
        assert client.get("/health/ready").json() == {"status": "ready"}
        assert calls == []
    assert calls == ["closed"]


def test_unhandled_errors_are_logged_once_with_their_request(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    with _client_failing_with(KeyError("boom")) as client:
        client.post("/users/add", json={"username": "alice"})
    access = [r for r in caplog.records if r.name == "chat.access"]
    assert [(r.__dict__["status"], r.__dict__["path"]) for r in access] == [(500, "/users/add")]
