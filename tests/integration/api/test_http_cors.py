"""CORS_ORIGINS: which web pages may call the API, answered by Starlette's CORS middleware."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from httpx2 import Response
from starlette.testclient import TestClient

from adapters.memory import MemoryStore
from entrypoints.bootstrap import bootstrap
from entrypoints.http import create_app
from entrypoints.settings import Settings
from tests.fakes import SequentialIds, TickingClock

SITE = "https://chat.example.com"


def _client(origins: tuple[str, ...]) -> Iterator[TestClient]:
    chats = bootstrap(MemoryStore().unit_of_work, clock=TickingClock(), ids=SequentialIds())
    app = create_app(chats, settings=Settings(cors_origins=origins))
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def client() -> Iterator[TestClient]:
    yield from _client((SITE,))


def _preflight(client: TestClient, origin: str = SITE, **asked: str) -> Response:
    headers = {"Origin": origin, "Access-Control-Request-Method": "POST"}
    headers |= {f"Access-Control-Request-{k.title()}": v for k, v in asked.items()}
    return client.options("/messages/add", headers=headers)


def test_a_preflight_from_a_listed_origin_allows_the_apis_headers(client: TestClient) -> None:
    answer = _preflight(client, headers="content-type, x-request-id")
    assert answer.status_code == 200
    headers = answer.headers
    assert headers["access-control-allow-origin"] == SITE
    allowed = {h.strip().lower() for h in headers["access-control-allow-headers"].split(",")}
    assert {"content-type", "last-event-id", "x-request-id"} <= allowed
    assert "POST" in headers["access-control-allow-methods"]
    assert headers["access-control-max-age"] == "600"


def test_an_answer_to_a_listed_origin_exposes_the_request_id_and_the_replay_header(
    client: TestClient,
) -> None:
    answer = client.post("/users/add", json={"username": "ana"}, headers={"Origin": SITE})
    assert answer.status_code == 201
    assert answer.headers["access-control-allow-origin"] == SITE
    exposed = {h.strip() for h in answer.headers["access-control-expose-headers"].split(",")}
    assert {"X-Request-ID", "Idempotent-Replayed"} <= exposed
    stream_refusal = client.get("/events?user=nope", headers={"Origin": SITE})
    assert stream_refusal.headers["access-control-allow-origin"] == SITE


@pytest.mark.parametrize(
    ("origin", "asked", "words"),
    [
        ("https://evil.example", {}, ["https://evil.example", "CORS_ORIGINS"]),
        (SITE, {"headers": "content-type, x-secret"}, ["x-secret", "Last-Event-ID"]),
    ],
)
def test_a_refused_preflight_is_a_problem_naming_what_was_refused(
    client: TestClient, origin: str, asked: dict[str, str], words: list[str]
) -> None:
    answer = _preflight(client, origin, **asked)
    assert answer.status_code == 403
    assert answer.headers["content-type"] == "application/problem+json"
    body = answer.json()
    assert body["code"] == "cors_refused"
    for word in words:
        assert word in body["detail"]
    assert "access-control-allow-origin" not in answer.headers


def test_an_answer_to_another_origin_carries_no_permission(client: TestClient) -> None:
    answer = client.post("/users/add", json={"username": "bo"}, headers={"Origin": "https://x.io"})
    assert answer.status_code == 201
    assert "access-control-allow-origin" not in answer.headers
    assert "Origin" in answer.headers["vary"]


def test_any_origin_with_a_star() -> None:
    for client in _client(("*",)):
        answer = client.post(
            "/users/add", json={"username": "cy"}, headers={"Origin": "https://a.b"}
        )
        assert answer.headers["access-control-allow-origin"] == "*"
        assert _preflight(client, "https://a.b").status_code == 200


def test_without_the_setting_no_page_elsewhere_may_call() -> None:
    for client in _client(()):
        answer = client.post("/users/add", json={"username": "di"}, headers={"Origin": SITE})
        assert "access-control-allow-origin" not in answer.headers
        preflight = _preflight(client)
        assert preflight.status_code == 405
        assert preflight.json()["code"] == "method_not_allowed"
