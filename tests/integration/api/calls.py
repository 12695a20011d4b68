"""Short helpers for driving the five methods through an HTTP client."""

from __future__ import annotations

from typing import Any

from httpx2 import Client
from httpx2 import Response as Answer

PROBLEM_KEYS = {"status", "title", "code", "detail", "field"}


def created_id(answer: Answer) -> str:
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert isinstance(body, dict)
    assert set(body) == {"id"}
    return str(body["id"])


def add_user(client: Client, username: str) -> str:
    return created_id(client.post("/users/add", json={"username": username}))


def add_chat(client: Client, name: str, users: list[str]) -> str:
    return created_id(client.post("/chats/add", json={"name": name, "users": users}))


def add_message(client: Client, chat: str, author: str, text: str) -> str:
    body = {"chat": chat, "author": author, "text": text}
    return created_id(client.post("/messages/add", json=body))


def problem(answer: Answer, status: int, code: str) -> dict[str, Any]:
    """The answer's problem body, after checking it is the expected problem+json."""
    assert answer.headers["content-type"] == "application/problem+json"
    body = answer.json()
    assert isinstance(body, dict)
    assert (answer.status_code, body.get("code")) == (status, code), body
    assert set(body) >= PROBLEM_KEYS
    assert body["status"] == status
    assert isinstance(body["title"], str)
    assert isinstance(body["detail"], str)
    assert body["detail"]
    return body
