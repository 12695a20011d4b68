"""Retry-safe sends and batched sends, on every adapter: the contract's idempotency rules."""

from __future__ import annotations

import pytest

from chat_domain.documents import message_json
from chat_domain.errors import ClientMsgIdReused, NotAMember
from chat_domain.model import Chat, Sent, User
from chat_domain.ports import UnitOfWorkFactory
from entrypoints.bootstrap import Chats, Database, bootstrap, open_database
from tests.races import race


@pytest.fixture
def room(chats: Chats) -> tuple[User, User, Chat]:
    alice, bob = chats.add_user("alice"), chats.add_user("bob")
    return alice, bob, chats.create_chat("room", [alice.id, bob.id])


def test_a_send_without_a_key_keeps_none(chats: Chats, room: tuple[User, User, Chat]) -> None:
    alice, _, chat = room
    sent = chats.send_message.sent(chat.id, alice.id, "hi")
    assert (sent.replayed, sent.message.client_msg_id) == (False, None)
    assert chats.list_messages(chat.id) == [sent.message]


def test_a_retry_with_the_same_text_answers_the_original_and_stores_nothing(
    chats: Chats, room: tuple[User, User, Chat]
) -> None:
    alice, _, chat = room
    first = chats.send_message.sent(chat.id, alice.id, "hi", "key-1")
    again = chats.send_message.sent(chat.id, alice.id, "hi", "key-1")
    assert first == Sent(first.message)
    assert again == Sent(first.message, replayed=True)
    assert first.message.client_msg_id == "key-1"
    assert chats.list_messages(chat.id) == [first.message]
    assert chats.list_chats(alice.id)[0].last_message_at == first.message.created_at


def test_the_same_key_with_another_text_is_refused_naming_the_original(
    chats: Chats, room: tuple[User, User, Chat]
) -> None:
    alice, _, chat = room
    first = chats.send_message(chat.id, alice.id, "hi", "key-1")
    with pytest.raises(ClientMsgIdReused) as refused:
        chats.send_message(chat.id, alice.id, "hello", "key-1")
    assert refused.value.original_id == first.id
    assert refused.value.field == "client_msg_id"
    assert first.id in refused.value.detail
    assert chats.list_messages(chat.id) == [first]


def test_a_key_belongs_to_one_author_in_one_chat(
    chats: Chats, room: tuple[User, User, Chat]
) -> None:
    alice, bob, chat = room
    other = chats.create_chat("other", [alice.id])
    sent = [
        chats.send_message.sent(chat.id, alice.id, "hi", "k"),
        chats.send_message.sent(chat.id, bob.id, "hi", "k"),
        chats.send_message.sent(other.id, alice.id, "hi", "k"),
    ]
    assert [s.replayed for s in sent] == [False, False, False]
    assert len({s.message.id for s in sent}) == 3


def test_a_refused_send_leaves_its_key_unused(chats: Chats, room: tuple[User, User, Chat]) -> None:
    alice, _, chat = room
    outsider = chats.add_user("carol")
    with pytest.raises(NotAMember):
        chats.send_message(chat.id, outsider.id, "hi", "k")
    assert chats.send_message.sent(chat.id, alice.id, "hi", "k").replayed is False


def test_sends_delivered_together_answer_each_one_in_order(
    chats: Chats, room: tuple[User, User, Chat]
) -> None:
    alice, _, chat = room
    outsider = chats.add_user("carol")
    send = chats.send_message
    earlier = send(chat.id, alice.id, "before", "old")
    messages = [
        send.prepare(chat.id, alice.id, "one", "k1"),
        send.prepare(chat.id, alice.id, "one", "k1"),  # the first, in the same batch
        send.prepare(chat.id, alice.id, "two", "k1"),  # reused within the batch
        send.prepare(chat.id, outsider.id, "three"),
        send.prepare(chat.id, alice.id, "before", "old"),  # a retry of an earlier send
        send.prepare(chat.id, alice.id, "four"),
    ]
    outcomes = send.deliver(messages)
    first, last = outcomes[0], outcomes[5]
    assert isinstance(first, Sent)
    assert not first.replayed
    assert outcomes[1] == Sent(first.message, replayed=True)
    assert outcomes[2] == ClientMsgIdReused("k1", messages[0].id)
    assert outcomes[3] == NotAMember(outsider.id, chat.id)
    assert outcomes[4] == Sent(earlier, replayed=True)
    assert isinstance(last, Sent)
    assert not last.replayed
    assert chats.list_messages(chat.id) == [earlier, first.message, last.message]
    assert chats.list_chats(alice.id)[0].last_message_at == last.message.created_at
    # Each message is listed as its entity is written, whichever way it was stored.
    listed = chats.list_messages.document_page(chat.id, limit=10).items
    assert list(listed) == [message_json(m) for m in (earlier, first.message, last.message)]


def test_sixteen_threads_racing_one_key_store_one_message_that_every_answer_names(
    uow_factory: UnitOfWorkFactory,
) -> None:
    chats = bootstrap(uow_factory)
    alice = chats.add_user("alice")
    chat = chats.create_chat("room", [alice.id])
    outcomes = race(16, lambda n: chats.send_message.sent(chat.id, alice.id, "hi", "same-key"))
    sent = [o for o in outcomes if isinstance(o, Sent)]
    assert len(sent) == 16, outcomes
    assert len({s.message.id for s in sent}) == 1
    assert sorted(s.replayed for s in sent) == [False] + [True] * 15
    assert [m.id for m in chats.list_messages(chat.id)] == [sent[0].message.id]


def test_a_retry_after_a_restart_answers_the_original(database_url: str) -> None:
    before = open_database(database_url)
    chats = bootstrap(before.uow)
    alice = chats.add_user("alice")
    chat = chats.create_chat("room", [alice.id])
    first = chats.send_message(chat.id, alice.id, "hi", "key-1")
    before.dispose()
    after: Database = open_database(database_url)
    try:
        again = bootstrap(after.uow).send_message.sent(chat.id, alice.id, "hi", "key-1")
    finally:
        after.dispose()
    assert again == Sent(first, replayed=True)
