"""Every row of the contract's error table, answered as problem+json.

``test_bad_body`` and ``test_refused_request`` hold one case per way of
breaking a row; the rows that need more than a body (limits, methods,
outages, bugs) have tests of their own below.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

import attrs
import pytest
from starlette.testclient import TestClient

from tests.integration.api.calls import add_chat, add_user, problem

NOBODY = "0193a5c4-6b2e-7cf1-9d4e-3a1f2b7c8d90"


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        pytest.param(b"", "invalid_json", id="invalid_json-empty"),
        pytest.param(b'{"username": "a"', "invalid_json", id="invalid_json-truncated"),
        pytest.param(b"username=a", "invalid_json", id="invalid_json-form"),
        pytest.param(b"[" * 30_000 + b"]" * 30_000, "invalid_json", id="invalid_json-deep"),
        pytest.param(
            b'{"a":' * 10_000 + b"1" + b"}" * 10_000, "invalid_json", id="invalid_json-deep-obj"
        ),
        pytest.param(
            b'{"username": 1' + b"0" * 5000 + b"}", "invalid_json", id="invalid_json-huge-int"
        ),
        pytest.param(b'{"username": 1e999}', "invalid_json", id="invalid_json-huge-float"),
        pytest.param(b'{"username": NaN}', "invalid_json", id="invalid_json-nan"),
        pytest.param(b'{"username": -Infinity}', "invalid_json", id="invalid_json-infinity"),
        pytest.param(b'{"username": "\xff"}', "invalid_json", id="invalid_json-bad-utf8"),
        pytest.param(
            b'{"username": "\xed\xa0\x80"}', "invalid_json", id="invalid_json-utf8-surrogate"
        ),
        pytest.param(b'{"username": "a\x00"}', "invalid_json", id="invalid_json-raw-nul"),
        pytest.param(
            b'{"username": "a", "username": "b"}', "invalid_json", id="invalid_json-dup-key"
        ),
        pytest.param(b"\xef\xbb\xbf{}", "invalid_json", id="invalid_json-bom"),
        pytest.param(b"[]", "invalid_body", id="invalid_body-array"),
        pytest.param(b'"alice"', "invalid_body", id="invalid_body-string"),
        pytest.param(b"null", "invalid_body", id="invalid_body-null"),
        pytest.param(b"42", "invalid_body", id="invalid_body-number"),
    ],
)
def test_bad_body(client: TestClient, raw: bytes, code: str) -> None:
    body = problem(client.post("/users/add", content=raw), 400, code)
    assert body["field"] is None


@attrs.frozen
class World:
    alice: str
    bob: str
    chat: str  # "chat_1", alice alone


@pytest.fixture
def world(client: TestClient) -> World:
    alice, bob = add_user(client, "Alice"), add_user(client, "bob")
    return World(alice, bob, add_chat(client, "Chat_1", [alice]))


Case = tuple[str, Callable[[World], object], int, str, str | None]
CASES: dict[str, Case] = {
    "missing_field-username": ("/users/add", lambda w: {}, 400, "missing_field", "username"),
    "missing_field-text": (
        "/messages/add",
        lambda w: {"chat": w.chat, "author": w.alice},
        400,
        "missing_field",
        "text",
    ),
    "unknown_field": (
        "/users/add",
        lambda w: {"username": "x", "email": "x@example.com"},
        400,
        "unknown_field",
        "email",
    ),
    "unknown_field-typo-before-missing": (
        "/chats/get",
        lambda w: {"usr": w.alice},
        400,
        "unknown_field",
        "usr",
    ),
    "invalid_field-number-name": (
        "/users/add",
        lambda w: {"username": 7},
        400,
        "invalid_field",
        "username",
    ),
    "invalid_field-space-in-name": (
        "/users/add",
        lambda w: {"username": "a b"},
        400,
        "invalid_field",
        "username",
    ),
    "invalid_field-long-name": (
        "/users/add",
        lambda w: {"username": "x" * 65},
        400,
        "invalid_field",
        "username",
    ),
    "invalid_field-nul": (
        "/users/add",
        lambda w: {"username": "a\x00"},
        400,
        "invalid_field",
        "username",
    ),
    "invalid_field-lone-surrogate": (
        "/chats/add",
        lambda w: {"name": "\ud800", "users": [w.alice]},
        400,
        "invalid_field",
        "name",
    ),
    "invalid_field-malformed-id": (
        "/chats/get",
        lambda w: {"user": "abc"},
        400,
        "invalid_field",
        "user",
    ),
    "invalid_field-null-id": (
        "/messages/get",
        lambda w: {"chat": None},
        400,
        "invalid_field",
        "chat",
    ),
    "invalid_field-number-id": (
        "/chats/add",
        lambda w: {"name": "n", "users": [w.alice, 5]},
        400,
        "invalid_field",
        "users[1]",
    ),
    "invalid_field-no-users": (
        "/chats/add",
        lambda w: {"name": "n", "users": []},
        400,
        "invalid_field",
        "users",
    ),
    "invalid_field-blank-text": (
        "/messages/add",
        lambda w: {"chat": w.chat, "author": w.alice, "text": " \n\t"},
        400,
        "invalid_field",
        "text",
    ),
    "duplicate_user": (
        "/chats/add",
        lambda w: {"name": "n", "users": [w.alice, w.bob, w.alice.upper()]},
        400,
        "duplicate_user",
        "users[2]",
    ),
    "not_a_member": (
        "/messages/add",
        lambda w: {"chat": w.chat, "author": w.bob, "text": "hi"},
        403,
        "not_a_member",
        "author",
    ),
    "user_not_found-users": (
        "/chats/add",
        lambda w: {"name": "n", "users": [w.alice, NOBODY]},
        404,
        "user_not_found",
        "users[1]",
    ),
    "user_not_found-author": (
        "/messages/add",
        lambda w: {"chat": w.chat, "author": NOBODY, "text": "hi"},
        404,
        "user_not_found",
        "author",
    ),
    "user_not_found-user": (
        "/chats/get",
        lambda w: {"user": NOBODY},
        404,
        "user_not_found",
        "user",
    ),
    "chat_not_found-send": (
        "/messages/add",
        lambda w: {"chat": NOBODY, "author": w.alice, "text": "hi"},
        404,
        "chat_not_found",
        "chat",
    ),
    "chat_not_found-list": (
        "/messages/get",
        lambda w: {"chat": NOBODY},
        404,
        "chat_not_found",
        "chat",
    ),
    "username_taken-any-case": (
        "/users/add",
        lambda w: {"username": "aLICE"},
        409,
        "username_taken",
        "username",
    ),
    "chat_name_taken-any-case": (
        "/chats/add",
        lambda w: {"name": "chat_1", "users": [w.bob]},
        409,
        "chat_name_taken",
        "name",
    ),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_refused_request(client: TestClient, world: World, case: Case) -> None:
    path, make_body, status, code, field = case
    # json.dumps escapes lone surrogates, which an HTTP client cannot encode as UTF-8.
    body = problem(client.post(path, content=json.dumps(make_body(world))), status, code)
    assert body["field"] == field
    assert body["title"]


def test_user_not_found_names_every_unknown_id(client: TestClient, world: World) -> None:
    other = NOBODY.replace("0193", "0194")
    answer = client.post("/chats/add", json={"name": "n", "users": [NOBODY, world.bob, other]})
    body = problem(answer, 404, "user_not_found")
    assert body["user_ids"] == [NOBODY, other]
    assert body["field"] == "users"
    assert (NOBODY in body["detail"], other in body["detail"]) == (True, True)
    assert world.bob not in body["detail"]


def test_refused_writes_leave_nothing_behind(client: TestClient, world: World) -> None:
    client.post("/chats/add", json={"name": "half", "users": [world.alice, NOBODY]})
    client.post("/messages/add", json={"chat": world.chat, "author": world.bob, "text": "no"})
    listed = client.post("/chats/get", json={"user": world.alice}).json()
    assert [c["name"] for c in listed] == ["Chat_1"]
    assert client.post("/messages/get", json={"chat": world.chat}).json() == []


@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", "/nope"), ("GET", "/"), ("POST", "/users/add/"), ("POST", "/users")],
)
def test_not_found_for_unknown_paths(client: TestClient, method: str, path: str) -> None:
    body = problem(client.request(method, path, json={}), 404, "not_found")
    assert path in body["detail"]


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("GET", "/users/add", "POST"),
        ("PUT", "/messages/get", "POST"),
        ("POST", "/health/live", "GET, HEAD"),
        ("DELETE", "/openapi.json", "GET, HEAD"),
    ],
)
def test_method_not_allowed_names_the_allowed_methods(
    client: TestClient, method: str, path: str, allow: str
) -> None:
    answer = client.request(method, path)
    problem(answer, 405, "method_not_allowed")
    assert answer.headers["allow"] == allow


# The test client buffers what it sends; test_live_server.py shows over a real
# socket that the server stops reading at the limit.
def test_body_too_large_by_content_length(client: TestClient) -> None:
    answer = client.post("/users/add", content=b" " * (64 * 1024 + 1))
    body = problem(answer, 413, "body_too_large")
    assert "65536" in body["detail"]


def test_body_too_large_streamed_without_length(client: TestClient) -> None:
    def body() -> Iterator[bytes]:
        for _ in range(100):
            yield b" " * 8192

    problem(client.post("/users/add", content=body()), 413, "body_too_large")


def test_body_just_at_the_limit_is_read(client: TestClient) -> None:
    raw = b'{"username": "edge"}'
    answer = client.post("/users/add", content=raw + b" " * (64 * 1024 - len(raw)))
    assert answer.status_code == 201
