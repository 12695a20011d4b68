"""Hostile bodies: each gets a clear 4xx problem (or is stored literally), never a 500.

Every test also checks that a refused request left nothing behind.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.integration.reliability.client import Api

TOO_DEEP = 100_000


def assert_refused(status: int, body: dict[str, Any], code: str) -> None:
    assert (status, body.get("code")) == (400, code), body
    assert body["status"] == 400
    assert isinstance(body["detail"], str)


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(b"[" * TOO_DEEP + b"]" * TOO_DEEP, id="deep-array"),
        pytest.param(
            b'{"username": ' + b'{"a": ' * TOO_DEEP + b"1" + b"}" * TOO_DEEP + b"}",
            id="deep-object",
        ),
        pytest.param(b'{"username": 1e5000}', id="1e5000"),
        pytest.param(b'{"username": 1' + b"0" * 5000 + b"}", id="10^5000-as-digits"),
        pytest.param(b'{"username": -1e5000}', id="-1e5000"),
        pytest.param(b'{"username": NaN}', id="NaN"),
        pytest.param(b'{"username": Infinity}', id="Infinity"),
        pytest.param(b'{"username": -Infinity}', id="-Infinity"),
        pytest.param(b'{"username": "\xff\xfe"}', id="invalid-utf8"),
        pytest.param(b'{"username": "\xed\xa0\x80"}', id="utf8-encoded-surrogate"),
        pytest.param(b'{"username": "a\x00b"}', id="raw-nul-byte"),
        pytest.param(b"\x00", id="nul-body"),
        pytest.param(b'{"username": "a"', id="truncated"),
        pytest.param(b"", id="empty"),
        pytest.param(b'{"username": "a", "username": "b"}', id="duplicate-key"),
    ],
)
def test_malformed_json_is_invalid_json(api: Api, raw: bytes) -> None:
    before = api.snapshot()
    status, body = api.post_raw("/users/add", raw)
    assert_refused(status, body, "invalid_json")
    assert api.snapshot() == before


@pytest.mark.parametrize(
    ("value", "field"),
    [
        ("a\u0000b", "username"),
        ("\ud800", "username"),
        ("a\udfffb", "username"),
    ],
    ids=["escaped-nul", "lone-high-surrogate", "lone-low-surrogate"],
)
def test_nul_and_lone_surrogates_are_invalid_fields(api: Api, value: str, field: str) -> None:
    before = api.snapshot()
    status, body = api.post_raw("/users/add", json.dumps({"username": value}).encode())
    assert_refused(status, body, "invalid_field")
    assert body["field"] == field
    assert api.snapshot() == before


@pytest.mark.parametrize("bad", ["a\u0000b", "\ud83d", "x\udc00"])
def test_nul_and_surrogates_in_every_string_field_are_refused(stored_api: Api, bad: str) -> None:
    alice = stored_api.add_user("alice")
    chat = stored_api.add_chat("room", [alice])
    before = stored_api.snapshot()
    for path, body, field in [
        ("/chats/add", {"name": bad, "users": [alice]}, "name"),
        ("/chats/add", {"name": "r2", "users": [alice, bad]}, "users[1]"),
        ("/messages/add", {"chat": chat, "author": alice, "text": bad}, "text"),
        ("/messages/add", {"chat": bad, "author": alice, "text": "hi"}, "chat"),
        ("/chats/get", {"user": bad}, "user"),
        ("/messages/get", {"chat": bad}, "chat"),
    ]:
        status, answer = stored_api.post_raw(path, json.dumps(body).encode())
        assert_refused(status, answer, "invalid_field")
        assert answer["field"] == field, (path, answer)
    assert stored_api.snapshot() == before


TWO_MB = 2 * 1024 * 1024


def _big_body() -> bytes:
    return json.dumps({"username": "x" * TWO_MB}).encode()


def test_two_megabytes_with_content_length_is_413(api: Api) -> None:
    before = api.snapshot()
    status, body = api.post_raw("/users/add", _big_body())
    assert (status, body["code"]) == (413, "body_too_large")
    assert api.snapshot() == before


def test_two_megabytes_chunked_without_content_length_is_413(api: Api) -> None:
    def chunks() -> Iterator[bytes]:
        raw = _big_body()
        for start in range(0, len(raw), 64 * 1024):
            yield raw[start : start + 64 * 1024]

    before = api.snapshot()
    status, body = api.post_raw("/users/add", chunks())
    assert (status, body["code"]) == (413, "body_too_large")
    assert api.snapshot() == before


INJECTIONS = [
    "Robert');DROP/**/TABLE/**/users;--",
    "'OR'1'='1",
    '";SELECT/**/pg_sleep(10);--',
    "$(rm${IFS}-rf${IFS}/)",
    "${jndi:ldap://127.0.0.1/a}",
    "{{7*7}}%s%n%x",
    "<script>alert(1)</script>",
    "../../../../etc/passwd",
    "\\x00\\u0000",
    "admin'--",
]


@pytest.mark.parametrize("attack", INJECTIONS)
def test_injection_strings_are_stored_and_returned_literally(stored_api: Api, attack: str) -> None:
    user = stored_api.add_user(attack)
    chat = stored_api.add_chat(f"chat {attack}", [user])
    text = f"text {attack} ; DELETE FROM messages; \u202e"
    message = stored_api.add_message(chat, user, text)

    status, chats = stored_api.post("/chats/get", {"user": user})
    assert status == 200
    assert [(c["id"], c["name"], c["users"]) for c in chats] == [(chat, f"chat {attack}", [user])]
    status, messages = stored_api.post("/messages/get", {"chat": chat})
    assert status == 200
    assert [(m["id"], m["author"], m["text"]) for m in messages] == [(message, user, text)]
    # The name is unique literally too: the same attack again is a conflict, not a match-all.
    status, body = stored_api.post("/users/add", {"username": attack})
    assert (status, body["code"]) == (409, "username_taken")


def test_injection_strings_as_ids_are_invalid_fields(api: Api) -> None:
    for attack in INJECTIONS:
        status, body = api.post("/messages/get", {"chat": attack})
        assert_refused(status, body, "invalid_field")


EMOJI = "\U0001f600"  # four bytes in UTF-8, two UTF-16 code units


def test_4096_emoji_are_4096_characters(stored_api: Api) -> None:
    alice = stored_api.add_user("alice")
    chat = stored_api.add_chat("emoji", [alice])
    text = EMOJI * 4096
    message = stored_api.add_message(chat, alice, text)
    status, messages = stored_api.post("/messages/get", {"chat": chat})
    assert status == 200
    assert [(m["id"], m["text"]) for m in messages] == [(message, text)]

    before = stored_api.snapshot()
    status, body = stored_api.post(
        "/messages/add", {"chat": chat, "author": alice, "text": text + "!"}
    )
    assert_refused(status, body, "invalid_field")
    assert body["field"] == "text"
    assert stored_api.snapshot() == before


MEMBERS = 10_000


@pytest.mark.timeout(120)
def test_a_chat_of_ten_thousand_members(stored_api: Api) -> None:
    members = stored_api.add_users_directly(MEMBERS)
    chat = stored_api.add_chat("everyone", members)
    status, chats = stored_api.post("/chats/get", {"user": members[-1]})
    assert status == 200
    assert [c["id"] for c in chats] == [chat]
    assert chats[0]["users"] == members
    last = stored_api.add_message(chat, members[-1], "hello, all")
    status, messages = stored_api.post("/messages/get", {"chat": chat})
    assert [m["id"] for m in messages] == [last]

    # One unknown member at the very end refuses the whole chat.
    before = stored_api.snapshot()
    ghost = "0193a5c4-0000-7000-8000-000000000000"
    status, body = stored_api.post("/chats/add", {"name": "almost", "users": [*members, ghost]})
    assert (status, body["code"], body["field"]) == (404, "user_not_found", f"users[{MEMBERS}]")
    assert stored_api.snapshot() == before
