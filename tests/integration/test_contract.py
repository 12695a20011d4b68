"""The storage contract, run against every adapter: memory, SQLite and PostgreSQL.

Each test gets a fresh, empty store through ``uow_factory`` (and the use cases
over it through ``chats``) and must pass the same way on all three; the
in-memory adapter is the reference. Orders are in ``test_contract_ordering``,
units of work and repositories in ``test_contract_units_of_work``.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from chat_domain.errors import (
    ChatNameTaken,
    ChatNotFound,
    DuplicateUser,
    NotAMember,
    UsernameTaken,
    UserNotFound,
)
from chat_domain.model import User
from chat_domain.ports import UnitOfWorkFactory
from entrypoints.bootstrap import Chats
from tests.fakes import EPOCH, TickingClock


def _users(chats: Chats, *names: str) -> list[User]:
    return [chats.add_user(name) for name in names]


def _random_ids(count: int) -> list[str]:
    return [str(uuid.uuid4()) for _ in range(count)]


def test_added_user_exists_under_its_name(chats: Chats, uow_factory: UnitOfWorkFactory) -> None:
    user = chats.add_user("Zoë_🎉")
    ghost = str(uuid.uuid4())
    with uow_factory() as uow:
        assert uow.users.missing([user.id, ghost]) == [ghost]
    with pytest.raises(UsernameTaken):
        chats.add_user("ZOË_🎉")


def test_username_is_taken_in_any_letter_case(chats: Chats) -> None:
    chats.add_user("Alice")
    chats.add_user("Straße")
    for taken in ("alice", "ALICE", "STRASSE", "strasse"):
        with pytest.raises(UsernameTaken) as raised:
            chats.add_user(taken)
        assert raised.value == UsernameTaken(taken)


def test_users_added_together_each_get_their_own_answer(
    chats: Chats, uow_factory: UnitOfWorkFactory
) -> None:
    chats.add_user("taken")
    add = chats.add_user
    batch = [add.prepare(name) for name in ("ann", "bob", "ANN", "Taken", "cy")]
    outcomes = add.deliver(batch)
    assert outcomes[:2] == batch[:2]
    assert outcomes[2] == UsernameTaken("ANN")  # taken earlier in the same batch
    assert outcomes[3] == UsernameTaken("Taken")
    assert outcomes[4] == batch[4]
    with uow_factory() as uow:
        assert uow.users.missing([u.id for u in batch]) == [batch[2].id, batch[3].id]
        assert uow.users.named("ann") == batch[0]


def test_chats_created_together_each_get_their_own_answer(
    chats: Chats, uow_factory: UnitOfWorkFactory
) -> None:
    alice, bob = _users(chats, "alice", "bob")
    chats.create_chat("taken", [alice.id])
    ghost = str(uuid.uuid4())
    create = chats.create_chat
    batch = [
        create.prepare("one", [alice.id, bob.id]),
        create.prepare("TAKEN", [bob.id]),
        create.prepare("ghostly", [alice.id, ghost]),
        create.prepare("ONE", [alice.id]),
        create.prepare("two", [bob.id]),
    ]
    outcomes = create.deliver(batch)
    assert outcomes[0] == batch[0]
    assert outcomes[1] == ChatNameTaken("TAKEN")
    assert isinstance(outcomes[2], UserNotFound)
    assert outcomes[2].field == "users[1]"
    assert outcomes[3] == ChatNameTaken("ONE")  # taken earlier in the same batch
    assert outcomes[4] == batch[4]
    assert [c.name for c in chats.list_chats(bob.id)] == ["two", "one"]


def test_chat_name_is_taken_in_any_letter_case(chats: Chats) -> None:
    (alice,) = _users(chats, "alice")
    chats.create_chat("Team Straße", [alice.id])
    with pytest.raises(ChatNameTaken) as raised:
        chats.create_chat("TEAM STRASSE", [alice.id])
    assert raised.value == ChatNameTaken("TEAM STRASSE")
    assert [chat.name for chat in chats.list_chats(alice.id)] == ["Team Straße"]


def test_chat_keeps_its_members_in_the_order_given(
    chats: Chats, uow_factory: UnitOfWorkFactory
) -> None:
    users = _users(chats, "a", "b", "c", "d", "e")
    order = [users[3].id, users[0].id, users[4].id, users[1].id]
    chat = chats.create_chat("ordered", order)
    assert chat.users == tuple(order)
    assert chats.list_chats(users[4].id) == [chat]
    with uow_factory() as uow:
        assert uow.chats.exists(chat.id)
        assert not uow.chats.exists(str(uuid.uuid4()))
    assert chats.list_chats(users[2].id) == []


def test_chat_with_unknown_users_names_them_in_the_order_given(chats: Chats) -> None:
    (alice,) = _users(chats, "alice")
    ghost_1, ghost_2 = _random_ids(2)
    with pytest.raises(UserNotFound) as raised:
        chats.create_chat("c", [ghost_2, alice.id, ghost_1])
    assert raised.value == UserNotFound([ghost_2, ghost_1], field="users")
    with pytest.raises(UserNotFound) as raised:
        chats.create_chat("c", [alice.id, ghost_1])
    assert raised.value == UserNotFound([ghost_1], field="users[1]")
    with pytest.raises(DuplicateUser):
        chats.create_chat("c", [alice.id, alice.id.upper()])
    assert chats.list_chats(alice.id) == []


def test_unknown_members_are_answered_before_a_taken_chat_name(chats: Chats) -> None:
    (alice,) = _users(chats, "alice")
    chat = chats.create_chat("taken", [alice.id])
    (ghost,) = _random_ids(1)
    with pytest.raises(UserNotFound) as raised:
        chats.create_chat("TAKEN", [alice.id, ghost])
    assert raised.value == UserNotFound([ghost], field="users[1]")
    with pytest.raises(ChatNameTaken):
        chats.create_chat("TAKEN", [alice.id])
    assert chats.list_chats(alice.id) == [chat]


def test_a_chat_may_have_more_members_than_one_query_takes_ids(
    chats: Chats, uow_factory: UnitOfWorkFactory
) -> None:
    members = [User(user_id, f"user_{user_id}", EPOCH) for user_id in _random_ids(1_234)]
    with uow_factory() as uow:
        for user in members:
            uow.users.add(user)
        uow.commit()
    chat = chats.create_chat("everyone", [user.id for user in reversed(members)])
    assert chats.list_chats(members[0].id)[0].users == tuple(u.id for u in reversed(members))
    ghost = str(uuid.uuid4())
    with pytest.raises(UserNotFound) as raised:
        chats.create_chat("more", [*chat.users, ghost])
    assert raised.value.user_ids == (ghost,)


def test_send_by_a_non_member_is_forbidden(chats: Chats) -> None:
    alice, bob = _users(chats, "alice", "bob")
    chat = chats.create_chat("c", [alice.id])
    with pytest.raises(NotAMember) as raised:
        chats.send_message(chat.id, bob.id, "hi")
    assert raised.value == NotAMember(bob.id, chat.id)
    assert chats.list_messages(chat.id) == []
    assert chats.list_chats(alice.id)[0].last_message_at is None


def test_send_to_an_unknown_chat_or_by_an_unknown_author_is_not_found(chats: Chats) -> None:
    (alice,) = _users(chats, "alice")
    chat = chats.create_chat("c", [alice.id])
    ghost = str(uuid.uuid4())
    with pytest.raises(ChatNotFound) as chat_missing:
        chats.send_message(ghost, ghost, "hi")
    assert chat_missing.value == ChatNotFound(ghost)
    with pytest.raises(UserNotFound) as author_missing:
        chats.send_message(chat.id, ghost, "hi")
    assert author_missing.value == UserNotFound([ghost], field="author")


def test_lists_of_unknown_users_and_chats_are_not_found(chats: Chats) -> None:
    ghost = str(uuid.uuid4())
    with pytest.raises(UserNotFound):
        chats.list_chats(ghost)
    with pytest.raises(ChatNotFound):
        chats.list_messages(ghost)


def test_ids_are_accepted_in_any_case_and_returned_lowercase(chats: Chats) -> None:
    (alice,) = _users(chats, "alice")
    chat = chats.create_chat("c", [alice.id.upper()])
    message = chats.send_message(chat.id.upper(), alice.id.upper(), "hi")
    assert chats.list_messages(chat.id.upper()) == [message]
    listed = chats.list_chats(alice.id.upper())
    assert listed[0].id == chat.id == chat.id.lower()
    assert listed[0].users == (alice.id,)


def test_text_of_4096_characters_of_any_unicode_reads_back_exactly(chats: Chats) -> None:
    (alice,) = _users(chats, "alice")
    chat = chats.create_chat("💬 ünïcödé", [alice.id])
    texts = ["🎉" * 4096, "line\n\ttabbed\r\n  spaced  ", "Ünïcödé ∑ 中文 עברית 👩‍👩‍👧 \u200b"]
    sent = [chats.send_message(chat.id, alice.id, text) for text in texts]
    assert [m.text for m in chats.list_messages(chat.id)] == texts
    assert chats.list_messages(chat.id) == sent


def test_times_read_back_exactly_in_utc_with_microseconds(
    chats: Chats, clock: TickingClock
) -> None:
    moment = datetime(2026, 11, 27, 5, 1, 39, 849357, tzinfo=UTC)
    clock.set(moment)
    (alice,) = _users(chats, "alice")
    chat = chats.create_chat("c", [alice.id])
    chats.send_message(chat.id, alice.id, "hi")
    (listed,) = chats.list_chats(alice.id)
    (message,) = chats.list_messages(chat.id)
    stamps = [listed.created_at, listed.last_message_at, message.created_at]
    assert stamps == [moment + timedelta(milliseconds=n) for n in (1, 2, 2)]
    assert all(stamp is not None and stamp.tzinfo is UTC for stamp in stamps)
