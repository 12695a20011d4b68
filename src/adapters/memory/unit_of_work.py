"""The in-memory unit of work: staged writes, applied together under the store's lock."""

from __future__ import annotations

import bisect

import attrs

from adapters.memory.events import MemoryEventLog
from adapters.memory.repositories import (
    MemoryChatRepository,
    MemoryMessageRepository,
    MemoryUserRepository,
)
from adapters.memory.store import MemoryStore, Staged
from adapters.memory.views import MemoryListViews
from chat_domain import rules
from chat_domain.errors import ChatNameTaken, UsernameTaken
from chat_domain.events import chat_event, message_event
from chat_domain.model import Sent, message_list_key, send_key, visible_at
from chat_domain.ports import UnitOfWork
from chat_domain.sends import replay


class MemoryUnitOfWork(UnitOfWork):
    def __init__(self, store: MemoryStore) -> None:
        self._store = store
        self._staged = Staged()
        self.users = MemoryUserRepository(store, self._staged)
        self.chats = MemoryChatRepository(store, self._staged, self.users)
        self.messages = MemoryMessageRepository(store, self._staged, self.chats)
        self.events = MemoryEventLog(store)
        self.views = MemoryListViews(self.chats, self.messages)

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
            tx, events = store.next_tx, []
            for user in staged.users.values():
                store.users[user.id] = user
                store.user_by_key[rules.name_key(user.username)] = user.id
            for chat in staged.chats.values():
                store.chats[chat.id] = chat
                store.chat_by_key[rules.name_key(chat.name)] = chat.id
                for member in chat.users:
                    store.chats_of_user.setdefault(member, set()).add(chat.id)
                events.append(chat_event(tx, chat))
            for message, stored in staged.messages:
                # Under the lock: the chat's turn among its sends. The key is
                # checked again here, as the unique index does in SQL.
                key = send_key(message)
                original = None if key is None else store.keyed.get(key)
                if original is not None:
                    stored.settle(replay(original, message))
                    continue
                chat = store.chats[message.chat]
                sent = attrs.evolve(
                    message, created_at=visible_at(message.created_at, chat.last_message_at)
                )
                bisect.insort(store.messages.setdefault(sent.chat, []), sent, key=message_list_key)
                store.chats[sent.chat] = attrs.evolve(chat, last_message_at=sent.created_at)
                if key is not None:
                    store.keyed[key] = sent
                events.append(message_event(tx, sent))
                stored.set(Sent(sent))
            if events:
                store.log.extend(sorted(events, key=lambda event: event.position))
                store.next_tx += 1
        self._staged.clear()

    def rollback(self) -> None:
        self._staged.clear()
