"""What operators see: health checks, request ids, access logs and the host check."""

from __future__ import annotations

import json
import logging

import pytest
from starlette.testclient import TestClient

from entrypoints.bootstrap import bootstrap
from entrypoints.http import create_app
from entrypoints.logs import JsonFormatter
from entrypoints.settings import Settings
from tests.integration.api.calls import problem


def test_live_and_ready_answer_200_json(client: TestClient) -> None:
    for path, status in (("/health/live", "live"), ("/health/ready", "ready")):
        answer = client.get(path)
        assert (answer.status_code, answer.json()) == (200, {"status": status})


def test_request_id_is_echoed_when_sent_and_made_when_not(client: TestClient) -> None:
    sent = client.get("/health/live", headers={"x-request-id": "trace-42"})
    assert sent.headers["x-request-id"] == "trace-42"
    made = {client.get("/health/live").headers["x-request-id"] for _ in range(3)}
    assert len(made) == 3
    assert all(len(request_id) == 32 for request_id in made)


@pytest.mark.parametrize("unsafe", ["has space", "x" * 129, "line\tbreak"])
def test_unsafe_request_ids_are_replaced(client: TestClient, unsafe: str) -> None:
    answer = client.get("/health/live", headers={"x-request-id": unsafe})
    assert answer.headers["x-request-id"] != unsafe


def test_error_answers_carry_the_request_id_too(client: TestClient) -> None:
    answer = client.post("/nowhere", headers={"x-request-id": "r-404"})
    problem(answer, 404, "not_found")
    assert answer.headers["x-request-id"] == "r-404"


def test_one_access_line_per_request(client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="chat.access")
    client.post("/users/add", json={"username": "alice"}, headers={"x-request-id": "abc"})
    client.post("/users/add", json={"username": "alice"})
    lines = [r for r in caplog.records if r.name == "chat.access"]
    assert len(lines) == 2
    first = lines[0].getMessage()
    assert first.startswith("POST /users/add 201 ")
    assert "ms request_id=abc" in first
    assert lines[1].__dict__["status"] == 409
    assert lines[1].__dict__["duration_ms"] >= 0


def test_json_log_lines_carry_the_request_fields(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="chat.access")
    client.get("/health/live", headers={"x-request-id": "json-1"})
    (record,) = [r for r in caplog.records if r.name == "chat.access"]
    entry = json.loads(JsonFormatter().format(record))
    assert entry["level"] == "info"
    assert {k: entry[k] for k in ("method", "path", "status", "request_id")} == {
        "method": "GET",
        "path": "/health/live",
        "status": 200,
        "request_id": "json-1",
    }


def test_allowed_hosts_refuse_other_hosts_but_not_health_checks() -> None:
    settings = Settings(allowed_hosts=("chat.example.com", "*.chat.test"))
    with TestClient(create_app(bootstrap(), settings=settings)) as client:
        body = {"username": "alice"}
        for host in ("chat.example.com", "chat.example.com:9000", "eu.chat.test"):
            ok = client.post("/chats/get", json={"user": "x"}, headers={"host": host})
            assert ok.status_code == 400  # past the host check, refused for its body
            assert ok.json()["code"] == "invalid_field"
        refused = client.post("/users/add", json=body, headers={"host": "evil.example"})
        assert problem(refused, 400, "invalid_host")["field"] is None
        assert client.get("/health/live", headers={"host": "10.0.0.7"}).status_code == 200


def test_two_host_headers_or_a_bypass_of_the_list_are_refused() -> None:
    settings = Settings(allowed_hosts=("chat.example.com", "*.api.example.com"))
    with TestClient(create_app(bootstrap(), settings=settings)) as client:
        for host in ("evil.com/.api.example.com", "chat.example.com:x@evil.com"):
            refused = client.post("/users/add", json={"username": "x"}, headers={"host": host})
            problem(refused, 400, "invalid_host")
        twice = [(b"host", b"evil.com"), (b"host", b"chat.example.com")]
        refused = client.post("/users/add", json={"username": "x"}, headers=twice)
        problem(refused, 400, "invalid_host")
        served = client.post(
            "/users/add", json={"username": "x"}, headers={"host": "eu.api.example.com"}
        )
        assert served.status_code == 201


def test_two_host_headers_are_refused_even_when_any_host_is_served() -> None:
    with TestClient(create_app(bootstrap(), settings=Settings())) as client:
        twice = [(b"host", b"a.test"), (b"host", b"b.test")]
        problem(client.get("/health/live", headers=twice), 400, "invalid_host")
        assert client.get("/health/live").status_code == 200
