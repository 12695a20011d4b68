"""The in-memory unit of work stages writes and applies them only on commit."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from adapters.memory import MemoryStore
from chat_domain.errors import ChatNameTaken, UsernameTaken
from chat_domain.model import Chat, Message, User, message_list_key
from entrypoints.bootstrap import Chats
from tests.fakes import EPOCH, SequentialIds

ids = SequentialIds()


def _user(name: str) -> User:
    return User(id=ids.new_id(), username=name, created_at=EPOCH)


def test_uncommitted_user_is_seen_only_by_its_own_unit_of_work(store: MemoryStore) -> None:
    user = _user("alice")
    with store.unit_of_work() as uow:
        uow.users.add(user)
        assert uow.users.missing([user.id]) == []
        with store.unit_of_work() as other:
            assert other.users.missing([user.id]) == [user.id]


def test_leaving_without_commit_rolls_back(store: MemoryStore) -> None:
    user = _user("alice")
    with store.unit_of_work() as uow:
        uow.users.add(user)
    with store.unit_of_work() as uow:
        assert uow.users.missing([user.id]) == [user.id]
        uow.users.add(_user("alice"))  # the name is free again
        uow.commit()


def test_an_exception_inside_the_unit_of_work_rolls_back(store: MemoryStore) -> None:
    user = _user("alice")

    def fail_midway() -> None:
        with store.unit_of_work() as uow:
            uow.users.add(user)
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        fail_midway()
    assert store.users == {}


def test_commit_rechecks_names_taken_by_another_unit_of_work(store: MemoryStore) -> None:
    with store.unit_of_work() as first, store.unit_of_work() as second:
        first.users.add(_user("Bob"))
        second.users.add(_user("bob"))
        first.commit()
        with pytest.raises(UsernameTaken):
            second.commit()
    assert len(store.users) == 1


def test_chat_name_race_commits_once(store: MemoryStore) -> None:
    user = _user("a")
    with store.unit_of_work() as uow:
        uow.users.add(user)
        uow.commit()
    with store.unit_of_work() as first, store.unit_of_work() as second:
        for uow in (first, second):
            uow.chats.add(Chat(id=ids.new_id(), name="Team", users=(user.id,), created_at=EPOCH))
        first.commit()
        with pytest.raises(ChatNameTaken):
            second.commit()
    assert len(store.chats) == 1


def test_staged_message_shows_in_its_chat_until_rollback(store: MemoryStore) -> None:
    user = _user("a")
    chat = Chat(id=ids.new_id(), name="c", users=(user.id,), created_at=EPOCH)
    with store.unit_of_work() as uow:
        uow.users.add(user)
        uow.chats.add(chat)
        uow.commit()
    message = Message(id=ids.new_id(), chat=chat.id, author=user.id, text="x", created_at=EPOCH)
    with store.unit_of_work() as uow:
        uow.messages.append(message)
        assert uow.messages.list_for_chat(chat.id) == [message]
        assert uow.chats.list_for_user(user.id)[0].last_message_at == EPOCH
    with store.unit_of_work() as uow:
        assert uow.messages.list_for_chat(chat.id) == []
        assert uow.chats.list_for_user(user.id)[0].last_message_at is None


def test_sixteen_threads_racing_for_one_username_give_one_winner(chats: Chats) -> None:
    barrier = threading.Barrier(16)

    def attempt(_: int) -> str:
        barrier.wait()
        try:
            chats.add_user("contested")
        except UsernameTaken:
            return "conflict"
        return "created"

    with ThreadPoolExecutor(16) as pool:
        outcomes = list(pool.map(attempt, range(16)))
    assert sorted(outcomes) == ["conflict"] * 15 + ["created"]


def test_concurrent_sends_all_land_in_order_and_move_last_message_time_forward(
    chats: Chats,
) -> None:
    author = chats.add_user("a").id
    chat = chats.create_chat("team", [author]).id

    def send(worker: int) -> None:
        for n in range(100):
            chats.send_message(chat, author, f"{worker}:{n}")

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(send, range(8)))
    messages = chats.list_messages(chat)
    assert len(messages) == 800
    assert messages == sorted(messages, key=message_list_key)
    assert chats.list_chats(author)[0].last_message_at == messages[-1].created_at
