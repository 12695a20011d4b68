"""What only the SQL adapters can get wrong: engines, restarts, types and outages."""

from __future__ import annotations

import sqlite3
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import NullPool, create_engine, select, text, update
from sqlalchemy.engine import URL, make_url

from adapters.sql import Database, open_database
from adapters.sql.migrate import schema_is_current, upgrade_to_head
from adapters.sql.postgres import PostgresDialect
from adapters.sql.tables import chats as chat_rows
from adapters.sql.tables import messages, users
from chat_domain.documents import chat_json, message_json
from chat_domain.errors import Unavailable
from chat_domain.model import User
from chat_domain.ports import UnitOfWork
from entrypoints.bootstrap import bootstrap
from tests.fakes import EPOCH
from tests.integration.databases import (
    TEST_DATABASE_PREFIX,
    drop_abandoned_test_databases,
    throwaway_postgres_database,
)
from tests.races import race

UNREACHABLE_POSTGRES = "postgresql://postgres@127.0.0.1:1/nothing"


def test_rows_stored_without_their_documents_are_listed_as_their_entities_are_written(
    database_url: str,
) -> None:
    # As a server of the version before the stored documents writes it, while it
    # still runs beside a database already upgraded.
    database = open_database(database_url)
    try:
        chats = bootstrap(database.uow)
        alice = chats.add_user("alice")
        chat = chats.create_chat("kept", [alice.id])
        first = chats.send_message(chat.id, alice.id, "written with its document")
        old = chats.send_message(chat.id, alice.id, 'an older server\'s "send" \u00e9\n', "k")
        older = chats.create_chat('an older server\'s "chat" \u00e9', [alice.id])
        with database.engine.begin() as connection:
            connection.execute(
                update(messages).where(messages.c.id == old.id).values(document=None)
            )
            connection.execute(
                update(chat_rows).where(chat_rows.c.id == older.id).values(document_head=None)
            )
        listed_chats = chats.list_chats(alice.id)
        assert {c.id for c in listed_chats} == {chat.id, older.id}
        documents = chats.list_chats.documents(alice.id).chats
        assert list(documents) == [chat_json(c) for c in listed_chats]
        listed = chats.list_messages.document_page(chat.id, limit=10).items
        assert list(listed) == [message_json(first), message_json(old)]
        whole = [d for page in chats.list_messages.document_pages(chat.id) for d in page]
        assert whole == [message_json(first), message_json(old)]
    finally:
        database.dispose()


def test_data_written_through_one_engine_reads_back_through_a_new_one(
    database_url: str,
) -> None:
    first = open_database(database_url)
    chats = bootstrap(first.uow)
    alice, bob = chats.add_user("alice"), chats.add_user("bob")
    chat = chats.create_chat("kept", [bob.id, alice.id])
    message = chats.send_message(chat.id, alice.id, "still here after a restart")
    first.dispose()

    second = open_database(database_url)
    try:
        again = bootstrap(second.uow)
        assert again.list_messages(chat.id) == [message]
        (listed,) = again.list_chats(bob.id)
        assert listed.users == (bob.id, alice.id)
        assert listed.last_message_at == message.created_at
        assert schema_is_current(second)
    finally:
        second.dispose()


def test_ids_sort_in_the_database_as_their_lowercase_strings(database: Database) -> None:
    ids = [str(uuid.uuid4()) for _ in range(200)]
    ids += ["00000000-0000-7000-8000-00000000000a", "00000000-0000-7000-8000-000000000009"]
    with database.uow() as uow:
        for user_id in ids:
            uow.users.add(User(user_id, f"u{user_id}", EPOCH))
        uow.commit()
    with database.engine.connect() as connection:
        stored = list(connection.execute(select(users.c.id).order_by(users.c.id)).scalars())
    assert stored == sorted(ids)


def test_sqlite_file_is_created_in_wal_mode_with_foreign_keys(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/new/dir/chat.db"
    database = open_database(url)
    try:
        with database.engine.connect() as connection:
            journal, foreign_keys, busy_ms = (
                connection.execute(text(f"PRAGMA {name}")).scalar()
                for name in ("journal_mode", "foreign_keys", "busy_timeout")
            )
        assert (journal, foreign_keys) == ("wal", 1)
        assert isinstance(busy_ms, int)
        assert busy_ms >= 1000
        assert (tmp_path / "new" / "dir" / "chat.db").exists()
    finally:
        database.dispose()


def test_sqlite_writers_in_separate_engines_wait_for_each_other(sqlite_database_url: str) -> None:
    # Two engines stand in for two server processes sharing one file: they
    # do not share the in-process queue, only SQLite's lock and busy timeout.
    databases = [open_database(sqlite_database_url) for _ in range(2)]
    try:
        apps = [bootstrap(database.uow) for database in databases]
        alice = apps[0].add_user("alice")
        chat = apps[0].create_chat("shared", [alice.id])
        outcomes = race(
            6, lambda n: [apps[n % 2].send_message(chat.id, alice.id, "x") for _ in range(30)]
        )
        assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
        assert len(apps[1].list_messages(chat.id)) == 180
    finally:
        for database in databases:
            database.dispose()


@pytest.mark.parametrize(
    "url", ["mysql://db/chat", "sqlite://", "sqlite:///:memory:", "sqlite:///file:x?mode=memory"]
)
def test_unsupported_database_urls_are_refused_with_a_reason(url: str) -> None:
    with pytest.raises(ValueError, match=r"sqlite:///"):
        open_database(url)


def test_an_unreachable_database_is_unavailable_not_a_crash() -> None:
    database = open_database(UNREACHABLE_POSTGRES)
    try:
        chats = bootstrap(database.uow)
        with pytest.raises(Unavailable):
            chats.add_user("alice")
        with pytest.raises(Unavailable):
            chats.list_chats(str(uuid.uuid4()))
        with pytest.raises(Unavailable):
            schema_is_current(database)
        with pytest.raises(Unavailable):
            upgrade_to_head(database)
    finally:
        database.dispose()


def test_a_locked_sqlite_file_is_unavailable_after_the_busy_timeout(
    sqlite_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("adapters.sql.sqlite.engine.BUSY_TIMEOUT_MS", 50)
    database = open_database(sqlite_database_url)
    path = sqlite_database_url.removeprefix("sqlite:///")
    blocker = sqlite3.connect(path, isolation_level=None)
    try:
        blocker.execute("BEGIN EXCLUSIVE")
        with pytest.raises(Unavailable):
            bootstrap(database.uow).add_user("alice")
    finally:
        blocker.close()
        database.dispose()


def test_sqlite_reads_do_not_wait_behind_a_send_waiting_for_another_process_s_lock(
    sqlite_database_url: str,
) -> None:
    # Another process holds the write lock; a send of this process waits for
    # it. WAL lets reads go on meanwhile, and this process's reads must too.
    database = open_database(sqlite_database_url)
    path = sqlite_database_url.removeprefix("sqlite:///")
    blocker = sqlite3.connect(path, isolation_level=None)
    try:
        chats = bootstrap(database.uow)
        alice = chats.add_user("alice")
        chat = chats.create_chat("c", [alice.id])
        blocker.execute("BEGIN IMMEDIATE")
        sending = threading.Thread(target=chats.send_message, args=(chat.id, alice.id, "hi"))
        sending.start()
        time.sleep(0.3)  # the send is now waiting for the file's write lock
        assert sending.is_alive()
        started = time.monotonic()
        assert chats.list_messages(chat.id) == []
        assert [c.id for c in chats.list_chats(alice.id)] == [chat.id]
        waited = time.monotonic() - started
        assert sending.is_alive(), "the send should still be waiting for the lock"
        blocker.execute("COMMIT")
        sending.join(timeout=10)
        assert waited < 1.0, f"reads waited {waited:.1f} s behind a waiting send"
        assert [m.text for m in chats.list_messages(chat.id)] == ["hi"]
    finally:
        blocker.close()
        database.dispose()


def test_a_sqlite_connection_that_can_no_longer_write_is_not_reused(
    sqlite_database_url: str,
) -> None:
    # A pooled connection turned read-only (as one opened while the file was
    # read-only would be) fails its write once; the next request starts clean.
    database = open_database(sqlite_database_url)
    try:
        chats = bootstrap(database.uow)
        chats.add_user("alice")
        with database.engine.connect() as connection:  # the pool's only connection
            connection.exec_driver_sql("PRAGMA query_only = ON")
        with pytest.raises(Unavailable):
            chats.add_user("bob")
        assert chats.add_user("bob").username == "bob"
    finally:
        database.dispose()


def _terminate_service_connections(database: Database) -> None:
    """End the server side of every connection the service's pool holds, and wait for it."""
    with database.engine.connect() as connection:
        connection.execute(
            text(
                "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                " AND application_name = 'chat-server'"
            )
        )


@pytest.mark.postgres
def test_postgres_connection_lost_inside_a_transaction_writes_nothing_and_hides_nothing(
    postgresql_database_url: str, postgresql_server: object
) -> None:
    database = open_database(postgresql_database_url)
    alice, bob = User(str(uuid.uuid4()), "alice", EPOCH), User(str(uuid.uuid4()), "bob", EPOCH)

    def add_then_lose_the_connection(user: User, end: Callable[[UnitOfWork], None]) -> None:
        with database.uow() as uow:
            uow.users.add(user)
            assert uow.users.missing([user.id]) == []  # sent, in an open transaction
            _terminate_service_connections(database)
            end(uow)

    def commit(uow: UnitOfWork) -> None:
        uow.commit()

    def fail(uow: UnitOfWork) -> None:
        raise LookupError("a bug")  # the ROLLBACK that cannot be sent must not hide it

    try:
        # A COMMIT that cannot reach the database: the server rolls the write back.
        with pytest.raises(Unavailable):
            add_then_lose_the_connection(alice, commit)
        with pytest.raises(LookupError, match="a bug"):
            add_then_lose_the_connection(bob, fail)
        with database.uow() as uow:
            assert uow.users.missing([alice.id, bob.id]) == [alice.id, bob.id]
    finally:
        database.dispose()


@pytest.mark.postgres
def test_postgres_lost_connections_are_replaced_without_the_user_noticing(
    postgresql_database_url: str, postgresql_server: object
) -> None:
    database = open_database(postgresql_database_url)
    try:
        chats = bootstrap(database.uow)
        alice = chats.add_user("alice")
        _terminate_service_connections(database)
        assert chats.list_chats(alice.id) == []
    finally:
        database.dispose()


@pytest.mark.postgres
def test_test_databases_of_killed_runs_are_dropped(postgresql_server: URL) -> None:
    # A pid far above any real one: the run that made this database is gone.
    orphan = f"{TEST_DATABASE_PREFIX}4999999_deadbeef"
    engine = create_engine(
        postgresql_server.set(drivername="postgresql+psycopg2"),
        isolation_level="AUTOCOMMIT",
        poolclass=NullPool,
    )
    try:
        with engine.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{orphan}"'))
        with throwaway_postgres_database(postgresql_server) as live_url:
            dropped = drop_abandoned_test_databases(postgresql_server)
            assert orphan in dropped
            assert make_url(live_url).database not in dropped
    finally:
        with engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{orphan}"'))
        engine.dispose()


@pytest.mark.parametrize("scheme", ["postgresql", "postgres"])
def test_either_spelling_of_a_postgres_url_opens_postgresql(scheme: str) -> None:
    database = open_database(f"{scheme}://postgres@127.0.0.1:1/nothing")  # connects on use only
    try:
        assert isinstance(database.dialect, PostgresDialect)
        assert database.engine.url.drivername == "postgresql+psycopg2"
    finally:
        database.dispose()


def test_sqlite_writers_beyond_the_pool_s_size_neither_wait_forever_nor_fail(
    sqlite_database_url: str,
) -> None:
    # More threads than pooled connections, as the server's 40 API threads
    # are: a writer holding a connection must never wait for a turn that a
    # thread waiting for a connection holds.
    database = open_database(sqlite_database_url)
    try:
        chats = bootstrap(database.uow)
        alice = chats.add_user("alice")
        outcomes = race(
            40,
            lambda n: [
                (chats.create_chat(f"c{n}-{k}", [alice.id]), chats.list_chats(alice.id))
                for k in range(10)
            ],
        )
        assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
        assert len(chats.list_chats(alice.id)) == 400
    finally:
        database.dispose()
