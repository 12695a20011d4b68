"""A SQLite file that becomes unwritable, or is removed or replaced, while the server runs.

Each test runs a real ``chat-server serve`` process: what is at stake is
whether that process survives (SIGBUS kills it, not an exception), whether
it stops acknowledging writes it cannot keep, and whether it heals by
itself once the file is back.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx2
import pytest

from tests.integration.live.server import (
    CHAT_SERVER,
    ServerProcess,
    free_port,
    migrate,
    server_environ,
    start_server,
)

HEAL_WITHIN_S = 5.0


def _side_files(db: Path) -> list[Path]:
    return [db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")]


def _chattr(flag: str, paths: list[Path]) -> None:
    existing = [str(path) for path in paths if path.exists()]
    subprocess.run(["chattr", flag, *existing], check=True, capture_output=True)


@pytest.fixture
def home(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path
    # A failing test must not leave files that even root cannot remove.
    _chattr("-i", _side_files(tmp_path / "chat.db"))


@pytest.fixture
def immutable_files_supported(tmp_path: Path) -> None:
    probe = tmp_path / "probe"
    probe.touch()
    if shutil.which("chattr") is None or os.geteuid() != 0:
        pytest.skip("making a file immutable (chattr +i) needs root and chattr")
    made = subprocess.run(["chattr", "+i", str(probe)], check=False, capture_output=True)
    if made.returncode != 0:
        pytest.skip("this file system cannot make a file immutable (chattr +i)")
    _chattr("-i", [probe])


def _until(check: Callable[[], bool], within_s: float = HEAL_WITHIN_S) -> float:
    """Seconds until ``check()`` held; fails after ``within_s``."""
    started = time.monotonic()
    while not check():
        assert time.monotonic() - started < within_s, "did not happen in time"
        time.sleep(0.1)
    return time.monotonic() - started


@contextmanager
def _serving(home: Path, **environ: str) -> Iterator[ServerProcess]:
    """A server on a new, migrated ``home/chat.db``."""
    url = f"sqlite:///{home / 'chat.db'}"
    migrate(url, home)
    server = start_server(url, home, **environ)
    try:
        yield server
    finally:
        server.stop()


def _first_chat(server: ServerProcess) -> tuple[str, str]:
    with server.client() as client:
        user = client.post("/users/add", json={"username": "alice"}).json()["id"]
        chat = client.post("/chats/add", json={"name": "c", "users": [user]}).json()["id"]
        sent = client.post("/messages/add", json={"chat": chat, "author": user, "text": "one"})
        assert sent.status_code == 201
    return user, chat


def _send(server: ServerProcess, chat: str, user: str, text: str) -> int:
    body = {"chat": chat, "author": user, "text": text}
    return httpx2.post(f"{server.url}/messages/add", json=body, timeout=15).status_code


def _ready(server: ServerProcess) -> int:
    return httpx2.get(f"{server.url}/health/ready", timeout=15).status_code


@pytest.mark.usefixtures("immutable_files_supported")
@pytest.mark.parametrize("workers", ["1", "2"])
def test_an_immutable_database_file_is_unavailable_and_heals_without_a_crash(
    home: Path, workers: str
) -> None:
    with _serving(home, WORKERS=workers) as server:
        user, chat = _first_chat(server)
        _chattr("+i", _side_files(home / "chat.db"))
        answers = [_send(server, chat, user, f"while immutable {n}") for n in range(6)]
        lists = httpx2.post(f"{server.url}/messages/get", json={"chat": chat}, timeout=15)
        assert answers == [503] * 6
        assert lists.status_code == 503
        assert _ready(server) == 503
        assert server.process.poll() is None
        assert "Bus error" not in server.output()
        assert "died" not in server.output()  # uvicorn's word for a lost worker

        _chattr("-i", _side_files(home / "chat.db"))
        _until(lambda: _send(server, chat, user, "after") == 201)
        assert _ready(server) == 200
        texts = [
            m["text"] for m in httpx2.post(f"{server.url}/messages/get", json={"chat": chat}).json()
        ]
        assert texts[0] == "one"
        assert texts[-1] == "after"
        assert not any(text.startswith("while immutable") for text in texts)


@pytest.mark.usefixtures("immutable_files_supported")
def test_a_server_started_on_an_immutable_file_heals_once_it_can_write(home: Path) -> None:
    url = f"sqlite:///{home / 'chat.db'}"
    migrate(url, home)
    _chattr("+i", _side_files(home / "chat.db"))
    port = free_port()
    log = (home / "server.log").open("wb")
    process = subprocess.Popen(
        [CHAT_SERVER, "serve", "--port", str(port)],
        env=server_environ(url),
        cwd=home,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    server = ServerProcess(process, port, home / "server.log")
    try:

        def live() -> bool:
            try:
                return httpx2.get(f"{server.url}/health/live", timeout=1).status_code == 200
            except httpx2.TransportError:
                return False

        _until(live, within_s=30)
        assert _ready(server) == 503
        assert httpx2.post(f"{server.url}/users/add", json={"username": "a"}).status_code == 503
        _chattr("-i", _side_files(home / "chat.db"))
        _until(lambda: _ready(server) == 200)
        assert httpx2.post(f"{server.url}/users/add", json={"username": "a"}).status_code == 201
        assert process.poll() is None
    finally:
        server.stop()
        log.close()


def test_a_removed_database_file_stops_writes_and_readiness(home: Path) -> None:
    db = home / "chat.db"
    with _serving(home) as server:
        user, chat = _first_chat(server)
        for path in _side_files(db):
            path.unlink(missing_ok=True)
        assert _send(server, chat, user, "into the void") == 503
        assert _ready(server) == 503
        assert httpx2.post(f"{server.url}/messages/get", json={"chat": chat}).status_code == 503
        assert not db.exists(), "the server must not make an empty file in its place"

        # An operator makes a new, empty database: the server serves it.
        migrate(f"sqlite:///{db}", home)
        _until(lambda: _ready(server) == 200)
        with server.client() as client:
            assert client.post("/users/add", json={"username": "bob"}).status_code == 201


def test_a_database_file_replaced_by_a_backup_is_served_from_the_backup(home: Path) -> None:
    db = home / "chat.db"
    with _serving(home) as server:
        user, chat = _first_chat(server)
        backup = home / "backup.db"
        with sqlite3.connect(db) as source, sqlite3.connect(backup) as target:
            source.backup(target)
        assert _send(server, chat, user, "after the backup") == 201
        for path in _side_files(db):
            path.unlink(missing_ok=True)
        os.replace(backup, db)  # a new inode at the configured path

        texts = [
            m["text"] for m in httpx2.post(f"{server.url}/messages/get", json={"chat": chat}).json()
        ]
        assert texts == ["one"]
        assert _send(server, chat, user, "two") == 201
        assert _ready(server) == 200
