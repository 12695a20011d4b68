"""The five methods over HTTP: answers, JSON shapes and both list orders."""

from __future__ import annotations

import re
from datetime import timedelta

import attrs
from starlette.testclient import TestClient

from adapters.memory import MemoryStore
from chat_domain.lists import ListMessages
from entrypoints.bootstrap import bootstrap
from entrypoints.http import create_app
from entrypoints.settings import Settings
from tests.fakes import EPOCH, SequentialIds, TickingClock
from tests.integration.api.calls import add_chat, add_message, add_user

ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z")


def test_add_user_answers_201_with_a_uuid7_id(client: TestClient) -> None:
    answer = client.post("/users/add", json={"username": "user_1"})
    assert answer.status_code == 201
    assert answer.headers["content-type"] == "application/json"
    assert ID.fullmatch(answer.json()["id"])


def test_body_is_json_whatever_the_content_type_says(client: TestClient) -> None:
    for content_type in ("application/x-www-form-urlencoded", "text/plain", None):
        headers = {"content-type": content_type} if content_type else {}
        name = f"user_{len(headers)}_{content_type and content_type[:4]}"
        body = f'{{"username": "{name}"}}'.encode()
        answer = client.post("/users/add", content=body, headers=headers)
        assert answer.status_code == 201, answer.text


def test_the_briefs_five_methods_round_trip(client: TestClient, clock: TickingClock) -> None:
    clock.set(EPOCH.replace(microsecond=0))
    alice, bob = add_user(client, "alice"), add_user(client, "bob")
    chat = add_chat(client, "chat_1", [bob, alice])
    message = add_message(client, chat, alice, "hi\tthere\n")

    chats = client.post("/chats/get", json={"user": bob})
    assert chats.status_code == 200
    assert chats.json() == [
        {
            "id": chat,
            "name": "chat_1",
            "users": [bob, alice],
            "created_at": "2026-11-27T05:00:00.002000Z",
            "last_message_at": "2026-11-27T05:00:00.003000Z",
        }
    ]
    messages = client.post("/messages/get", json={"chat": chat})
    assert messages.status_code == 200
    assert messages.json() == [
        {
            "id": message,
            "chat": chat,
            "author": alice,
            "text": "hi\tthere\n",
            "created_at": "2026-11-27T05:00:00.003000Z",
            "client_msg_id": None,
        }
    ]


def test_ids_in_requests_may_be_in_any_letter_case(client: TestClient) -> None:
    alice = add_user(client, "alice")
    chat = add_chat(client, "chat_1", [alice.upper()])
    add_message(client, chat.upper(), alice.upper(), "hi")
    answer = client.post("/chats/get", json={"user": alice.upper()})
    assert [c["users"] for c in answer.json()] == [[alice]]


def test_new_chat_has_null_last_message_and_empty_lists_are_200(client: TestClient) -> None:
    alice, bob = add_user(client, "alice"), add_user(client, "bob")
    assert client.post("/chats/get", json={"user": alice}).json() == []
    chat = add_chat(client, "quiet", [bob])
    (listed,) = client.post("/chats/get", json={"user": bob}).json()
    assert listed["last_message_at"] is None
    assert TIME.fullmatch(listed["created_at"])
    answer = client.post("/messages/get", json={"chat": chat})
    assert (answer.status_code, answer.json()) == (200, [])


def test_chats_get_lists_active_chats_by_last_message_then_idle_chats_newest_first(
    client: TestClient,
) -> None:
    me = add_user(client, "me")
    old_idle = add_chat(client, "old idle", [me])
    active_first = add_chat(client, "active first", [me])
    active_later = add_chat(client, "active later", [me])
    new_idle = add_chat(client, "new idle", [me])
    add_message(client, active_later, me, "one")
    add_message(client, active_first, me, "two")  # now the most recently active

    listed = client.post("/chats/get", json={"user": me}).json()
    assert [c["id"] for c in listed] == [active_first, active_later, new_idle, old_idle]


def test_chats_get_breaks_ties_by_larger_id_first(client: TestClient, clock: TickingClock) -> None:
    me = add_user(client, "me")
    clock.step = timedelta(0)
    first, second = add_chat(client, "a", [me]), add_chat(client, "b", [me])
    third, fourth = add_chat(client, "c", [me]), add_chat(client, "d", [me])
    add_message(client, first, me, "same time")
    add_message(client, second, me, "same time")

    listed = client.post("/chats/get", json={"user": me}).json()
    assert [c["id"] for c in listed] == [second, first, fourth, third]


def test_messages_get_lists_oldest_first_ties_by_smaller_id(
    client: TestClient, clock: TickingClock
) -> None:
    me = add_user(client, "me")
    chat = add_chat(client, "chat", [me])
    first = add_message(client, chat, me, "first")
    clock.step = timedelta(0)
    second = add_message(client, chat, me, "second")
    third = add_message(client, chat, me, "third, same time")

    listed = client.post("/messages/get", json={"chat": chat}).json()
    assert [m["id"] for m in listed] == [first, second, third]
    assert [m["text"] for m in listed] == ["first", "second", "third, same time"]


def test_a_chat_is_listed_for_every_member_and_nobody_else(client: TestClient) -> None:
    alice, bob, carol = (add_user(client, n) for n in ("alice", "bob", "carol"))
    chat = add_chat(client, "pair", [alice, bob])
    for user, expected in ((alice, [chat]), (bob, [chat]), (carol, [])):
        listed = client.post("/chats/get", json={"user": user}).json()
        assert [c["id"] for c in listed] == expected


def test_unicode_text_comes_back_exactly_as_sent(client: TestClient) -> None:
    me = add_user(client, "zoë")
    chat = add_chat(client, "café ☕", [me])
    text = "  e\u0301 — 你好 👋\r\n"
    add_message(client, chat, me, text)
    answer = client.post("/messages/get", json={"chat": chat})
    assert answer.json()[0]["text"] == text
    assert "你好".encode() in answer.content  # UTF-8 as is, not \u escapes


def test_a_chat_longer_than_a_page_streams_its_whole_list_in_order(
    clock: TickingClock,
) -> None:
    store = MemoryStore()
    chats = bootstrap(store.unit_of_work, clock=clock, ids=SequentialIds())
    chats = attrs.evolve(chats, list_messages=ListMessages(store.unit_of_work, page_size=2))
    with TestClient(create_app(chats, settings=Settings())) as client:
        me = add_user(client, "me")
        chat = add_chat(client, "chat", [me])
        sent = [add_message(client, chat, me, f"message {n}") for n in range(5)]
        answer = client.post("/messages/get", json={"chat": chat})
        assert answer.status_code == 200
        assert answer.headers["content-type"] == "application/json"
        assert [m["id"] for m in answer.json()] == sent
        empty = add_chat(client, "empty", [me])
        assert client.post("/messages/get", json={"chat": empty}).json() == []
