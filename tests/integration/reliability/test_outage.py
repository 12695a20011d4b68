"""PostgreSQL goes away (refusing, or silently dropping packets) and comes back.

The database is reached through a proxy the test owns and cuts; the shared
server itself is never touched. While it is away every request answers 503
``unavailable`` with ``Retry-After`` within 3 s; when it is back the same
app, never restarted, answers as before and has lost nothing.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx2
import pytest
from sqlalchemy.engine import make_url

from tests.integration.live.server import start_server
from tests.integration.live.sse import Stream
from tests.integration.reliability.tcp_proxy import Fault, TcpProxy

pytestmark = pytest.mark.postgres

ANSWER_WITHIN_S = 3.0
HEAL_WITHIN_S = 10.0


@pytest.fixture
def proxy(postgresql_database_url: str) -> Iterator[TcpProxy]:
    url = make_url(postgresql_database_url)
    with TcpProxy(target=(url.host or "127.0.0.1", url.port or 5432)) as tcp_proxy:
        yield tcp_proxy


@pytest.fixture
def client(
    proxy: TcpProxy, postgresql_database_url: str, tmp_path: Path
) -> Iterator[httpx2.Client]:
    """A real server process whose database is behind the proxy."""
    url = make_url(postgresql_database_url).set(host="127.0.0.1", port=proxy.port)
    server = start_server(url.render_as_string(hide_password=False), tmp_path)
    try:
        # The client's own timeout is far above the promise, so a broken
        # promise fails the test instead of hanging it.
        with httpx2.Client(base_url=server.url, timeout=4 * ANSWER_WITHIN_S) as http:
            yield http
    finally:
        server.process.kill()
        server.process.wait(timeout=10)


def timed(client: httpx2.Client, method: str, path: str, body: object = None) -> httpx2.Response:
    started = time.monotonic()
    answer = client.request(method, path, json=body)
    elapsed = time.monotonic() - started
    assert elapsed < ANSWER_WITHIN_S, f"{method} {path} took {elapsed:.2f}s"
    return answer


def assert_unavailable(answer: httpx2.Response) -> None:
    assert answer.status_code == 503, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.json()["code"] == "unavailable"
    assert int(answer.headers["retry-after"]) > 0


def created(answer: httpx2.Response) -> str:
    assert answer.status_code == 201, answer.text
    new_id: str = answer.json()["id"]
    return new_id


@pytest.mark.timeout(60)
@pytest.mark.parametrize("fault", ["refuse", "stall"])
def test_an_outage_answers_503_fast_and_heals_without_a_restart(
    client: httpx2.Client, proxy: TcpProxy, fault: Fault
) -> None:
    alice = created(client.post("/users/add", json={"username": "alice"}))
    chat = created(client.post("/chats/add", json={"name": "room", "users": [alice]}))
    created(client.post("/messages/add", json={"chat": chat, "author": alice, "text": "before"}))
    # The pages' own connections (read on the event loop) are open when the outage begins.
    page = {"chat": chat, "limit": 10}
    assert client.post("/messages/get", json=page).json()["messages"][0]["text"] == "before"

    proxy.cut(fault)
    requests = [
        ("POST", "/messages/get", page),
        ("POST", "/chats/get", {"user": alice, "limit": 10}),
        ("POST", "/users/add", {"username": "bob"}),
        ("POST", "/chats/add", {"name": "other", "users": [alice]}),
        ("POST", "/messages/add", {"chat": chat, "author": alice, "text": "during"}),
        ("POST", "/chats/get", {"user": alice}),
        ("POST", "/messages/get", {"chat": chat}),
        ("GET", "/health/ready", None),
    ]
    for method, path, body in requests:
        assert_unavailable(timed(client, method, path, body))
    # Many at once too: none waits behind another for TCP to give up.
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda r: timed(client, *r), requests + requests[:2]))
    for answer in answers:
        assert_unavailable(answer)
    assert client.get("/health/live").status_code == 200
    # Readiness tells the operator what to fix: the database, not the schema.
    assert "does not answer" in client.get("/health/ready").json()["detail"]

    proxy.restore()
    deadline = time.monotonic() + HEAL_WITHIN_S
    while client.get("/health/ready").status_code != 200:
        assert time.monotonic() < deadline, "the service did not heal by itself"
        time.sleep(0.1)
    created(client.post("/messages/add", json={"chat": chat, "author": alice, "text": "after"}))
    messages = client.post("/messages/get", json={"chat": chat}).json()
    paged = client.post("/messages/get", json=page).json()["messages"]
    assert [m["text"] for m in paged] == ["before", "after"]
    # Nothing refused during the outage was half-written; nothing before it was lost.
    assert [m["text"] for m in messages] == ["before", "after"]
    # The first write of the outage went out on an open connection before the
    # network fell silent: its fate is unknown to the service (a stall, not a
    # refusal). Once delivered it is applied whole, or it never was.
    retried = client.post("/users/add", json={"username": "bob"}).status_code
    assert retried in (201, 409) if fault == "stall" else retried == 201
    assert client.post("/users/get", json={"username": "bob"}).status_code == 200


@pytest.mark.timeout(90)
@pytest.mark.parametrize("fault", ["refuse", "stall"])
def test_streams_stay_open_while_the_database_is_away_and_then_tell_everything(
    proxy: TcpProxy, postgresql_database_url: str, tmp_path: Path, fault: Fault
) -> None:
    behind = make_url(postgresql_database_url).set(host="127.0.0.1", port=proxy.port)
    streaming = start_server(behind.render_as_string(hide_password=False), tmp_path)
    direct = start_server(postgresql_database_url, tmp_path)
    try:
        with httpx2.Client(base_url=direct.url, timeout=10) as http:
            user = created(http.post("/users/add", json={"username": "watcher"}))
            chat = created(http.post("/chats/add", json={"name": "w", "users": [user]}))
            stream = Stream(streaming.port, f"user={user}")
            try:
                assert stream.next().retry == 2000  # type: ignore[union-attr]
                proxy.cut(fault)
                # Sent through the other process while this one cannot read.
                sent = [
                    created(
                        http.post(
                            "/messages/add", json={"chat": chat, "author": user, "text": f"{n}"}
                        )
                    )
                    for n in range(3)
                ]
                assert stream.quiet(1.0)
                assert stream.sock.fileno() != -1
                proxy.restore()
                told = stream.events(3, timeout=HEAL_WITHIN_S + 5)
                assert [frame.json["id"] for frame in told] == sent
            finally:
                stream.close()
    finally:
        streaming.process.kill()
        streaming.process.wait(timeout=10)
        direct.stop()
