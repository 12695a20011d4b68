"""Races over HTTP, against two server processes sharing one database.

Requests released together by a barrier end in the contract's answer: one
201 and the rest 409 for one name, every message stored and listed in order
for one chat, and the chat's ``last_message_at`` on its newest message.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import httpx2
import pytest

from tests.integration.databases import throwaway_postgres_database
from tests.integration.live.server import ServerProcess, migrate, start_server
from tests.races import race

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
RACERS = 12


@pytest.fixture(scope="module", params=BACKENDS)
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    home = tmp_path_factory.mktemp("races")
    with contextlib.ExitStack() as stack:
        if request.param == "sqlite":
            url = f"sqlite:///{home / 'chat.db'}"
        else:
            admin = request.getfixturevalue("postgresql_server")
            url = stack.enter_context(throwaway_postgres_database(admin))
        migrate(url, home)
        yield url


@pytest.fixture(scope="module")
def server(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """One server per backend for the module: each test races for names of its own."""
    process = start_server(database_url, tmp_path_factory.mktemp("server"), "--workers", "2")
    yield process
    assert process.stop()


@pytest.fixture(scope="module")
def other_server(
    database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    """A second ``chat-server serve`` on the same database."""
    process = start_server(database_url, tmp_path_factory.mktemp("other"))
    yield process
    assert process.stop()


def post_all(
    server: ServerProcess | list[ServerProcess], path: str, bodies: list[object]
) -> list[httpx2.Response]:
    """POST each body from its own thread and connection, all at once; with several
    servers, the bodies go to each in turn."""
    servers = server if isinstance(server, list) else [server]

    def post(n: int) -> httpx2.Response:
        with httpx2.Client(base_url=servers[n % len(servers)].url, timeout=30) as http:
            return http.post(path, json=bodies[n])

    outcomes = race(len(bodies), post)
    answers = [o for o in outcomes if isinstance(o, httpx2.Response)]
    assert len(answers) == len(bodies), outcomes
    return answers


def _member_of_a_new_chat(server: ServerProcess, name: str) -> tuple[str, str]:
    """A new user, and a new chat of which it is the one member."""
    with server.client() as http:
        user = http.post("/users/add", json={"username": name}).json()["id"]
        chat = http.post("/chats/add", json={"name": name, "users": [user]}).json()["id"]
    return user, chat


def one_winner(answers: list[httpx2.Response], code: str) -> str:
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [201] + [409] * (len(answers) - 1), [a.text for a in answers]
    assert {a.json()["code"] for a in answers if a.status_code == 409} == {code}
    (winner,) = [a.json()["id"] for a in answers if a.status_code == 201]
    assert isinstance(winner, str)
    return winner


def test_one_username_raced_in_any_case_gives_one_201(server: ServerProcess) -> None:
    names = ["Racer", "RACER", "racer", "rAcEr"]
    bodies: list[object] = [{"username": names[n % 4]} for n in range(RACERS)]
    winner = one_winner(post_all(server, "/users/add", bodies), "username_taken")
    with server.client() as http:
        assert http.post("/chats/get", json={"user": winner}).json() == []


def test_one_chat_name_raced_in_any_case_gives_one_201(server: ServerProcess) -> None:
    with server.client() as http:
        user = http.post("/users/add", json={"username": "owner"}).json()["id"]
    bodies: list[object] = [
        {"name": "Room 1" if n % 2 else "ROOM 1", "users": [user]} for n in range(RACERS)
    ]
    winner = one_winner(post_all(server, "/chats/add", bodies), "chat_name_taken")
    with server.client() as http:
        listed = http.post("/chats/get", json={"user": user}).json()
    assert [c["id"] for c in listed] == [winner]


def test_concurrent_sends_to_one_chat_all_land_in_order(server: ServerProcess) -> None:
    with server.client() as http:
        authors = [
            http.post("/users/add", json={"username": f"author{n}"}).json()["id"] for n in range(8)
        ]
        chat = http.post("/chats/add", json={"name": "busy", "users": authors}).json()["id"]
    sends = 10

    def send(n: int) -> list[str]:
        with httpx2.Client(base_url=server.url, timeout=30) as http:
            ids = []
            for k in range(sends):
                body = {"chat": chat, "author": authors[n], "text": f"{n}:{k}"}
                answer = http.post("/messages/add", json=body)
                assert answer.status_code == 201, answer.text
                ids.append(answer.json()["id"])
            return ids

    outcomes = race(8, send)
    sent = {i for o in outcomes if isinstance(o, list) for i in o}
    assert len(sent) == 8 * sends, outcomes
    with server.client() as http:
        messages = http.post("/messages/get", json={"chat": chat}).json()
        listed = [http.post("/chats/get", json={"user": a}).json() for a in authors]
    assert {m["id"] for m in messages} == sent
    assert messages == sorted(messages, key=lambda m: (m["created_at"], m["id"]))
    for n in range(8):
        mine = [m["text"] for m in messages if m["author"] == authors[n]]
        assert mine == [f"{n}:{k}" for k in range(sends)]
    for chats in listed:
        (only,) = chats
        assert only["last_message_at"] == messages[-1]["created_at"]


def test_one_key_raced_through_two_servers_stores_one_message_every_answer_names(
    server: ServerProcess, other_server: ServerProcess
) -> None:
    alice, chat = _member_of_a_new_chat(server, "keyed")
    body = {"chat": chat, "author": alice, "text": "once", "client_msg_id": "raced"}
    answers = post_all([server, other_server], "/messages/add", [body] * 16)
    assert [a.status_code for a in answers] == [201] * 16, [a.text for a in answers]
    assert len({a.json()["id"] for a in answers}) == 1
    replayed = sorted(a.headers.get("idempotent-replayed", "") for a in answers)
    assert replayed == [""] + ["true"] * 15
    with other_server.client() as http:
        listed = http.post("/messages/get", json={"chat": chat}).json()
    assert [m["id"] for m in listed] == [answers[0].json()["id"]]


def test_a_retry_through_another_server_process_is_a_replay(
    server: ServerProcess, other_server: ServerProcess
) -> None:
    bob, chat = _member_of_a_new_chat(server, "retried")
    body = {"chat": chat, "author": bob, "text": "hello", "client_msg_id": "lost answer"}
    with server.client() as http:
        first = http.post("/messages/add", json=body)
    with other_server.client() as http:
        again = http.post("/messages/add", json=body)
        reused = http.post("/messages/add", json={**body, "text": "other"})
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert (reused.status_code, reused.json()["code"]) == (422, "client_msg_id_reused")
    assert first.json()["id"] in reused.json()["detail"]
