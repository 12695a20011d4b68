"""The contract's list orders, on every adapter: by time, ties broken by id.

Ids here are random, so their order has nothing to do with creation order,
and the clock stands still unless set, so ties are the rule, not the exception.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from chat_domain.errors import ChatNotFound
from chat_domain.lists import ListMessages
from chat_domain.model import Chat, chat_list_key, message_list_key
from chat_domain.pages import Window
from chat_domain.ports import IdGenerator, UnitOfWorkFactory
from entrypoints.bootstrap import Chats, bootstrap
from tests.fakes import EPOCH, TickingClock


class RandomIds(IdGenerator):
    """Ids in no relation to creation order, so ties show how ids are compared."""

    def new_id(self) -> str:
        return str(uuid.uuid4())


@pytest.fixture
def still_clock() -> TickingClock:
    return TickingClock(step=timedelta(0))


@pytest.fixture
def shuffled(uow_factory: UnitOfWorkFactory, still_clock: TickingClock) -> Chats:
    """Use cases with random ids and a clock that only moves when set."""
    return bootstrap(uow_factory, clock=still_clock, ids=RandomIds())


def test_messages_are_listed_oldest_first_with_ties_to_the_smaller_id(
    shuffled: Chats, still_clock: TickingClock
) -> None:
    alice = shuffled.add_user("alice")
    chat = shuffled.create_chat("c", [alice.id])
    sent = []
    for n in range(12):
        still_clock.set(EPOCH + timedelta(seconds=n % 3) - timedelta(microseconds=n % 2))
        sent.append(shuffled.send_message(chat.id, alice.id, f"message {n}"))
    assert shuffled.list_messages(chat.id) == sorted(sent, key=message_list_key)


def test_chats_are_listed_by_last_message_then_by_creation_ties_to_the_larger_id(
    shuffled: Chats, still_clock: TickingClock
) -> None:
    alice = shuffled.add_user("alice")
    created: list[Chat] = []
    for n in range(8):
        still_clock.set(EPOCH + timedelta(seconds=n // 3))
        created.append(shuffled.create_chat(f"chat {n}", [alice.id]))
    for n, chat in enumerate(created[:5]):
        still_clock.set(EPOCH + timedelta(minutes=1, seconds=n // 2))
        shuffled.send_message(chat.id, alice.id, "hi")
    listed = shuffled.list_chats(alice.id)
    assert listed == sorted(listed, key=chat_list_key, reverse=True)
    assert [c.last_message_at is not None for c in listed] == [True] * 5 + [False] * 3
    assert {c.id for c in listed} == {c.id for c in created}


def test_a_message_sent_by_a_slower_clock_still_comes_after_the_newest(
    chats: Chats, clock: TickingClock
) -> None:
    alice = chats.add_user("alice")
    chat = chats.create_chat("c", [alice.id])
    clock.set(EPOCH + timedelta(hours=1))
    newest = chats.send_message(chat.id, alice.id, "from a fast clock")
    clock.set(EPOCH + timedelta(minutes=1))
    later = chats.send_message(chat.id, alice.id, "sent after, by a clock an hour behind")
    assert later.created_at == newest.created_at + timedelta(microseconds=1)
    assert chats.list_chats(alice.id)[0].last_message_at == later.created_at
    assert chats.list_messages(chat.id) == [newest, later]


def test_messages_sent_with_the_clock_held_still_take_increasing_times(
    shuffled: Chats, still_clock: TickingClock
) -> None:
    alice = shuffled.add_user("alice")
    chat = shuffled.create_chat("c", [alice.id])
    sent = [shuffled.send_message(chat.id, alice.id, f"message {n}") for n in range(5)]
    times = [message.created_at for message in sent]
    assert times == [EPOCH + timedelta(microseconds=n) for n in range(5)]
    assert shuffled.list_messages(chat.id) == sent


def test_message_windows_walk_the_index_both_ways(
    shuffled: Chats, uow_factory: UnitOfWorkFactory
) -> None:
    alice = shuffled.add_user("alice")
    chat = shuffled.create_chat("c", [alice.id])
    whole = [shuffled.send_message(chat.id, alice.id, f"message {n}") for n in range(7)]
    with uow_factory() as uow:
        first = uow.messages.list_for_chat(chat.id, Window(limit=3))
        second = uow.messages.list_for_chat(chat.id, Window(after=first[-1].id, limit=3))
        rest = uow.messages.list_for_chat(chat.id, Window(after=second[-1].id))
        assert uow.messages.list_for_chat(chat.id, Window(after=rest[-1].id)) == []
        newest = uow.messages.list_for_chat(chat.id, Window(limit=2, newest_first=True))
        between = Window(after=whole[1].id, before=whole[5].id, limit=2, newest_first=True)
        assert uow.messages.list_for_chat(chat.id, between) == [whole[4], whole[3]]
        assert uow.messages.find(chat.id, whole[2].id) == whole[2]
        assert uow.messages.find(str(uuid.uuid4()), whole[2].id) is None
    assert [first, second, rest] == [whole[:3], whole[3:6], whole[6:]]
    assert newest == [whole[6], whole[5]]


def test_list_messages_reads_a_long_chat_a_page_at_a_time(
    shuffled: Chats, still_clock: TickingClock, uow_factory: UnitOfWorkFactory
) -> None:
    alice = shuffled.add_user("alice")
    chat = shuffled.create_chat("c", [alice.id])
    for n in range(7):
        still_clock.set(EPOCH + timedelta(seconds=n // 2))
        shuffled.send_message(chat.id, alice.id, f"message {n}")
    whole = shuffled.list_messages(chat.id)
    paged = ListMessages(uow_factory, page_size=3)
    assert list(paged.pages(chat.id)) == [whole[:3], whole[3:6], whole[6:]]
    assert paged(chat.id) == whole
    empty = shuffled.create_chat("empty", [alice.id])
    assert list(paged.pages(empty.id)) == [[]]
    with pytest.raises(ChatNotFound):
        paged.pages(str(uuid.uuid4()))  # refused before the first page is asked for
