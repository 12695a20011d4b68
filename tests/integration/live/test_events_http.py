"""``GET /events`` on real server processes: across processes, reconnects, stops and faults."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest
from sqlalchemy import text

from entrypoints.bootstrap import Database, open_database
from tests.integration.live.server import ServerProcess, migrate, start_server
from tests.integration.live.sse import Stream

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def shared_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated database that two server processes share."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'chat.db'}"
        migrate(url, tmp_path)
        return url
    postgres: str = request.getfixturevalue("postgresql_database_url")
    return postgres


@pytest.fixture
def two_servers(shared_url: str, tmp_path: Path) -> Iterator[tuple[ServerProcess, ServerProcess]]:
    first = start_server(shared_url, tmp_path)
    second = start_server(shared_url, tmp_path)
    yield first, second
    first.stop()
    second.stop()


def _post(server: ServerProcess, path: str, body: dict[str, object]) -> str:
    answer = httpx2.post(f"{server.url}{path}", json=body, timeout=10)
    assert answer.status_code == 201, answer.text
    identifier: str = answer.json()["id"]
    return identifier


def _room(server: ServerProcess, *names: str) -> tuple[list[str], str]:
    users = [_post(server, "/users/add", {"username": name}) for name in names]
    return users, _post(server, "/chats/add", {"name": "room-" + "-".join(names), "users": users})


def _send(server: ServerProcess, chat: str, author: str, text_: str) -> str:
    return _post(server, "/messages/add", {"chat": chat, "author": author, "text": text_})


def test_a_stream_on_one_process_gets_what_is_sent_through_another(
    two_servers: tuple[ServerProcess, ServerProcess],
) -> None:
    here, there = two_servers
    (alice, bob), _ = _room(here, "alice", "bob")
    stream = Stream(here.port, f"user={alice}")
    try:
        assert stream.next().retry == 2000  # type: ignore[union-attr]
        assert "content-type: text/event-stream" in stream.head
        _, chat = _room(there, "carol")  # not alice's: never told
        chat = _post(there, "/chats/add", {"name": "duo", "users": [bob, alice]})
        sent = _send(there, chat, bob, "from the other process")
        # Woken by the other process, not found by the reader's 5 s timer.
        new_chat, message = stream.events(2, timeout=3)
        assert (new_chat.event, new_chat.json["id"], new_chat.json["users"]) == (
            "chat",
            chat,
            [bob, alice],
        )
        assert (message.event, message.json["id"], message.json["text"]) == (
            "message",
            sent,
            "from the other process",
        )
        assert stream.quiet()
    finally:
        stream.close()


def test_a_client_reconnecting_to_another_process_with_its_last_id_gets_what_it_missed(
    two_servers: tuple[ServerProcess, ServerProcess],
) -> None:
    here, there = two_servers
    (alice, bob), chat = _room(here, "alice", "bob")
    stream = Stream(here.port, f"user={alice}")
    first = _send(here, chat, bob, "one")
    [seen] = stream.events(1)
    assert seen.json["id"] == first
    stream.close()
    missed = [_send(here, chat, bob, f"missed {n}") for n in range(3)]
    again = Stream(there.port, f"user={alice}", headers={"Last-Event-ID": seen.id or ""})
    try:
        assert [frame.json["id"] for frame in again.events(3)] == missed
        later = _send(there, chat, alice, "later")
        assert [frame.json["id"] for frame in again.events(1)] == [later]
        assert again.quiet()
    finally:
        again.close()
    # ?after= does the same, for clients that cannot set the header.
    by_query = Stream(here.port, f"user={alice}&after={seen.id}")
    try:
        assert [frame.json["id"] for frame in by_query.events(4)] == [*missed, later]
    finally:
        by_query.close()


def test_a_bad_user_or_position_is_refused_before_the_stream_starts(
    live_server: ServerProcess,
) -> None:
    user = _post(live_server, "/users/add", {"username": "stream-refusals"})
    cases = {
        "user=abc": (400, "invalid_field"),
        "": (400, "missing_field"),
        "user=0193a5c4-6b2e-7cf1-9d4e-3a1f2b7c8d90": (404, "user_not_found"),
        f"user={user}&after=nowhere": (400, "invalid_field"),
    }
    for query, (status, code) in cases.items():
        answer = httpx2.get(f"{live_server.url}/events?{query}", timeout=10)
        assert (answer.status_code, answer.json()["code"]) == (status, code), query
        assert answer.headers["content-type"] == "application/problem+json"


def test_an_http_1_0_client_gets_the_stream_without_chunked_encoding(
    live_server: ServerProcess,
) -> None:
    (alice,), chat = _room(live_server, "http10-streamer")
    stream = Stream(live_server.port, f"user={alice}", version="1.0")
    try:
        assert stream.next().retry == 2000  # type: ignore[union-attr]
        sent = _send(live_server, chat, alice, "to a 1.0 client")
        [frame] = stream.events(1)
        assert frame.json["id"] == sent
        assert "transfer-encoding" not in stream.head
        assert "connection: close" in stream.head
    finally:
        stream.close()


def test_stopping_the_server_ends_its_streams_cleanly_and_at_once(
    sqlite_database_url: str, tmp_path: Path
) -> None:
    server = start_server(sqlite_database_url, tmp_path)
    (alice,), _ = _room(server, "stopper")
    streams = [Stream(server.port, f"user={alice}") for _ in range(3)]
    for stream in streams:
        assert stream.next().retry == 2000  # type: ignore[union-attr]
    started = time.monotonic()
    assert server.stop()
    assert time.monotonic() - started < 5, "the server waited for its streams"
    for stream in streams:
        frames = []
        while (frame := stream.next()) is not None:
            frames.append(frame)
        assert frames[-1].comment is not None
        assert "reconnect" in frames[-1].comment
        assert stream.raw.endswith(b"0\r\n\r\n"), "the chunked answer was not ended"
        stream.close()


def _kill_listeners(database: Database, within_s: float) -> None:
    """End the servers' wake-up connections, once they are there."""
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        with database.engine.connect() as connection:
            killed = connection.execute(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                    " WHERE datname = current_database()"
                    " AND application_name = 'chat-server-listen'"
                )
            ).scalar_one()
        if killed:
            return
        time.sleep(0.05)
    raise AssertionError("no wake-up connection came back")


@pytest.mark.postgres
def test_the_wake_up_connection_killed_under_load_loses_nothing(
    postgresql_database_url: str, tmp_path: Path
) -> None:
    here, there = (start_server(postgresql_database_url, tmp_path) for _ in range(2))
    database = open_database(postgresql_database_url)
    try:
        (alice, bob), chat = _room(there, "alice", "bob")
        stream = Stream(here.port, f"user={alice}")
        assert stream.next().retry == 2000  # type: ignore[union-attr]
        sent: list[str] = []
        stop = threading.Event()

        def send_all_along() -> None:
            with httpx2.Client(base_url=there.url, timeout=10) as client:
                for n in range(300):
                    answer = client.post(
                        "/messages/add", json={"chat": chat, "author": bob, "text": f"m{n}"}
                    )
                    sent.append(answer.json()["id"])
                    if stop.is_set():
                        break

        sender = threading.Thread(target=send_all_along)
        sender.start()
        try:
            for _ in range(5):
                _kill_listeners(database, within_s=10)
                time.sleep(0.1)
            sender.join(60)
            told = [frame.json["id"] for frame in stream.events(len(sent), timeout=15)]
            assert told == sent
            assert stream.quiet()
        finally:
            stop.set()
            sender.join(60)
            stream.close()
    finally:
        database.dispose()
        here.stop()
        there.stop()
