"""The live stream on every adapter: what a user is told, in which order, from which position."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from functools import partial
from typing import TypeVar

import attrs
import pytest

from chat_domain import streams
from chat_domain.errors import Invalid, UserNotFound
from chat_domain.events import Event
from chat_domain.model import Chat, User
from chat_domain.ports import UnitOfWorkFactory
from chat_domain.streams import EventHub
from chat_domain.subscriptions import Subscription
from entrypoints.bootstrap import Chats

T = TypeVar("T")
WAIT_S = 10.0


async def _to_thread(function: Callable[..., T], *arguments: object) -> T:
    return await asyncio.to_thread(function, *arguments)


@asynccontextmanager
async def running_hub(
    uow: UnitOfWorkFactory, every_s: float = 0.02
) -> AsyncIterator[EventHub[Event]]:
    hub: EventHub[Event] = EventHub(uow, _to_thread, lambda event: event, every_s=every_s)
    hub.start()
    try:
        yield hub
    finally:
        await hub.close()


async def take(sub: Subscription[Event], count: int) -> list[Event]:
    async with asyncio.timeout(WAIT_S):
        return [await sub.next() for _ in range(count)]


async def nothing_more(sub: Subscription[Event], within_s: float = 0.3) -> bool:
    try:
        async with asyncio.timeout(within_s):
            await sub.next()
    except TimeoutError:
        return True
    return False


def in_thread(function: Callable[[], T]) -> Awaitable[T]:
    return asyncio.to_thread(function)


def run(scenario: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(asyncio.wait_for(scenario(), 60))


@pytest.fixture
def people(chats: Chats) -> tuple[User, User, User]:
    return chats.add_user("alice"), chats.add_user("bob"), chats.add_user("carol")


def _what(events: list[Event]) -> list[tuple[str, str]]:
    return [
        (event.kind, event.message.text if event.message else event.chat.name)  # type: ignore[union-attr]
        for event in events
    ]


def test_a_member_is_told_of_new_chats_and_of_messages_as_they_become_visible(
    chats: Chats, people: tuple[User, User, User]
) -> None:
    alice, bob, carol = people

    async def scenario() -> None:
        async with running_hub(chats.uow) as hub:
            sub, opened = await hub.open(alice.id)
            assert (opened.replay, opened.reset) == ([], False)
            chat = await in_thread(lambda: chats.create_chat("room", [alice.id, bob.id]))
            await in_thread(lambda: chats.send_message(chat.id, bob.id, "one"))
            await in_thread(lambda: chats.send_message(chat.id, alice.id, "two"))
            apart = await in_thread(lambda: chats.create_chat("apart", [bob.id, carol.id]))
            await in_thread(lambda: chats.send_message(apart.id, bob.id, "not for alice"))
            events = await take(sub, 3)
            assert _what(events) == [("chat", "room"), ("message", "one"), ("message", "two")]
            assert events[0].chat is not None
            assert attrs.evolve(events[0].chat, last_message_at=None) == chat
            assert [e.message for e in events[1:]] == chats.list_messages(chat.id)
            assert [e.position for e in events] == sorted(e.position for e in events)
            assert await nothing_more(sub)

    run(scenario)


def test_a_stream_without_a_position_starts_from_now(
    chats: Chats, people: tuple[User, User, User]
) -> None:
    alice, bob, _ = people
    chat = chats.create_chat("room", [alice.id, bob.id])
    chats.send_message(chat.id, bob.id, "before")

    async def scenario() -> None:
        async with running_hub(chats.uow) as hub:
            sub, opened = await hub.open(alice.id)
            assert opened.replay == []
            await in_thread(lambda: chats.send_message(chat.id, bob.id, "after"))
            assert _what(await take(sub, 1)) == [("message", "after")]

    run(scenario)


def test_a_stream_resumes_after_a_position_with_every_later_event_once(
    chats: Chats, people: tuple[User, User, User]
) -> None:
    alice, bob, _ = people

    async def scenario() -> None:
        async with running_hub(chats.uow) as hub:
            first, _ = await hub.open(alice.id)
            chat = await in_thread(lambda: chats.create_chat("room", [alice.id, bob.id]))
            for text in ("one", "two", "three"):
                await in_thread(partial(chats.send_message, chat.id, bob.id, text))
            seen = await take(first, 4)
            # A client that saw the chat and "one" reconnects: it is told the rest.
            again, opened = await hub.open(alice.id, seen[1].position.token())
            assert opened.replay == seen[2:]
            await in_thread(lambda: chats.send_message(chat.id, alice.id, "four"))
            assert _what(await take(again, 1)) == [("message", "four")]
            assert await nothing_more(again)

    run(scenario)


def test_while_no_stream_is_open_the_reader_reads_nothing_and_loses_nothing(
    chats: Chats, people: tuple[User, User, User], monkeypatch: pytest.MonkeyPatch
) -> None:
    alice, bob, _ = people
    chat = chats.create_chat("room", [alice.id, bob.id])
    reads: list[object] = []
    read_new = EventHub._read_new

    def counted(hub: EventHub[Event], position: object) -> object:
        reads.append(position)
        return read_new(hub, position)  # type: ignore[arg-type]

    monkeypatch.setattr(EventHub, "_read_new", counted)

    async def scenario() -> None:
        async with running_hub(chats.uow) as hub:
            sub, _ = await hub.open(alice.id)
            await in_thread(lambda: chats.send_message(chat.id, bob.id, "zero"))
            (seen,) = await take(sub, 1)
            hub.leave(sub)
            await asyncio.sleep(0.1)
            reads.clear()
            for n in range(5):
                await in_thread(partial(chats.send_message, chat.id, bob.id, f"{n}"))
                hub.wrote()
            await asyncio.sleep(0.3)  # 15 of the reader's timer periods
            assert reads == []  # a send with nobody listening costs no read
            again, opened = await hub.open(alice.id, seen.position.token())
            assert _what(opened.replay) == [("message", f"{n}") for n in range(5)]
            fresh, _ = await hub.open(bob.id)
            await in_thread(lambda: chats.send_message(chat.id, alice.id, "later"))
            assert _what(await take(again, 1)) == [("message", "later")]
            assert _what(await take(fresh, 1)) == [("message", "later")]

    run(scenario)


def test_a_write_told_while_the_reader_reads_is_read_at_once_not_at_its_timer(
    chats: Chats, people: tuple[User, User, User], monkeypatch: pytest.MonkeyPatch
) -> None:
    alice, bob, _ = people
    chat = chats.create_chat("room", [alice.id, bob.id])
    read_new = EventHub._read_new
    meddle = asyncio.Event()
    loop: asyncio.AbstractEventLoop | None = None

    def reading(hub: EventHub[Event], position: object) -> object:
        found = read_new(hub, position)  # type: ignore[arg-type]
        if meddle.is_set() and loop is not None:
            meddle.clear()
            # Committed after this read took its horizon, and told before it ends.
            chats.send_message(chat.id, bob.id, "during the read")
            loop.call_soon_threadsafe(hub.wrote)
            time.sleep(0.1)
        return found

    monkeypatch.setattr(EventHub, "_read_new", reading)

    async def scenario() -> None:
        nonlocal loop
        loop = asyncio.get_running_loop()
        async with running_hub(chats.uow, every_s=30) as hub:  # the timer would be too late
            sub, _ = await hub.open(alice.id)
            meddle.set()
            await in_thread(lambda: chats.send_message(chat.id, bob.id, "before"))
            hub.wrote()
            async with asyncio.timeout(5):
                events = [await sub.next(), await sub.next()]
            assert _what(events) == [("message", "before"), ("message", "during the read")]

    run(scenario)


def test_a_client_that_missed_more_than_the_replay_limit_is_told_to_reset(
    chats: Chats, people: tuple[User, User, User], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(streams, "REPLAY_MOST", 3)
    alice, bob, _ = people

    async def scenario() -> None:
        async with running_hub(chats.uow) as hub:
            sub, _ = await hub.open(alice.id)
            chat = await in_thread(lambda: chats.create_chat("room", [alice.id, bob.id]))
            [told] = await take(sub, 1)
            for n in range(4):
                await in_thread(partial(chats.send_message, chat.id, bob.id, f"m{n}"))
            again, opened = await hub.open(alice.id, told.position.token())
            assert (opened.replay, opened.reset) == ([], True)
            await in_thread(lambda: chats.send_message(chat.id, bob.id, "after the reset"))
            assert _what(await take(again, 1)) == [("message", "after the reset")]

    run(scenario)


@pytest.mark.parametrize(
    ("user", "after", "error", "field"),
    [
        ("abc", None, Invalid, "user"),
        (None, None, Invalid, "user"),
        ("0193a5c4-6b2e-7cf1-9d4e-3a1f2b7c8d90", None, UserNotFound, "user"),
        ("alice", "not-a-position", Invalid, "after"),
        ("alice", "1.2", Invalid, "after"),
    ],
)
def test_a_stream_for_nobody_or_from_nowhere_is_refused_before_it_opens(
    chats: Chats,
    people: tuple[User, User, User],
    *,
    user: str | None,
    after: str | None,
    error: type[Exception],
    field: str,
) -> None:
    alice = people[0]

    async def scenario() -> None:
        async with running_hub(chats.uow) as hub:
            with pytest.raises(error) as refused:
                await hub.open(alice.id if user == "alice" else user, after)
            assert getattr(refused.value, "field", None) == field
            assert hub.open_streams == 0

    run(scenario)


def test_sends_racing_the_opening_of_streams_are_each_told_once_in_order(
    chats: Chats, people: tuple[User, User, User]
) -> None:
    alice, bob, carol = people
    chat = chats.create_chat("room", [alice.id, bob.id, carol.id])

    def send_many() -> None:
        for n in range(300):
            chats.send_message(chat.id, bob.id, f"m{n}")

    async def told_until_quiet(sub: Subscription[Event]) -> list[str]:
        told: list[str] = []
        while True:
            try:
                async with asyncio.timeout(0.5):
                    event = await sub.next()
            except TimeoutError:
                return told
            assert event.message is not None
            told.append(event.message.id)

    async def scenario() -> None:
        async with running_hub(chats.uow) as hub:
            sender = asyncio.ensure_future(in_thread(send_many))
            subs: list[Subscription[Event]] = []
            for user in [alice, carol] * 4:
                subs.append((await hub.open(user.id))[0])
                await asyncio.sleep(0.005)
            await sender
            listed = [m.id for m in await in_thread(lambda: chats.list_messages(chat.id))]
            for sub in subs:
                told = await told_until_quiet(sub)
                # From wherever it opened, every later message, each once, in order.
                assert told == listed[len(listed) - len(told) :]
            assert await told_until_quiet(subs[0]) == []

    run(scenario)


def test_a_chat_event_carries_the_chat_as_its_members_see_it(
    chats: Chats, people: tuple[User, User, User]
) -> None:
    alice, bob, _ = people

    async def scenario() -> None:
        async with running_hub(chats.uow) as hub:
            sub, _ = await hub.open(bob.id)
            chat: Chat = await in_thread(lambda: chats.create_chat("room", [bob.id, alice.id]))
            [event] = await take(sub, 1)
            assert event.chat == chat

    run(scenario)
