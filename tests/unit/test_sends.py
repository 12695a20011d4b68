"""The send pipeline: batches without a timer, an answer per send, a bad send fails alone."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence

import pytest

from adapters.memory import MemoryStore, MemoryUnitOfWork
from chat_domain.errors import NotAMember, Unavailable
from chat_domain.model import Message, Sent
from chat_domain.sends import Outcome, SendPipeline, deliver
from entrypoints.bootstrap import Chats, bootstrap
from tests.fakes import SequentialIds, TickingClock


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()


@pytest.fixture
def chats(store: MemoryStore) -> Chats:
    return bootstrap(store.unit_of_work, clock=TickingClock(), ids=SequentialIds())


@pytest.fixture
def room(chats: Chats) -> tuple[str, str, str]:
    alice, bob = chats.add_user("alice").id, chats.add_user("bob").id
    return chats.create_chat("room", [alice]).id, alice, bob


class Recorder:
    """Delivers for real, and records each batch; ``hold`` keeps a batch waiting."""

    def __init__(self, chats: Chats) -> None:
        self.chats = chats
        self.batches: list[list[str]] = []
        self.hold = asyncio.Event()
        self.hold.set()

    def deliver(self, messages: Sequence[Message]) -> list[Outcome]:
        self.batches.append([m.text for m in messages])
        return self.chats.send_message.deliver(messages)

    async def run(self, call: Callable[[], list[Outcome]]) -> list[Outcome]:
        await self.hold.wait()
        return call()


def test_a_lone_send_goes_at_once_in_a_batch_of_its_own(
    chats: Chats, room: tuple[str, str, str]
) -> None:
    chat, alice, _ = room
    recorder = Recorder(chats)
    pipeline = SendPipeline(recorder.deliver, recorder.run)
    message = chats.send_message.prepare(chat, alice, "hi")
    sent = asyncio.run(pipeline.send(message))
    assert sent == Sent(message)
    assert recorder.batches == [["hi"]]


def test_sends_that_wait_for_the_writer_go_together_each_with_its_own_answer(
    chats: Chats, room: tuple[str, str, str]
) -> None:
    chat, alice, bob = room
    recorder = Recorder(chats)
    sizes: list[int] = []
    pipeline = SendPipeline(recorder.deliver, recorder.run, delivered=sizes.append)
    prepare = chats.send_message.prepare

    async def scenario() -> list[object]:
        recorder.hold.clear()
        first = asyncio.create_task(pipeline.send(prepare(chat, alice, "first")))
        await asyncio.sleep(0)  # the writer has taken the first and is busy with it
        rest = [
            asyncio.create_task(pipeline.send(prepare(chat, author, text)))
            for author, text in [(alice, "a"), (bob, "b"), (alice, "c")]
        ]
        await asyncio.sleep(0)
        recorder.hold.set()
        return await asyncio.gather(first, *rest, return_exceptions=True)

    outcomes = asyncio.run(scenario())
    assert recorder.batches == [["first"], ["a", "b", "c"]]
    assert sizes == [1, 3]
    assert [type(o) for o in outcomes] == [Sent, Sent, NotAMember, Sent]
    assert [m.text for m in chats.list_messages(chat)] == ["first", "a", "c"]


def test_a_batch_holds_at_most_its_limit(chats: Chats, room: tuple[str, str, str]) -> None:
    chat, alice, _ = room
    recorder = Recorder(chats)
    pipeline = SendPipeline(recorder.deliver, recorder.run, most=2)
    texts = [str(n) for n in range(5)]

    async def scenario() -> None:
        sends = [pipeline.send(chats.send_message.prepare(chat, alice, t)) for t in texts]
        await asyncio.gather(*sends)

    asyncio.run(scenario())
    assert recorder.batches == [["0", "1"], ["2", "3"], ["4"]]


def test_a_caller_that_stops_waiting_does_not_disturb_the_others(
    chats: Chats, room: tuple[str, str, str]
) -> None:
    chat, alice, _ = room
    recorder = Recorder(chats)
    pipeline = SendPipeline(recorder.deliver, recorder.run)

    async def scenario() -> Sent:
        recorder.hold.clear()
        gone = asyncio.create_task(pipeline.send(chats.send_message.prepare(chat, alice, "x")))
        kept = asyncio.create_task(pipeline.send(chats.send_message.prepare(chat, alice, "y")))
        await asyncio.sleep(0)
        gone.cancel()
        recorder.hold.set()
        return await kept

    assert asyncio.run(scenario()).message.text == "y"
    # The cancelled caller's send was already gathered: it is stored, as a
    # send whose answer was lost would be (a retry with its key finds it).
    assert [m.text for m in chats.list_messages(chat)] == ["x", "y"]


class PoisonedUnitOfWork(MemoryUnitOfWork):
    """Fails the whole commit when it holds a message whose text is ``poison``."""

    def commit(self) -> None:
        if any(message.text == "poison" for message, _ in self._staged.messages):
            raise RuntimeError("a message broke the batch")
        super().commit()


class AwayUnitOfWork(MemoryUnitOfWork):
    def commit(self) -> None:
        raise Unavailable("the database cannot be reached")


def test_a_message_that_breaks_its_batch_fails_alone(
    store: MemoryStore, chats: Chats, room: tuple[str, str, str]
) -> None:
    chat, alice, _ = room
    messages = [chats.send_message.prepare(chat, alice, t) for t in ("a", "poison", "b")]
    outcomes = deliver(lambda: PoisonedUnitOfWork(store), messages)
    assert isinstance(outcomes[1], RuntimeError)
    assert [type(o) for o in outcomes] == [Sent, RuntimeError, Sent]
    assert [m.text for m in chats.list_messages(chat)] == ["a", "b"]


def test_while_the_database_is_away_every_send_fails_and_none_is_retried(
    store: MemoryStore, chats: Chats, room: tuple[str, str, str]
) -> None:
    chat, alice, _ = room
    calls = 0

    def away() -> MemoryUnitOfWork:
        nonlocal calls
        calls += 1
        return AwayUnitOfWork(store)

    messages = [chats.send_message.prepare(chat, alice, t) for t in ("a", "b")]
    with pytest.raises(Unavailable):
        deliver(away, messages)
    assert calls == 1
    recorder = Recorder(chats)
    pipeline = SendPipeline(lambda batch: deliver(away, batch), recorder.run)

    async def scenario() -> list[object]:
        return await asyncio.gather(*map(pipeline.send, messages), return_exceptions=True)

    assert [type(o) for o in asyncio.run(scenario())] == [Unavailable, Unavailable]
