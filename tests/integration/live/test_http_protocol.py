"""The server's HTTP/1 protocol: HTTP/1.0 clients, slow request heads, unreadable requests."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx2
import pytest
import uvicorn

from chat_domain import subscriptions
from entrypoints import protocol
from entrypoints.bootstrap import build_app
from entrypoints.http import events
from entrypoints.settings import Settings
from tests.integration.live.server import ServerProcess, free_port
from tests.integration.live.sse import Stream

HEAD_TIMEOUT_S = 0.5  # in place of the server's 10 s, for the in-process server


def _exchange(port: int, request: bytes, *, timeout: float = 10) -> bytes:
    """Send ``request`` and read until the server closes the connection."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as conn:
        conn.sendall(request)
        answer = b""
        while part := conn.recv(65536):
            answer += part
    return answer


def _head_and_body(answer: bytes) -> tuple[list[str], bytes]:
    head, _, body = answer.partition(b"\r\n\r\n")
    return head.decode("latin-1").lower().split("\r\n"), body


def _post(path: str, body: dict[str, object], version: str = "1.0") -> bytes:
    data = json.dumps(body).encode()
    head = f"POST {path} HTTP/{version}\r\nHost: t\r\nContent-Length: {len(data)}\r\n\r\n"
    return head.encode() + data


@pytest.fixture(scope="module")
def long_chat(live_server: ServerProcess) -> str:
    """A chat longer than one page of the whole-list answer, so that it streams."""
    with live_server.client() as client:
        user = client.post("/users/add", json={"username": "http10"}).json()["id"]
        chat: str = client.post("/chats/add", json={"name": "http10", "users": [user]}).json()["id"]

        def send(n: int) -> int:
            body = {"chat": chat, "author": user, "text": f"m{n}"}
            return client.post("/messages/add", json=body).status_code

        with ThreadPoolExecutor(8) as pool:
            assert set(pool.map(send, range(2001))) == {201}
    return chat


def test_an_http_1_0_client_gets_a_streamed_list_without_chunked_encoding(
    live_server: ServerProcess, long_chat: str
) -> None:
    answer = _exchange(live_server.port, _post("/messages/get", {"chat": long_chat}))
    head, body = _head_and_body(answer)
    assert head[0].startswith("http/1.1 200")
    assert not [line for line in head if line.startswith("transfer-encoding")]
    assert "connection: close" in head
    messages = json.loads(body)
    assert len(messages) == 2001
    assert {m["text"] for m in messages} == {f"m{n}" for n in range(2001)}


def test_an_http_1_1_client_still_gets_the_streamed_list_chunked(
    live_server: ServerProcess, long_chat: str
) -> None:
    request = _post("/messages/get", {"chat": long_chat}, version="1.1")
    request = request.replace(b"Host: t\r\n", b"Host: t\r\nConnection: close\r\n")
    head, _ = _head_and_body(_exchange(live_server.port, request))
    assert "transfer-encoding: chunked" in head


def test_an_http_1_0_client_gets_a_short_answer_with_its_length(
    live_server: ServerProcess,
) -> None:
    head, body = _head_and_body(
        _exchange(live_server.port, _post("/users/add", {"username": "http10-short"}))
    )
    assert head[0].startswith("http/1.1 201")
    assert f"content-length: {len(body)}" in head


@pytest.mark.parametrize(
    "request_bytes",
    [
        b"POST /users/add HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}",
        b"POST /users/add HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"zz\r\n{}\r\n0\r\n\r\n",
        b"GARBAGE\x01 / NOT-HTTP\r\n\r\n",
    ],
    ids=["two-content-lengths", "bad-chunk-size", "garbage-request-line"],
)
def test_a_request_the_parser_cannot_read_is_answered_400_problem_json(
    live_server: ServerProcess, request_bytes: bytes
) -> None:
    head, body = _head_and_body(_exchange(live_server.port, request_bytes))
    assert head[0].startswith("http/1.1 400")
    assert "content-type: application/problem+json" in head
    assert "x-content-type-options: nosniff" in head
    problem = json.loads(body)
    assert problem["status"] == 400
    assert problem["code"] == "invalid_http"
    assert problem["detail"]


@pytest.fixture
def quick_server(monkeypatch: pytest.MonkeyPatch, sqlite_database_url: str) -> Iterator[int]:
    """A real uvicorn server with the service's protocol, in this process, whose
    request heads must arrive within ``HEAD_TIMEOUT_S``."""
    monkeypatch.setattr(protocol, "HEAD_TIMEOUT_S", HEAD_TIMEOUT_S)
    yield from _serve(build_app(Settings(database_url=sqlite_database_url)), monkeypatch)


def _serve(app: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    port = free_port()
    config = uvicorn.Config(
        app, port=port, http=protocol.ChatHttpProtocol, log_level="warning", timeout_keep_alive=5
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    yield port
    server.should_exit = True
    thread.join(timeout=10)


def _closed_by_server(conn: socket.socket) -> bool:
    try:
        return conn.recv(1) == b""
    except TimeoutError:
        return False
    except ConnectionResetError:
        return True


def test_request_heads_that_dribble_in_are_cut_off_at_the_deadline(quick_server: int) -> None:
    slow = [socket.create_connection(("127.0.0.1", quick_server)) for _ in range(50)]
    idle = socket.create_connection(("127.0.0.1", quick_server))
    try:
        for conn in slow:
            conn.sendall(b"POST /users/add HTTP/1.1\r\nHost: t\r\n")
        started = time.monotonic()
        while time.monotonic() - started < HEAD_TIMEOUT_S * 3:
            for conn in slow:
                with contextlib.suppress(OSError):
                    conn.sendall(b"X")  # one byte of a header at a time
            # Meanwhile a normal request is answered at once.
            answer = httpx2.get(f"http://127.0.0.1:{quick_server}/health/live", timeout=2)
            assert answer.status_code == 200
            time.sleep(0.1)
        for conn in [*slow, idle]:
            conn.settimeout(2)
        assert all(_closed_by_server(conn) for conn in slow)
        assert _closed_by_server(idle), "a connection that never sends is cut off too"
    finally:
        for conn in [*slow, idle]:
            conn.close()


def test_a_kept_alive_connection_idle_between_requests_is_not_cut_by_the_deadline(
    quick_server: int,
) -> None:
    # Idle time between requests is the keep-alive timeout's (5 s here) to end.
    with socket.create_connection(("127.0.0.1", quick_server), timeout=5) as conn:
        for _ in range(3):
            conn.sendall(b"GET /health/live HTTP/1.1\r\nHost: t\r\n\r\n")
            answer = b""
            while not answer.endswith(b"}"):
                part = conn.recv(65536)
                assert part, "the server closed a kept-alive connection"
                answer += part
            assert answer.startswith(b"HTTP/1.1 200")
            time.sleep(HEAD_TIMEOUT_S * 1.5)


@pytest.fixture
def stream_server(monkeypatch: pytest.MonkeyPatch, sqlite_database_url: str) -> Iterator[int]:
    """The in-process server, with a stream's keep-alive and queue made small."""
    monkeypatch.setattr(events, "KEEP_ALIVE_S", 0.3)
    monkeypatch.setattr(subscriptions, "QUEUE_MOST", 5)
    yield from _serve(build_app(Settings(database_url=sqlite_database_url)), monkeypatch)


def test_a_quiet_stream_sends_a_comment_at_each_keep_alive_interval(stream_server: int) -> None:
    user = httpx2.post(f"http://127.0.0.1:{stream_server}/users/add", json={"username": "q"})
    stream = Stream(stream_server, f"user={user.json()['id']}")
    try:
        assert stream.next().retry == 2000  # type: ignore[union-attr]
        comments = [stream.next(timeout=2) for _ in range(3)]
        assert all(frame is not None and frame.comment == "keep-alive" for frame in comments)
    finally:
        stream.close()


def test_a_client_that_does_not_read_its_stream_is_let_go(stream_server: int) -> None:
    base = f"http://127.0.0.1:{stream_server}"
    user = httpx2.post(f"{base}/users/add", json={"username": "slow"}).json()["id"]
    chat = httpx2.post(f"{base}/chats/add", json={"name": "s", "users": [user]}).json()["id"]
    slow = socket.socket()
    slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # before connecting: a small window
    slow.connect(("127.0.0.1", stream_server))
    slow.sendall(f"GET /events?user={user} HTTP/1.1\r\nHost: t\r\n\r\n".encode())
    try:
        with httpx2.Client(base_url=base) as client:
            for n in range(1500):  # 6 MB: more than the kernel's buffers and the queue hold
                body = {"chat": chat, "author": user, "text": f"{n} " + "x" * 4000}
                assert client.post("/messages/add", json=body).status_code == 201
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                metrics = client.get("/metrics").text
                if "chat_streams_open 0.0" in metrics:
                    break
                time.sleep(0.1)
            assert "chat_streams_open 0.0" in metrics, "the slow stream is still held"
            # The service goes on meanwhile.
            assert client.post("/users/add", json={"username": "next"}).status_code == 201
    finally:
        slow.close()


def test_a_busy_stream_still_sends_a_comment_at_each_keep_alive_interval(
    stream_server: int,
) -> None:
    base = f"http://127.0.0.1:{stream_server}"
    user = httpx2.post(f"{base}/users/add", json={"username": "busy"}).json()["id"]
    chat = httpx2.post(f"{base}/chats/add", json={"name": "b", "users": [user]}).json()["id"]
    stream = Stream(stream_server, f"user={user}")
    try:
        assert stream.next().retry == 2000  # type: ignore[union-attr]
        comments = 0
        with httpx2.Client(base_url=base) as client:
            started = time.monotonic()
            while time.monotonic() - started < 1.2:  # events more often than the interval
                body = {"chat": chat, "author": user, "text": "tick"}
                assert client.post("/messages/add", json=body).status_code == 201
                while (frame := stream.frames.get(timeout=5)) is not None and frame.event is None:
                    comments += frame.comment == "keep-alive"
                time.sleep(0.05)
        assert comments >= 2
    finally:
        stream.close()
