"""Units of work and repositories on every adapter: staging, commit, rollback, refusals."""

from __future__ import annotations

import uuid

import attrs
import pytest

from chat_domain.documents import chat_json
from chat_domain.errors import (
    ChatNameTaken,
    ChatNotFound,
    NotAMember,
    UsernameTaken,
    UserNotFound,
)
from chat_domain.model import TICK, Chat, Message, Sent, User
from chat_domain.ports import Stored, UnitOfWorkFactory
from entrypoints.bootstrap import Chats
from tests.fakes import EPOCH


def _add_and_fail(uow_factory: UnitOfWorkFactory, user: User) -> None:
    with uow_factory() as uow:
        uow.users.add(user)
        raise RuntimeError("the use case failed half-way")


def _commit(uow_factory: UnitOfWorkFactory, *writes: User | Chat | Message) -> list[Stored[Sent]]:
    """Stage ``writes`` in one unit of work and commit; what became of each send."""
    sent: list[Stored[Sent]] = []
    with uow_factory() as uow:
        for write in writes:
            if isinstance(write, User):
                uow.users.add(write)
            elif isinstance(write, Chat):
                uow.chats.add(write)
            else:
                sent.append(uow.messages.append(write))
        uow.commit()
    return sent


def _message(chat_id: str, author_id: str) -> Message:
    return Message(str(uuid.uuid4()), chat_id, author_id, "hi", EPOCH)


def test_uncommitted_writes_are_dropped_when_the_unit_of_work_ends(
    uow_factory: UnitOfWorkFactory,
) -> None:
    user = User(str(uuid.uuid4()), "alice", EPOCH)
    with uow_factory() as uow:
        uow.users.add(user)
        assert uow.users.missing([user.id]) == []  # a unit of work reads its own writes
    with pytest.raises(RuntimeError):
        _add_and_fail(uow_factory, user)
    with uow_factory() as uow:
        assert uow.users.missing([user.id]) == [user.id]
        uow.rollback()
        uow.rollback()


def test_writes_commit_together(uow_factory: UnitOfWorkFactory) -> None:
    alice = User(str(uuid.uuid4()), "alice", EPOCH)
    chat = Chat(str(uuid.uuid4()), "c", (alice.id,), EPOCH)
    with uow_factory() as uow:
        uow.users.add(alice)
        uow.chats.add(chat)
        assert uow.chats.list_for_user(alice.id) == [chat]
        uow.commit()
    with uow_factory() as uow:
        assert uow.chats.list_for_user(alice.id) == [chat]


def test_a_refused_write_keeps_nothing_of_its_unit_of_work(
    chats: Chats, uow_factory: UnitOfWorkFactory
) -> None:
    alice = chats.add_user("alice")
    bob = User(str(uuid.uuid4()), "bob", EPOCH)
    with pytest.raises(UsernameTaken):
        _commit(uow_factory, bob, User(str(uuid.uuid4()), "ALICE", EPOCH))
    with uow_factory() as uow:
        assert uow.users.missing([alice.id, bob.id]) == [bob.id]


def test_missing_lists_unknown_ids_in_the_order_given(
    chats: Chats, uow_factory: UnitOfWorkFactory
) -> None:
    alice, bob = chats.add_user("alice"), chats.add_user("bob")
    ghost_1, ghost_2 = str(uuid.uuid4()), str(uuid.uuid4())
    with uow_factory() as uow:
        asked = [ghost_2, alice.id, ghost_1, bob.id, ghost_2]
        assert uow.users.missing(asked) == [ghost_2, ghost_1, ghost_2]
        assert uow.users.missing([]) == []


def test_a_chat_is_refused_for_missing_members_before_a_taken_name(
    chats: Chats, uow_factory: UnitOfWorkFactory
) -> None:
    alice = chats.add_user("alice")
    chats.create_chat("taken", [alice.id])
    ghost = str(uuid.uuid4())
    with pytest.raises(UserNotFound) as missing:
        _commit(uow_factory, Chat(str(uuid.uuid4()), "TAKEN", (alice.id, ghost), EPOCH))
    assert missing.value == UserNotFound([ghost], field="users[1]")
    with pytest.raises(ChatNameTaken):
        _commit(uow_factory, Chat(str(uuid.uuid4()), "TAKEN", (alice.id,), EPOCH))


def test_chats_staged_together_are_stored_together_or_refused_by_the_one_at_fault(
    chats: Chats, uow_factory: UnitOfWorkFactory
) -> None:
    alice, bob = chats.add_user("alice"), chats.add_user("bob")
    ghost = str(uuid.uuid4())

    def new(name: str, *members: str) -> Chat:
        return Chat(str(uuid.uuid4()), name, members, EPOCH)

    _commit(uow_factory, new("one", bob.id, alice.id), new("two", alice.id), new("3", bob.id))
    listed = chats.list_chats(alice.id)
    assert {c.name: c.users for c in listed} == {"one": (bob.id, alice.id), "two": (alice.id,)}
    assert list(chats.list_chats.documents(alice.id).chats) == [chat_json(c) for c in listed]
    for staged, error in (
        ([new("four", alice.id, ghost)], UserNotFound([ghost], field="users[1]")),
        ([new("ONE", alice.id)], ChatNameTaken("ONE")),  # taken before
        ([new("five", bob.id), new("FIVE", bob.id)], ChatNameTaken("FIVE")),  # in this commit
    ):
        with pytest.raises(type(error)) as raised:
            _commit(uow_factory, new("six", alice.id), *staged)
        assert raised.value == error
        assert len(chats.list_chats(alice.id)) == 2  # nothing of the commit was kept


def test_a_message_is_refused_unless_its_author_is_a_member(
    chats: Chats, uow_factory: UnitOfWorkFactory
) -> None:
    alice, bob = chats.add_user("alice"), chats.add_user("bob")
    chat = chats.create_chat("c", [alice.id])
    ghost = str(uuid.uuid4())
    refusals = {
        (ghost, alice.id): ChatNotFound(ghost),
        (ghost, ghost): ChatNotFound(ghost),
        (chat.id, ghost): UserNotFound([ghost], field="author"),
        (chat.id, bob.id): NotAMember(bob.id, chat.id),
    }
    for (chat_id, author_id), refusal in refusals.items():
        [stored] = _commit(uow_factory, _message(chat_id, author_id))
        assert stored.outcome == refusal
        with pytest.raises(type(refusal)):
            assert stored.value
    sent = _message(chat.id, alice.id)
    [stored] = _commit(uow_factory, sent)
    assert stored.value == Sent(sent)
    with uow_factory() as uow:
        assert uow.messages.list_for_chat(chat.id) == [sent]
        assert uow.chats.list_for_user(alice.id)[0].last_message_at == EPOCH


def test_a_refused_send_does_not_fail_the_others_of_its_unit_of_work(
    chats: Chats, uow_factory: UnitOfWorkFactory
) -> None:
    alice, bob = chats.add_user("alice"), chats.add_user("bob")
    chat = chats.create_chat("c", [alice.id])
    first, refused, last = (
        _message(chat.id, alice.id),
        _message(chat.id, bob.id),
        _message(chat.id, alice.id),
    )
    stored = _commit(uow_factory, first, refused, last)
    assert [each.outcome for each in stored] == [
        Sent(first),
        NotAMember(bob.id, chat.id),
        Sent(attrs.evolve(last, created_at=EPOCH + TICK)),  # just after the one before
    ]
    with uow_factory() as uow:
        assert [m.id for m in uow.messages.list_for_chat(chat.id)] == [first.id, last.id]


def test_a_thread_may_read_in_a_second_unit_of_work_while_its_first_is_open(
    uow_factory: UnitOfWorkFactory, chats: Chats
) -> None:
    alice = chats.add_user("alice")
    with uow_factory() as outer:
        assert outer.users.missing([alice.id]) == []
        with uow_factory() as inner:  # SQLite: the process's turn is re-entrant
            assert inner.users.missing([alice.id]) == []
        assert outer.users.missing([alice.id]) == []
    assert chats.add_user("bob").username == "bob"  # every turn was given back
