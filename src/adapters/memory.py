"""In-memory adapters: the reference implementation of every storage port.

Used by the unit tests, the state machine (as the model the SQL adapters must
match) and by anyone embedding the service without a database. Writes are
checked and staged in the unit of work, and applied atomically on commit
under one lock (names checked again there, as a unique index would), so a
rollback leaves nothing behind and concurrent threads see only committed
data (read committed, as PostgreSQL does by default).
"""

from __future__ import annotations

import bisect
import threading
from collections.abc import Sequence
from datetime import datetime

import attrs

from chat_domain import rules
from chat_domain.errors import ChatNameTaken, UsernameTaken, members_not_found, sender_refusal
from chat_domain.model import (
    Chat,
    Message,
    SenderStatus,
    User,
    chat_list_key,
    message_list_key,
)
from chat_domain.ports import ChatRepository, MessageRepository, UnitOfWork, UserRepository


@attrs.define
class MemoryStore:
    """The committed state, shared by every unit of work made from it."""

    lock: threading.RLock = attrs.field(factory=threading.RLock)
    users: dict[str, User] = attrs.field(factory=dict)
    user_by_key: dict[str, str] = attrs.field(factory=dict)
    chats: dict[str, Chat] = attrs.field(factory=dict)
    chat_by_key: dict[str, str] = attrs.field(factory=dict)
    chats_of_user: dict[str, set[str]] = attrs.field(factory=dict)
    messages: dict[str, list[Message]] = attrs.field(factory=dict)

    def unit_of_work(self) -> MemoryUnitOfWork:
        return MemoryUnitOfWork(self)


class _Staged:
    """Writes of one unit of work, not yet visible to anybody else."""

    def __init__(self) -> None:
        self.clear()

    def clear(self) -> None:
        self.users: dict[str, User] = {}
        self.user_keys: set[str] = set()
        self.chats: dict[str, Chat] = {}
        self.chat_keys: set[str] = set()
        self.messages: list[Message] = []

    def chat(self, store: MemoryStore, chat_id: str) -> Chat | None:
        return self.chats.get(chat_id) or store.chats.get(chat_id)

    def last_message_at(self, chat_id: str) -> datetime | None:
        times = [m.created_at for m in self.messages if m.chat == chat_id]
        return max(times, default=None)


def _later(a: datetime | None, b: datetime | None) -> datetime | None:
    if a is None or b is None:
        return a or b
    return max(a, b)


class MemoryUserRepository(UserRepository):
    def __init__(self, store: MemoryStore, staged: _Staged) -> None:
        self._store = store
        self._staged = staged

    def add(self, user: User) -> None:
        key = rules.name_key(user.username)
        with self._store.lock:
            if key in self._store.user_by_key or key in self._staged.user_keys:
                raise UsernameTaken(user.username)
        self._staged.users[user.id] = user
        self._staged.user_keys.add(key)

    def missing(self, user_ids: Sequence[str]) -> list[str]:
        with self._store.lock:
            known = self._store.users
            return [u for u in user_ids if u not in known and u not in self._staged.users]


class MemoryChatRepository(ChatRepository):
    def __init__(self, store: MemoryStore, staged: _Staged, users: UserRepository) -> None:
        self._store = store
        self._staged = staged
        self._users = users

    def add(self, chat: Chat) -> None:
        missing = self._users.missing(chat.users)
        if missing:
            raise members_not_found(chat.users, missing)
        key = rules.name_key(chat.name)
        with self._store.lock:
            if key in self._store.chat_by_key or key in self._staged.chat_keys:
                raise ChatNameTaken(chat.name)
        self._staged.chats[chat.id] = chat
        self._staged.chat_keys.add(key)

    def _get(self, chat_id: str) -> Chat | None:
        with self._store.lock:
            chat = self._staged.chat(self._store, chat_id)
        if chat is None:
            return None
        latest = _later(chat.last_message_at, self._staged.last_message_at(chat_id))
        return attrs.evolve(chat, last_message_at=latest)

    def exists(self, chat_id: str) -> bool:
        with self._store.lock:
            return self._staged.chat(self._store, chat_id) is not None

    def sender_status(self, chat_id: str, user_id: str) -> SenderStatus:
        with self._store.lock:
            chat = self._staged.chat(self._store, chat_id)
            author = user_id in self._store.users or user_id in self._staged.users
        member = chat is not None and user_id in chat.users
        return SenderStatus.of(chat=chat is not None, author=author, member=member)

    def list_for_user(self, user_id: str) -> list[Chat]:
        with self._store.lock:
            ids = set(self._store.chats_of_user.get(user_id, ()))
        ids.update(c.id for c in self._staged.chats.values() if user_id in c.users)
        chats = [chat for chat_id in ids if (chat := self._get(chat_id)) is not None]
        return sorted(chats, key=chat_list_key, reverse=True)


class MemoryMessageRepository(MessageRepository):
    def __init__(self, store: MemoryStore, staged: _Staged, chats: MemoryChatRepository) -> None:
        self._store = store
        self._staged = staged
        self._chats = chats

    def append(self, message: Message) -> None:
        status = self._chats.sender_status(message.chat, message.author)
        refusal = sender_refusal(status, message.chat, message.author)
        if refusal is not None:
            raise refusal
        self._staged.messages.append(message)

    def list_for_chat(
        self, chat_id: str, *, after: Message | None = None, limit: int | None = None
    ) -> list[Message]:
        with self._store.lock:
            committed = list(self._store.messages.get(chat_id, ()))
        staged = [m for m in self._staged.messages if m.chat == chat_id]
        listed = sorted(committed + staged, key=message_list_key) if staged else committed
        start = 0
        if after is not None:
            start = bisect.bisect_right(listed, message_list_key(after), key=message_list_key)
        return listed[start : None if limit is None else start + limit]


class MemoryUnitOfWork(UnitOfWork):
    def __init__(self, store: MemoryStore) -> None:
        self._store = store
        self._staged = _Staged()
        self.users = MemoryUserRepository(store, self._staged)
        self.chats = MemoryChatRepository(store, self._staged, self.users)
        self.messages = MemoryMessageRepository(store, self._staged, self.chats)

    def commit(self) -> None:
        staged, store = self._staged, self._store
        with store.lock:
            # Another unit of work may have committed the same name since it
            # was staged here: check again under the lock, as a unique index would.
            for user in staged.users.values():
                if rules.name_key(user.username) in store.user_by_key:
                    raise UsernameTaken(user.username)
            for chat in staged.chats.values():
                if rules.name_key(chat.name) in store.chat_by_key:
                    raise ChatNameTaken(chat.name)
            for user in staged.users.values():
                store.users[user.id] = user
                store.user_by_key[rules.name_key(user.username)] = user.id
            for chat in staged.chats.values():
                store.chats[chat.id] = chat
                store.chat_by_key[rules.name_key(chat.name)] = chat.id
                for member in chat.users:
                    store.chats_of_user.setdefault(member, set()).add(chat.id)
            for message in staged.messages:
                bisect.insort(
                    store.messages.setdefault(message.chat, []), message, key=message_list_key
                )
                chat = store.chats[message.chat]
                latest = _later(chat.last_message_at, message.created_at)
                store.chats[message.chat] = attrs.evolve(chat, last_message_at=latest)
        self._staged.clear()

    def rollback(self) -> None:
        self._staged.clear()
