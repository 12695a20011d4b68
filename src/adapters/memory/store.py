"""The committed state, and the writes a unit of work has staged."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

import attrs

from chat_domain.events import Event
from chat_domain.model import Chat, Message, SendKey, Sent, User
from chat_domain.ports import Stored

if TYPE_CHECKING:
    from adapters.memory.unit_of_work import MemoryUnitOfWork


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
    keyed: dict[SendKey, Message] = attrs.field(factory=dict)  # by (chat, author, client_msg_id)
    # The live stream: every event in position order, each commit at the next place.
    log: list[Event] = attrs.field(factory=list)
    next_tx: int = 1

    def unit_of_work(self) -> MemoryUnitOfWork:
        from adapters.memory.unit_of_work import MemoryUnitOfWork  # it builds on this module

        return MemoryUnitOfWork(self)

    def chat(self, chat_id: str) -> Chat | None:
        with self.lock:
            return self.chats.get(chat_id)


class Staged:
    """Writes of one unit of work, not yet visible to anybody else."""

    def __init__(self) -> None:
        self.clear()

    def clear(self) -> None:
        self.users: dict[str, User] = {}
        self.user_keys: set[str] = set()
        self.chats: dict[str, Chat] = {}
        self.chat_keys: set[str] = set()
        self.messages: list[tuple[Message, Stored[Sent]]] = []

    def messages_of(self, chat_id: str) -> list[Message]:
        return [message for message, _ in self.messages if message.chat == chat_id]
