"""PostgreSQL's stream positions: transaction ids, read only below the oldest one running."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from functools import partial

import pytest

from chat_domain.events import Event, Position
from chat_domain.sends import deliver
from entrypoints.bootstrap import Database, bootstrap, open_database
from tests.integration.test_contract_stream import in_thread, nothing_more, running_hub, take
from tests.races import race

pytestmark = pytest.mark.postgres

ROUNDS = 100


@pytest.fixture
def database(postgresql_database_url: str) -> Iterator[Database]:
    database = open_database(postgresql_database_url)
    yield database
    database.dispose()


def test_a_send_held_uncommitted_holds_back_the_later_ones_and_then_comes_first(
    database: Database,
) -> None:
    chats = bootstrap(database.uow)
    alice = chats.add_user("alice")
    held_chat = chats.create_chat("held", [alice.id])
    busy_chat = chats.create_chat("busy", [alice.id])
    written, release = threading.Event(), threading.Event()
    message = chats.send_message.prepare(held_chat.id, alice.id, "held")

    def hold() -> None:
        # Its transaction has its id, then waits uncommitted while later sends commit.
        with database.uow() as uow:
            stored = uow.messages.append(message)
            assert uow.messages.find(held_chat.id, message.id) is not None  # applied, open
            written.set()
            release.wait(30)
            uow.commit()
        assert stored.value.message.text == "held"

    async def scenario() -> None:
        async with running_hub(database.uow) as hub:
            sub, _ = await hub.open(alice.id)
            holder = asyncio.ensure_future(in_thread(hold))
            await in_thread(lambda: written.wait(10))
            for n in range(3):
                await in_thread(partial(chats.send_message, busy_chat.id, alice.id, f"later {n}"))
            # Committed, but after a transaction still open: not told yet.
            assert await nothing_more(sub, 0.5)
            release.set()
            await holder
            events = await take(sub, 4)
            assert [e.message.text for e in events if e.message] == [
                "held",
                "later 0",
                "later 1",
                "later 2",
            ]
            assert await nothing_more(sub)
            # A client that saw the held one resumes with exactly the rest.
            _, opened = await hub.open(alice.id, events[0].position.token())
            assert opened.replay == events[1:]

    asyncio.run(scenario())


def test_one_chat_s_messages_are_streamed_in_its_order_when_batches_of_two_processes_race(
    postgresql_database_url: str,
) -> None:
    # Two pools stand in for two server processes. Each batch goes to several
    # chats; a batch that has its transaction id and then waits for a chat
    # another batch holds would, without the chats' turns, sort before it.
    databases = [open_database(postgresql_database_url) for _ in range(2)]
    try:
        chats = bootstrap(databases[0].uow)
        alice = chats.add_user("alice")
        rooms = [chats.create_chat(f"room {n}", [alice.id]).id for n in range(4)]
        start = databases[0].uow().events.horizon()

        def batches(worker: int) -> None:
            mine = bootstrap(databases[worker].uow)
            # Overlapping, not equal: each batch locks first a chat the other may not.
            for round_ in range(ROUNDS):
                messages = [
                    mine.send_message.prepare(room, alice.id, f"w{worker} r{round_} {room}")
                    for room in rooms[worker : worker + 3]
                ]
                for outcome in deliver(databases[worker].uow, messages):
                    assert not isinstance(outcome, Exception), outcome

        outcomes = race(2, batches)
        assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
        with databases[0].uow() as uow:
            horizon = uow.events.horizon()
            events: list[Event] = uow.events.read(
                Position.boundary(start), horizon, user=alice.id, limit=10_000
            )
        assert len(events) == 2 * ROUNDS * 3
        for room in rooms:
            streamed = [e.message.id for e in events if e.message and e.message.chat == room]
            assert streamed == [m.id for m in chats.list_messages(room)]
    finally:
        for database in databases:
            database.dispose()
