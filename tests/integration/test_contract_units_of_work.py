"""Units of work and repositories on every adapter: staging, commit, rollback, look-ups."""

from __future__ import annotations

import uuid

import pytest

from chat_domain.model import Chat, User
from chat_domain.ports import SenderStatus, UnitOfWorkFactory
from entrypoints.bootstrap import Chats
from tests.fakes import EPOCH


def _add_and_fail(uow_factory: UnitOfWorkFactory, user: User) -> None:
    with uow_factory() as uow:
        uow.users.add(user)
        raise RuntimeError("the use case failed half-way")


def test_uncommitted_writes_are_dropped_when_the_unit_of_work_ends(
    uow_factory: UnitOfWorkFactory,
) -> None:
    user = User(str(uuid.uuid4()), "alice", EPOCH)
    with uow_factory() as uow:
        uow.users.add(user)
        assert uow.users.get(user.id) == user
        assert uow.users.missing([user.id]) == []
    with pytest.raises(RuntimeError):
        _add_and_fail(uow_factory, user)
    with uow_factory() as uow:
        assert uow.users.get(user.id) is None
        uow.rollback()
        uow.rollback()


def test_writes_commit_together(uow_factory: UnitOfWorkFactory) -> None:
    alice = User(str(uuid.uuid4()), "alice", EPOCH)
    chat = Chat(str(uuid.uuid4()), "c", (alice.id,), EPOCH)
    with uow_factory() as uow:
        uow.users.add(alice)
        uow.chats.add(chat)
        assert uow.chats.get(chat.id) == chat
        uow.commit()
    with uow_factory() as uow:
        assert uow.chats.list_for_user(alice.id) == [chat]


def test_missing_lists_unknown_ids_in_the_order_given(
    chats: Chats, uow_factory: UnitOfWorkFactory
) -> None:
    alice, bob = chats.add_user("alice"), chats.add_user("bob")
    ghost_1, ghost_2 = str(uuid.uuid4()), str(uuid.uuid4())
    with uow_factory() as uow:
        asked = [ghost_2, alice.id, ghost_1, bob.id, ghost_2]
        assert uow.users.missing(asked) == [ghost_2, ghost_1, ghost_2]
        assert uow.users.missing([]) == []


def test_sender_status_tells_chat_author_and_membership_apart(
    chats: Chats, uow_factory: UnitOfWorkFactory
) -> None:
    alice, bob = chats.add_user("alice"), chats.add_user("bob")
    chat = chats.create_chat("c", [alice.id])
    ghost = str(uuid.uuid4())
    with uow_factory() as uow:
        assert uow.chats.exists(chat.id)
        assert not uow.chats.exists(ghost)
        assert uow.chats.sender_status(ghost, alice.id) is SenderStatus.CHAT_MISSING
        assert uow.chats.sender_status(ghost, ghost) is SenderStatus.CHAT_MISSING
        assert uow.chats.sender_status(chat.id, ghost) is SenderStatus.AUTHOR_MISSING
        assert uow.chats.sender_status(chat.id, bob.id) is SenderStatus.NOT_MEMBER
        assert uow.chats.sender_status(chat.id, alice.id) is SenderStatus.MEMBER
