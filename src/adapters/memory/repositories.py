"""The repository ports over the in-memory store: each reads what is committed and
what its own unit of work has staged."""

from __future__ import annotations

import bisect
from collections.abc import Sequence

import attrs

from adapters.memory.store import MemoryStore, Staged
from chat_domain import rules
from chat_domain.errors import ChatNameTaken, UsernameTaken, members_not_found, sender_refusal
from chat_domain.model import (
    Chat,
    ChatKey,
    Message,
    SenderStatus,
    Sent,
    User,
    chat_list_key,
    message_list_key,
    send_key,
)
from chat_domain.pages import Window
from chat_domain.ports import (
    ChatRepository,
    MessageRepository,
    Stored,
    UserRepository,
)
from chat_domain.sends import replay


class MemoryUserRepository(UserRepository):
    def __init__(self, store: MemoryStore, staged: Staged) -> None:
        self._store = store
        self._staged = staged

    def add(self, user: User) -> None:
        key = rules.name_key(user.username)
        with self._store.lock:
            if key in self._store.user_by_key or key in self._staged.user_keys:
                raise UsernameTaken(user.username)
        self._staged.users[user.id] = user
        self._staged.user_keys.add(key)

    def _user(self, user_id: str) -> User | None:
        return self._staged.users.get(user_id) or self._store.users.get(user_id)

    def missing(self, user_ids: Sequence[str]) -> list[str]:
        with self._store.lock:
            return [user_id for user_id in user_ids if self._user(user_id) is None]

    def get(self, user_ids: Sequence[str]) -> list[User]:
        with self._store.lock:
            return [user for user_id in user_ids if (user := self._user(user_id)) is not None]

    def named(self, username: str) -> User | None:
        key = rules.name_key(username)
        staged = [u for u in self._staged.users.values() if rules.name_key(u.username) == key]
        with self._store.lock:
            user_id = self._store.user_by_key.get(key)
            return staged[0] if staged else None if user_id is None else self._user(user_id)


class MemoryChatRepository(ChatRepository):
    def __init__(self, store: MemoryStore, staged: Staged, users: UserRepository) -> None:
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

    def chat(self, chat_id: str) -> Chat | None:
        """The chat as this unit of work sees it, its staged messages counted."""
        chat = self._staged.chats.get(chat_id) or self._store.chat(chat_id)
        if chat is None:
            return None
        times = [m.created_at for m in self._staged.messages_of(chat_id)]
        if chat.last_message_at is not None:
            times.append(chat.last_message_at)
        return attrs.evolve(chat, last_message_at=max(times, default=None))

    def exists(self, chat_id: str) -> bool:
        return self.chat(chat_id) is not None

    def sender_status(self, chat_id: str, user_id: str) -> SenderStatus:
        chat = self.chat(chat_id)
        author = not self._users.missing([user_id])
        member = chat is not None and user_id in chat.users
        return SenderStatus.of(chat=chat is not None, author=author, member=member)

    def list_for_user(
        self, user_id: str, *, after: ChatKey | None = None, limit: int | None = None
    ) -> list[Chat]:
        with self._store.lock:
            ids = set(self._store.chats_of_user.get(user_id, ()))
        ids.update(c.id for c in self._staged.chats.values() if user_id in c.users)
        chats = [chat for chat_id in ids if (chat := self.chat(chat_id)) is not None]
        chats.sort(key=chat_list_key, reverse=True)
        if after is not None:
            chats = [chat for chat in chats if chat_list_key(chat) < after]
        return chats[:limit]


class MemoryMessageRepository(MessageRepository):
    def __init__(self, store: MemoryStore, staged: Staged, chats: MemoryChatRepository) -> None:
        self._store = store
        self._staged = staged
        self._chats = chats

    def append(self, message: Message) -> Stored[Sent]:
        stored: Stored[Sent] = Stored()
        status = self._chats.sender_status(message.chat, message.author)
        refusal = sender_refusal(status, message.chat, message.author)
        key = send_key(message)
        with self._store.lock:
            original = None if key is None else self._store.keyed.get(key)
        if refusal is not None:
            stored.fail(refusal)
        elif original is not None:
            stored.settle(replay(original, message))
        else:  # a key first used earlier in this unit of work is found when it commits
            self._staged.messages.append((message, stored))
        return stored

    def _listed(self, chat_id: str) -> list[Message]:
        with self._store.lock:
            committed = list(self._store.messages.get(chat_id, ()))
        staged = self._staged.messages_of(chat_id)
        return sorted(committed + staged, key=message_list_key) if staged else committed

    def find(self, chat_id: str, message_id: str) -> Message | None:
        return _named(self._listed(chat_id), message_id)

    def list_for_chat(self, chat_id: str, window: Window | None = None) -> list[Message]:
        window = window or Window()
        listed = self._listed(chat_id)
        after, before = (
            None if cursor is None else _named(listed, cursor)
            for cursor in (window.after, window.before)
        )
        if (window.after is not None and after is None) or (
            window.before is not None and before is None
        ):
            return []  # a cursor that names no message of the chat bounds nothing
        start, end = 0, len(listed)
        if after is not None:
            start = bisect.bisect_right(listed, message_list_key(after), key=message_list_key)
        if before is not None:
            end = bisect.bisect_left(listed, message_list_key(before), key=message_list_key)
        if window.newest_first:
            low = start if window.limit is None else max(start, end - window.limit)
            return listed[low:end][::-1]
        return listed[start : end if window.limit is None else min(end, start + window.limit)]


def _named(listed: list[Message], message_id: str) -> Message | None:
    return next((m for m in listed if m.id == message_id), None)
