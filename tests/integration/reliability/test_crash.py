"""The server is killed mid-load, or asked to stop mid-request: nothing acknowledged is lost.

SIGKILL gives the process no chance to flush anything, so what survives is
what the database had made durable when the 201 went out. SIGTERM is how
process managers stop a server: requests already in flight must finish.
"""

from __future__ import annotations

import json
import signal
import socket
import threading
import time
from pathlib import Path

import httpx2
import pytest

from tests.integration.live.server import ServerProcess, migrate, start_server
from tests.races import race

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
WRITERS = 8
ACKED_BEFORE_KILL = 150
MAX_SENDS_PER_WRITER = 2_000


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    url: str = request.getfixturevalue(f"empty_{request.param}_url")
    migrate(url, tmp_path)
    return url


def seed(server: ServerProcess, authors: int) -> tuple[str, list[str]]:
    with server.client() as http:
        users = [
            http.post("/users/add", json={"username": f"writer{n}"}).json()["id"]
            for n in range(authors)
        ]
        chat = http.post("/chats/add", json={"name": "load", "users": users}).json()["id"]
    return chat, users


@pytest.mark.timeout(180)
def test_sigkill_mid_load_loses_no_acknowledged_message(database_url: str, tmp_path: Path) -> None:
    server = start_server(database_url, tmp_path)
    chat, authors = seed(server, WRITERS)
    acked: list[list[str]] = [[] for _ in range(WRITERS)]
    unanswered: list[dict[str, str]] = []  # the sends in flight when the server died
    enough = threading.Event()

    def body_of(n: int, k: int) -> dict[str, str]:
        text = f"{n}:{k}"
        return {"chat": chat, "author": authors[n], "text": text, "client_msg_id": text}

    def write(n: int) -> None:
        with httpx2.Client(base_url=server.url, timeout=10) as http:
            for k in range(MAX_SENDS_PER_WRITER):
                body = body_of(n, k)
                try:
                    answer = http.post("/messages/add", json=body)
                except httpx2.TransportError:
                    unanswered.append(body)  # the server is gone: this answer never came
                    return
                assert answer.status_code == 201, answer.text
                acked[n].append(answer.json()["id"])
                if sum(map(len, acked)) >= ACKED_BEFORE_KILL:
                    enough.set()

    writers = [threading.Thread(target=write, args=(n,)) for n in range(WRITERS)]
    for thread in writers:
        thread.start()
    assert enough.wait(timeout=60), "the writers never got going"
    server.process.send_signal(signal.SIGKILL)
    server.process.wait(timeout=10)
    for thread in writers:
        thread.join(timeout=30)

    again = start_server(database_url, tmp_path)
    try:
        with again.client() as http:
            # Retries with the same keys: the acknowledged ones answer their
            # original ids, the unanswered ones are stored at most once.
            for n, ids in enumerate(acked):
                for k in (0, len(ids) - 1) if ids else ():
                    retry = http.post("/messages/add", json=body_of(n, k))
                    assert (retry.status_code, retry.json()["id"]) == (201, ids[k]), retry.text
                    assert retry.headers["idempotent-replayed"] == "true"
            for body in unanswered:
                assert http.post("/messages/add", json=body).status_code == 201
            messages = http.post("/messages/get", json={"chat": chat}).json()
            (listed,) = http.post("/chats/get", json={"user": authors[0]}).json()
    finally:
        assert again.stop()
    assert len({m["text"] for m in messages}) == len(messages), "a retry stored a message twice"
    stored = [m["id"] for m in messages]
    assert len(stored) == len(set(stored))
    missing = {i for ids in acked for i in ids} - set(stored)
    assert not missing, f"{len(missing)} acknowledged messages were lost"
    for n, ids in enumerate(acked):
        # Each writer's messages, acknowledged ones first, in the order sent.
        mine = [m["text"] for m in messages if m["author"] == authors[n]]
        assert mine[: len(ids)] == [f"{n}:{k}" for k in range(len(ids))]
    assert listed["last_message_at"] == messages[-1]["created_at"]


def _start_request(server: ServerProcess, body: bytes, sent: int) -> socket.socket:
    """A request whose headers and first ``sent`` body bytes have reached the server."""
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    head = (
        "POST /messages/add HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    sock.sendall(head.encode() + body[:sent])
    return sock


def _finish_request(sock: socket.socket, body: bytes, sent: int) -> tuple[int, dict[str, str]]:
    with sock:
        sock.sendall(body[sent:])
        answer = b""
        while b"\r\n\r\n" not in answer or not answer.rstrip().endswith(b"}"):
            chunk = sock.recv(65536)
            if not chunk:
                break
            answer += chunk
    head, _, payload = answer.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    return status, json.loads(payload)


@pytest.mark.timeout(120)
def test_sigterm_lets_requests_in_flight_finish(database_url: str, tmp_path: Path) -> None:
    server = start_server(database_url, tmp_path)
    chat, (author,) = seed(server, 1)
    bodies = [
        json.dumps({"chat": chat, "author": author, "text": f"in flight {n}"}).encode()
        for n in range(3)
    ]
    half = [len(body) // 2 for body in bodies]
    sockets = [_start_request(server, b, s) for b, s in zip(bodies, half, strict=True)]
    time.sleep(0.3)  # the server has read the headers and is waiting for the rest
    server.process.send_signal(signal.SIGTERM)
    time.sleep(0.3)
    # Stopping: no new connections are taken, but the open requests go on.
    with pytest.raises(httpx2.TransportError):
        httpx2.get(f"{server.url}/health/live", timeout=2)
    answers = race(3, lambda n: _finish_request(sockets[n], bodies[n], half[n]))
    assert [a[0] for a in answers if not isinstance(a, Exception)] == [201, 201, 201], answers
    assert server.stop(), server.output()

    again = start_server(database_url, tmp_path)
    try:
        with again.client() as http:
            messages = http.post("/messages/get", json={"chat": chat}).json()
    finally:
        assert again.stop()
    assert sorted(m["text"] for m in messages) == [f"in flight {n}" for n in range(3)]
