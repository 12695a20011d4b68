"""The live stream's view of the in-memory store: its log, in position order."""

from __future__ import annotations

import bisect
from collections.abc import Sequence

import attrs

from adapters.memory.store import MemoryStore
from chat_domain.events import Event, Position
from chat_domain.ports import EventLog


class MemoryEventLog(EventLog):
    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    def horizon(self) -> int:
        # Commits take the store's lock whole: every one before this has ended.
        with self._store.lock:
            return self._store.next_tx

    def read(
        self, after: Position, below: int, *, user: str | None = None, limit: int
    ) -> list[Event]:
        store = self._store
        found: list[Event] = []
        with store.lock:
            chats = None if user is None else store.chats_of_user.get(user, set())
            start = bisect.bisect_right(store.log, after, key=lambda event: event.position)
            for event in store.log[start:]:
                if event.position.tx >= below or len(found) == limit:
                    break
                if chats is not None and event.chat_id not in chats:
                    continue
                # A chat as it is now, as SQL reads it.
                chat = None if event.chat is None else store.chats[event.chat.id]
                found.append(event if chat is None else attrs.evolve(event, chat=chat))
        return found

    def members(self, chat_ids: Sequence[str]) -> dict[str, tuple[str, ...]]:
        with self._store.lock:
            known = (self._store.chats.get(chat_id) for chat_id in chat_ids)
            return {chat.id: chat.users for chat in known if chat is not None}
