"""The real ``chat-server`` process over a socket: five methods, restart, limits, workers."""

from __future__ import annotations

import itertools
import re
import select
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.api.calls import add_chat, add_message, add_user, problem
from tests.integration.databases import SQL_BACKENDS
from tests.integration.live.server import CHAT_SERVER, ServerProcess, migrate, start_server

GIB = 1024**3


@pytest.mark.parametrize("backend", SQL_BACKENDS)
def test_data_survives_a_restart_of_the_real_server(
    request: pytest.FixtureRequest, tmp_path: Path, backend: str
) -> None:
    # What `make run` does: migrate a database nothing has touched, then serve.
    url = request.getfixturevalue(f"empty_{backend}_url")
    migrate(url, tmp_path)
    server = start_server(url, tmp_path)
    try:
        with server.client() as http:
            alice, bob = add_user(http, "alice"), add_user(http, "bob")
            chat = add_chat(http, "chat_1", [alice, bob])
            add_message(http, chat, bob, "see you after the restart")
            chats = http.post("/chats/get", json={"user": alice}).json()
            messages = http.post("/messages/get", json={"chat": chat}).json()
    finally:
        assert server.stop()
    assert [c["id"] for c in chats] == [chat]
    assert [m["text"] for m in messages] == ["see you after the restart"]
    assert re.search(r"POST /users/add 201 [\d.]+ms request_id=\w+", server.output())

    again = start_server(url, tmp_path)
    try:
        with again.client() as http:
            assert http.post("/chats/get", json={"user": alice}).json() == chats
            assert http.post("/messages/get", json={"chat": chat}).json() == messages
            problem(http.post("/users/add", json={"username": "ALICE"}), 409, "username_taken")
    finally:
        assert again.stop()


def test_several_workers_serve_one_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'chat.db'}"
    migrate(url, tmp_path)
    server = start_server(url, tmp_path, "--workers", "2")
    try:
        with server.client() as http:
            ids = [add_user(http, f"user_{n}") for n in range(10)]
            add_chat(http, "everyone", ids)
    finally:
        assert server.stop()
    workers = set(re.findall(r"Started server process \[(\d+)\]", server.output()))
    assert len(workers) == 2


def test_a_wrong_setting_stops_the_start_with_one_line(tmp_path: Path) -> None:
    done = subprocess.run(
        [CHAT_SERVER, "serve", "--workers", "lots"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "chat-server serve: --workers must be a whole number from 1 to 512, not 'lots'"
    ]


def _stream(server: ServerProcess, head: bytes, chunks: Iterator[bytes]) -> tuple[bytes, int, bool]:
    """Send a request's head and then its body until the server answers: the answer,
    how many body bytes went out before it, and whether the server then hung up
    rather than read on."""
    sent = 0
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as conn:
        conn.sendall(head)
        for chunk in chunks:
            if select.select([conn], [], [], 0)[0]:
                break  # the server has answered
            try:
                conn.sendall(chunk)
            except OSError:  # the server closed the connection
                break
            sent += len(chunk)
        answer = b""
        while b"\r\n\r\n" not in answer or not answer.endswith(b"}"):
            part = conn.recv(65536)
            if not part:
                break
            answer += part
        try:
            for chunk in itertools.islice(chunks, 1000):
                conn.sendall(chunk)
        except OSError:
            return answer, sent, True
    return answer, sent, False


def _megabytes(total: int, chunk: bytes) -> Iterator[bytes]:
    for _ in range(total // len(chunk)):
        yield chunk


@pytest.mark.parametrize("framing", ["content-length", "chunked"])
def test_a_2_gib_body_is_refused_413_without_being_read(
    live_server: ServerProcess, framing: str
) -> None:
    if framing == "content-length":
        head = f"POST /users/add HTTP/1.1\r\nHost: t\r\nContent-Length: {2 * GIB}\r\n\r\n"
        body = _megabytes(2 * GIB, b" " * 65536)
    else:
        head = "POST /users/add HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
        body = _megabytes(2 * GIB, b"10000\r\n" + b" " * 65536 + b"\r\n")
    answer, sent, hung_up = _stream(live_server, head.encode(), body)
    assert answer.startswith(b"HTTP/1.1 413 "), answer[:200]
    assert b"application/problem+json" in answer
    assert b'"code":"body_too_large"' in answer
    assert sent < 16 * 1024 * 1024  # socket buffers; far short of 2 GiB
    assert hung_up
