"""The contract's field and domain rows over HTTP, as problem+json naming the field.

``test_refused_request`` holds one case per way of breaking ``missing_field``,
``unknown_field``, ``invalid_field``, ``duplicate_user``, ``not_a_member``,
``user_not_found``, ``chat_not_found``, ``username_taken`` and ``chat_name_taken``.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import attrs
import pytest
from starlette.testclient import TestClient

from tests.integration.api.calls import add_chat, add_user, problem

NOBODY = "0193a5c4-6b2e-7cf1-9d4e-3a1f2b7c8d90"


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
    "invalid_field-invisible-text": (
        "/messages/add",
        lambda w: {"chat": w.chat, "author": w.alice, "text": "\u200b"},
        400,
        "invalid_field",
        "text",
    ),
    "invalid_field-invisible-username": (
        "/users/add",
        lambda w: {"username": "ad\u200bmin"},
        400,
        "invalid_field",
        "username",
    ),
    "invalid_field-bidi-control-chat-name": (
        "/chats/add",
        lambda w: {"name": "team\u202e", "users": [w.alice]},
        400,
        "invalid_field",
        "name",
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
