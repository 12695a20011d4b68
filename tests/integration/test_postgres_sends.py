"""PostgreSQL's send statements when a same-key send commits while they wait for a chat.

Such a statement took its snapshot before the other committed, so it cannot
see the original; the unique index stops its insert, and it must answer the
original as a replay. The other send is played here by a connection that
holds the chat's row, inserts the keyed message and commits while the
statement waits.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Sequence

import pytest
from sqlalchemy import Connection, insert, text, update

from adapters.sql import tables
from chat_domain.model import Message, Sent
from entrypoints.bootstrap import Chats, Database, bootstrap
from tests.fakes import EPOCH

pytestmark = pytest.mark.postgres


def _wait_until_blocked(connection: Connection, timeout_s: float = 10) -> None:
    """Until another backend of this database waits for a lock."""
    deadline = time.monotonic() + timeout_s
    query = text(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
        " AND wait_event_type = 'Lock'"
    )
    while connection.execute(query).scalar_one() == 0:
        assert time.monotonic() < deadline, "the send never waited for the chat's row"
        time.sleep(0.01)


def _committed_elsewhere_while_waiting(
    database: Database, original: Message, send: Callable[[], Sequence[object]]
) -> list[object]:
    """``send``'s outcomes when ``original`` commits after it began, before it got the chat."""
    outcomes: list[object] = []
    with database.engine.connect() as holder, database.engine.connect() as watcher:
        holder.execute(text("BEGIN"))
        holder.execute(
            update(tables.chats)
            .where(tables.chats.c.id == original.chat)
            .values(last_message_at=original.created_at)
        )
        sender = threading.Thread(target=lambda: outcomes.extend(send()))
        sender.start()
        _wait_until_blocked(watcher)
        holder.execute(
            insert(tables.messages).values(
                id=original.id,
                chat_id=original.chat,
                author_id=original.author,
                text=original.text,
                created_at=original.created_at,
                client_msg_id=original.client_msg_id,
            )
        )
        holder.execute(text("COMMIT"))
        sender.join(timeout=10)
    return outcomes


@pytest.fixture
def database_url(postgresql_database_url: str) -> str:
    return postgresql_database_url  # the shared ``database`` fixture, on PostgreSQL only


@pytest.fixture
def chats(database: Database) -> Chats:
    return bootstrap(database.uow)


@pytest.fixture
def original(chats: Chats) -> Message:
    """The keyed message another send commits while the one under test waits."""
    alice = chats.add_user("alice")
    chat = chats.create_chat("room", [alice.id])
    return Message(str(uuid.uuid4()), chat.id, alice.id, "hi", EPOCH, "k")


def test_a_lone_send_finds_the_original_that_committed_while_it_waited(
    database: Database, chats: Chats, original: Message
) -> None:
    retry = chats.send_message.prepare(original.chat, original.author, "hi", "k")
    outcomes = _committed_elsewhere_while_waiting(
        database, original, lambda: chats.send_message.deliver([retry])
    )
    assert outcomes == [Sent(original, replayed=True)]
    assert chats.list_messages(original.chat) == [original]


def test_a_batch_that_meets_such_a_key_sends_each_alone_and_loses_none(
    database: Database, chats: Chats, original: Message
) -> None:
    chat, alice = original.chat, original.author
    batch = [
        chats.send_message.prepare(chat, alice, "hi", "k"),
        chats.send_message.prepare(chat, alice, "other", "k2"),
    ]
    outcomes = _committed_elsewhere_while_waiting(
        database, original, lambda: chats.send_message.deliver(batch)
    )
    assert outcomes[0] == Sent(original, replayed=True)
    other = outcomes[1]
    assert isinstance(other, Sent)
    assert not other.replayed
    assert chats.list_messages(chat) == [original, other.message]
    assert chats.list_chats(alice)[0].last_message_at == other.message.created_at
