"""A thin client of the HTTP API for the reliability tests, plus a look at what is stored.

``Api`` speaks to either an in-process app (``TestClient``) or a live server
(``httpx2.Client``); ``snapshot`` counts the rows behind it, so a test can
show that a refused request wrote nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import attrs
import httpx2
from sqlalchemy import Engine, func, select
from starlette.testclient import TestClient

from adapters.memory import MemoryStore
from adapters.sql.tables import metadata
from adapters.system import SystemClock, Uuid7Generator
from chat_domain.model import User
from chat_domain.ports import Clock, IdGenerator, UnitOfWorkFactory
from entrypoints.bootstrap import bootstrap, open_database
from entrypoints.http import create_app
from entrypoints.settings import Settings

Snapshot = dict[str, int]
PROBLEM_JSON = "application/problem+json"


@attrs.define
class Api:
    http: httpx2.Client
    snapshot: Callable[[], Snapshot]
    uow: UnitOfWorkFactory
    ids: IdGenerator
    clock: Clock

    def post_raw(self, path: str, raw: bytes | Iterable[bytes]) -> tuple[int, Any]:
        """POST ``raw`` as is (an iterable goes chunked); the status and the decoded body.

        Whatever was sent, the answer must be JSON, and problem+json for an error.
        """
        answer = self.http.post(path, content=raw, headers={"content-type": "application/json"})
        media = answer.headers.get("content-type", "")
        if answer.status_code >= 400:
            assert media.startswith(PROBLEM_JSON), (answer.status_code, media, answer.text[:200])
        else:
            assert media.startswith("application/json"), (answer.status_code, media)
        return answer.status_code, json.loads(answer.content)

    def post(self, path: str, body: object) -> tuple[int, Any]:
        return self.post_raw(path, json.dumps(body).encode())

    def created(self, path: str, body: object) -> str:
        status, answer = self.post(path, body)
        assert status == 201, answer
        new_id: str = answer["id"]
        return new_id

    def add_user(self, username: str) -> str:
        return self.created("/users/add", {"username": username})

    def add_chat(self, name: str, users: list[str]) -> str:
        return self.created("/chats/add", {"name": name, "users": users})

    def add_message(self, chat: str, author: str, text: str) -> str:
        return self.created("/messages/add", {"chat": chat, "author": author, "text": text})

    def add_users_directly(self, count: int, prefix: str = "member") -> list[str]:
        """``count`` users stored in one transaction, past HTTP, for tests that need many."""
        users = [
            User(id=self.ids.new_id(), username=f"{prefix}{n}", created_at=self.clock.now())
            for n in range(count)
        ]
        with self.uow() as uow:
            for user in users:
                uow.users.add(user)
            uow.commit()
        return [user.id for user in users]


def memory_snapshot(store: MemoryStore) -> Snapshot:
    with store.lock:
        return {
            "users": len(store.users),
            "chats": len(store.chats),
            "members": sum(len(c.users) for c in store.chats.values()),
            "messages": sum(len(m) for m in store.messages.values()),
        }


def sql_snapshot(engine: Engine) -> Snapshot:
    """Rows in every table: what a refused request must leave unchanged."""
    with engine.connect() as connection:
        return {
            table.name: connection.execute(select(func.count()).select_from(table)).scalar_one()
            for table in metadata.sorted_tables
        }


@contextmanager
def serving(
    uow: UnitOfWorkFactory, snapshot: Callable[[], Snapshot], **app_options: Any
) -> Iterator[Api]:
    """An ``Api`` over an in-process app built on ``uow``."""
    ids, clock = Uuid7Generator(), SystemClock()
    chats = bootstrap(uow, ids=ids, clock=clock)
    app = create_app(chats, settings=Settings(), **app_options)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Api(client, snapshot, uow, ids, clock)


@contextmanager
def memory_api() -> Iterator[Api]:
    store = MemoryStore()
    with serving(store.unit_of_work, lambda: memory_snapshot(store)) as api:
        yield api


@contextmanager
def database_api(url: str) -> Iterator[Api]:
    database = open_database(url)
    try:
        with serving(database.uow, lambda: sql_snapshot(database.engine)) as api:
            yield api
    finally:
        database.dispose()
