"""Pages and look-ups over HTTP: envelopes only when asked for, and every bad input a 4xx."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.integration.api.calls import add_chat, add_message, add_user, problem

NOBODY = "0193a5c4-6b2e-7cf1-9d4e-3a1f2b7c8d90"


def _chat_with(client: TestClient, count: int) -> tuple[str, str, list[str]]:
    alice = add_user(client, "alice")
    chat = add_chat(client, "long", [alice])
    return alice, chat, [add_message(client, chat, alice, f"m{n}") for n in range(count)]


def _ids(listed: list[dict[str, Any]]) -> list[str]:
    return [item["id"] for item in listed]


def test_without_paging_fields_the_answer_is_the_bare_array(client: TestClient) -> None:
    alice, chat, sent = _chat_with(client, 3)
    assert _ids(client.post("/messages/get", json={"chat": chat}).json()) == sent
    assert _ids(client.post("/chats/get", json={"user": alice}).json()) == [chat]


def test_a_message_page_comes_in_its_envelope(client: TestClient) -> None:
    _, chat, sent = _chat_with(client, 5)
    answer = client.post("/messages/get", json={"chat": chat, "limit": 2})
    assert answer.status_code == 200
    body = answer.json()
    assert set(body) == {"messages", "has_more"}
    assert (_ids(body["messages"]), body["has_more"]) == (sent[3:], True)
    body = client.post("/messages/get", json={"chat": chat, "limit": 2, "before": sent[1]}).json()
    assert (_ids(body["messages"]), body["has_more"]) == (sent[:1], False)
    body = client.post("/messages/get", json={"chat": chat, "after": sent[1]}).json()
    assert (_ids(body["messages"]), body["has_more"]) == (sent[2:], False)
    both = {"chat": chat, "after": sent[0], "before": sent[4], "limit": 2}
    body = client.post("/messages/get", json=both).json()
    assert (_ids(body["messages"]), body["has_more"]) == (sent[1:3], True)


def test_a_chat_page_comes_with_the_cursor_of_the_next(client: TestClient) -> None:
    alice = add_user(client, "alice")
    chats = [add_chat(client, f"chat {n}", [alice]) for n in range(3)]
    body = client.post("/chats/get", json={"user": alice, "limit": 2}).json()
    assert set(body) == {"chats", "next"}
    assert _ids(body["chats"]) == chats[:0:-1]
    body = client.post("/chats/get", json={"user": alice, "after": body["next"]}).json()
    assert (_ids(body["chats"]), body["next"]) == (chats[:1], None)


@pytest.mark.parametrize("limit", [0, 1001, "5", True, 1.5, None])
def test_a_bad_limit_is_400_naming_it(client: TestClient, limit: object) -> None:
    alice, chat, _ = _chat_with(client, 1)
    for path, body in (("/messages/get", {"chat": chat}), ("/chats/get", {"user": alice})):
        answer = client.post(path, json={**body, "limit": limit})
        assert problem(answer, 400, "invalid_field")["field"] == "limit"


def test_bad_cursors_are_refused_and_change_nothing(client: TestClient) -> None:
    alice, chat, sent = _chat_with(client, 2)
    bob = add_user(client, "bob")
    other = add_chat(client, "other", [alice, bob])
    elsewhere = add_message(client, other, alice, "elsewhere")
    answer = client.post("/messages/get", json={"chat": chat, "before": elsewhere, "limit": 5})
    assert problem(answer, 404, "message_not_found")["field"] == "before"
    answer = client.post("/messages/get", json={"chat": chat, "after": NOBODY})
    assert problem(answer, 404, "message_not_found")["field"] == "after"
    answer = client.post("/messages/get", json={"chat": chat, "after": 7})
    assert problem(answer, 400, "invalid_field")["field"] == "after"
    cursor = client.post("/chats/get", json={"user": alice, "limit": 1}).json()["next"]
    for user, after in ((bob, cursor), (alice, "not a cursor"), (alice, cursor[:-2] + "!!")):
        answer = client.post("/chats/get", json={"user": user, "after": after})
        assert problem(answer, 400, "invalid_cursor")["field"] == "after"
    assert _ids(client.post("/messages/get", json={"chat": chat}).json()) == sent


def test_users_are_looked_up_by_id_name_or_many(client: TestClient) -> None:
    alice, bob = add_user(client, "Alice"), add_user(client, "bob")
    answer = client.post("/users/get", json={"user": alice})
    assert answer.status_code == 200
    user = answer.json()
    assert set(user) == {"id", "username", "created_at"}
    assert (user["id"], user["username"]) == (alice, "Alice")
    assert client.post("/users/get", json={"username": "ALICE"}).json() == user
    many = client.post("/users/get", json={"users": [bob, alice]}).json()
    assert _ids(many) == [bob, alice]
    answer = client.post("/users/get", json={"users": [NOBODY, alice]})
    body = problem(answer, 404, "user_not_found")
    assert (body["field"], body["user_ids"]) == ("users[0]", [NOBODY])
    problem(client.post("/users/get", json={"username": "carol"}), 404, "user_not_found")
    problem(client.post("/users/get", json={"users": [bob, bob]}), 400, "duplicate_user")


def test_users_get_takes_exactly_one_field(client: TestClient) -> None:
    alice = add_user(client, "alice")
    assert problem(client.post("/users/get", json={}), 400, "missing_field")["field"] is None
    both = client.post("/users/get", json={"username": "alice", "user": alice})
    assert problem(both, 400, "invalid_field")["field"] == "user"
    odd = client.post("/users/get", json={"user": alice, "name": "x"})
    assert problem(odd, 400, "unknown_field")["field"] == "name"
