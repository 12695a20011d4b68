"""What a hostile client must never get: its input as SQL, our internals, other hosts, order.

- Every statement reaches the database with the client's values as
  parameters, never spliced into its text.
- A broken database answers without a stack trace, SQL or file path (unless
  ``DEBUG`` is on, for a developer's own machine).
- ``ALLOWED_HOSTS`` is honoured from the environment to the answer.
- An id reveals its creation time and nothing more about creation order.
"""

from __future__ import annotations

import itertools
import re
import uuid
from collections.abc import Iterator
from typing import Any

import attrs
import pytest
from sqlalchemy import Engine, event, text
from starlette.testclient import TestClient

from adapters.sql.migrate import upgrade_to_head
from adapters.system import Uuid7Generator
from entrypoints.bootstrap import build_app, open_database
from entrypoints.settings import load_settings
from tests.integration.databases import SQL_BACKENDS
from tests.integration.reliability.client import Api, serving, sql_snapshot

MARK = "zq'x\"7;--"
"""A value that would break any SQL it were pasted into."""


@pytest.fixture(params=SQL_BACKENDS)
def database_url(request: pytest.FixtureRequest) -> str:
    """A database of the test's own, which it may break."""
    url: str = request.getfixturevalue(f"empty_{request.param}_url")
    database = open_database(url)
    upgrade_to_head(database)
    database.dispose()
    return url


@attrs.define
class Recorded:
    statements: list[str] = attrs.field(factory=list)
    parameters: list[str] = attrs.field(factory=list)

    def record(self, conn: Any, cursor: Any, statement: str, params: Any, *_: Any) -> None:
        self.statements.append(statement)
        rows = params if isinstance(params, list) else [params]
        for row in rows:
            values = row.values() if isinstance(row, dict) else row or ()
            self.parameters.extend(str(value) for value in values)


@pytest.fixture
def recorded(database_url: str) -> Iterator[tuple[Api, Recorded, Engine]]:
    database = open_database(database_url)
    seen = Recorded()
    event.listen(database.engine, "before_cursor_execute", seen.record)
    try:
        with serving(database.uow, lambda: sql_snapshot(database.engine)) as api:
            yield api, seen, database.engine
    finally:
        database.dispose()


def test_every_statement_carries_client_values_as_parameters(
    recorded: tuple[Api, Recorded, Engine],
) -> None:
    api, seen, _ = recorded
    user = api.add_user(f"u{MARK}")
    chat = api.add_chat(f"c {MARK}", [user])
    api.add_message(chat, user, f"t {MARK}")
    api.post("/chats/get", {"user": user})
    api.post("/messages/get", {"chat": chat})
    api.post("/users/add", {"username": f"U{MARK}"})  # a conflict, refused by the database
    assert seen.statements
    spliced = [s for s in seen.statements if MARK in s or user in s or chat in s]
    assert not spliced, spliced
    assert sum(MARK in p for p in seen.parameters) >= 4, seen.parameters


_LEAKS = re.compile(
    r"Traceback|File \"|\.py\b|(?:/usr|/home|/work|/tmp|/opt|/var)/|\b(?:SELECT|INSERT|UPDATE)\b"
    r"|sqlalchemy|psycopg|sqlite3|relation|no such table|postgresql://",
    re.IGNORECASE,
)


def test_a_broken_database_answers_without_internals(
    recorded: tuple[Api, Recorded, Engine],
) -> None:
    api, _, engine = recorded
    user = api.add_user("alice")
    chat = api.add_chat("room", [user])
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE messages"))
    answers = [
        api.http.post("/messages/add", json={"chat": chat, "author": user, "text": "hi"}),
        api.http.post("/messages/get", json={"chat": chat}),
    ]
    for answer in answers:
        assert answer.status_code == 500, answer.text
        assert answer.json()["code"] == "internal"
        assert not _LEAKS.search(answer.text), answer.text


def test_debug_shows_the_stack_trace_in_500_answers(sqlite_database_url: str) -> None:
    environ = {"DATABASE_URL": sqlite_database_url, "DEBUG": "1"}
    settings = load_settings(environ=environ, env_file=None)
    with TestClient(build_app(settings), raise_server_exceptions=False) as client:
        engine = open_database(sqlite_database_url).engine
        with engine.begin() as connection:
            connection.execute(text("DROP TABLE users"))
        engine.dispose()
        answer = client.post("/users/add", json={"username": "alice"})
    assert answer.status_code == 500
    assert "Traceback" in "".join(answer.json()["traceback"])


def test_allowed_hosts_from_the_environment_are_honoured(sqlite_database_url: str) -> None:
    environ = {"DATABASE_URL": sqlite_database_url, "ALLOWED_HOSTS": "chat.example.org"}
    app = build_app(load_settings(environ=environ, env_file=None))
    with TestClient(app, base_url="http://chat.example.org") as client:
        assert client.post("/users/add", json={"username": "alice"}).status_code == 201
        for host in ("evil.example.org", "chat.example.org.evil.net", "localhost"):
            refused = client.post("/users/add", json={"username": "bob"}, headers={"host": host})
            assert (refused.status_code, refused.json()["code"]) == (400, "invalid_host")
        # Probes and scrapers call by address.
        for path in ("/health/live", "/metrics"):
            assert client.get(path, headers={"host": "10.0.0.7:9000"}).status_code == 200


def _tail(value: str) -> int:
    """The 62 random bits after the version, time and variant bits."""
    return uuid.UUID(value).int & ((1 << 62) - 1)


def _rises(values: list[int]) -> float:
    return sum(b > a for a, b in itertools.pairwise(values)) / (len(values) - 1)


def test_ids_reveal_creation_order_only_through_their_time_prefix(
    recorded: tuple[Api, Recorded, Engine],
) -> None:
    api, _, _ = recorded
    over_http = [api.add_user(f"order{n}") for n in range(150)]
    generator = Uuid7Generator()
    tight_loop = [generator.new_id() for _ in range(5000)]
    for ids in (over_http, tight_loop):
        # The time prefix orders them (documented: ids sort by creation time)...
        assert sorted(ids) == ids
        tails = [_tail(i) for i in ids]
        # ...and the rest is noise: no repeats, about as many rises as falls,
        # and no tail close enough to the one before to guess it.
        assert len(set(tails)) == len(tails)
        assert 0.35 < _rises(tails) < 0.65
        assert sum(abs(b - a) < 2**40 for a, b in itertools.pairwise(tails)) <= 1
