"""The contract's list orders, on every adapter: by time, ties broken by id.

Ids here are random, so their order has nothing to do with creation order,
and the clock stands still unless set, so ties are the rule, not the exception.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from chat_domain.model import Chat, chat_list_key, message_list_key
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


def test_last_message_at_never_moves_backwards(chats: Chats, clock: TickingClock) -> None:
    alice = chats.add_user("alice")
    chat = chats.create_chat("c", [alice.id])
    clock.set(EPOCH + timedelta(hours=1))
    newest = chats.send_message(chat.id, alice.id, "later")
    clock.set(EPOCH + timedelta(minutes=1))
    chats.send_message(chat.id, alice.id, "sent after, stamped earlier")
    assert chats.list_chats(alice.id)[0].last_message_at == newest.created_at
    assert chats.list_messages(chat.id)[-1] == newest
