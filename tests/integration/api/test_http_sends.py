"""Retry-safe sends over HTTP: ``client_msg_id``, the replay header and the 422."""

from __future__ import annotations

import pytest
from httpx2 import Response
from starlette.testclient import TestClient

from tests.integration.api.calls import add_chat, add_user, problem


@pytest.fixture
def room(client: TestClient) -> tuple[str, str]:
    alice = add_user(client, "alice")
    return add_chat(client, "room", [alice]), alice


def _send(client: TestClient, room: tuple[str, str], text: str, key: object) -> Response:
    chat, author = room
    return client.post(
        "/messages/add", json={"chat": chat, "author": author, "text": text, "client_msg_id": key}
    )


def test_a_retry_answers_the_original_id_with_the_replay_header(
    client: TestClient, room: tuple[str, str]
) -> None:
    first = _send(client, room, "hi", "k-1")
    again = _send(client, room, "hi", "k-1")
    assert (first.status_code, again.status_code) == (201, 201)
    assert "idempotent-replayed" not in first.headers
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()
    listed = client.post("/messages/get", json={"chat": room[0]}).json()
    assert [(m["id"], m["client_msg_id"]) for m in listed] == [(first.json()["id"], "k-1")]


def test_the_same_key_with_another_text_is_422_naming_the_original(
    client: TestClient, room: tuple[str, str]
) -> None:
    first = _send(client, room, "hi", "k-1").json()["id"]
    body = problem(_send(client, room, "hello", "k-1"), 422, "client_msg_id_reused")
    assert body["field"] == "client_msg_id"
    assert first in body["detail"]


@pytest.mark.parametrize("key", ["", "x" * 129, "a\nb", "a\x7fb", 5, None, ["k"]])
def test_a_malformed_key_is_400_naming_the_field(
    client: TestClient, room: tuple[str, str], key: object
) -> None:
    body = problem(_send(client, room, "hi", key), 400, "invalid_field")
    assert body["field"] == "client_msg_id"
    assert client.post("/messages/get", json={"chat": room[0]}).json() == []


def test_a_key_of_128_characters_of_any_script_is_taken(
    client: TestClient, room: tuple[str, str]
) -> None:
    key = "ключ-🔑-" + "é" * 121
    assert len(key) == 128
    assert _send(client, room, "hi", key).status_code == 201
    (message,) = client.post("/messages/get", json={"chat": room[0]}).json()
    assert message["client_msg_id"] == key
