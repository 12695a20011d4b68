"""What the use cases need from the outside world, as abstract ports.

Adapters implement these: in memory for tests and embedding, over SQLAlchemy
for production. Every adapter must behave alike, including which domain
error it raises, so the contract suite and the state machine can compare them.
"""

from __future__ import annotations

import abc
import enum
from collections.abc import Callable, Sequence
from datetime import datetime
from types import TracebackType
from typing import Self

from chat_domain.model import Chat, Message, User


class Clock(abc.ABC):
    @abc.abstractmethod
    def now(self) -> datetime:
        """The current time, timezone-aware UTC, with microseconds."""


class IdGenerator(abc.ABC):
    @abc.abstractmethod
    def new_id(self) -> str:
        """A fresh, unguessable UUID version 7 in canonical lowercase form."""


class SenderStatus(enum.Enum):
    """Whether a user may post to a chat, decided in one look-up."""

    CHAT_MISSING = "chat_missing"
    AUTHOR_MISSING = "author_missing"
    NOT_MEMBER = "not_member"
    MEMBER = "member"


class UserRepository(abc.ABC):
    @abc.abstractmethod
    def add(self, user: User) -> None:
        """Store a new user; ``UsernameTaken`` if its name's key is in use."""

    @abc.abstractmethod
    def get(self, user_id: str) -> User | None: ...

    @abc.abstractmethod
    def missing(self, user_ids: Sequence[str]) -> list[str]:
        """The ids among ``user_ids`` that name no user, in the order given."""


class ChatRepository(abc.ABC):
    @abc.abstractmethod
    def add(self, chat: Chat) -> None:
        """Store a new chat and its members; ``ChatNameTaken`` if the name's key is in use."""

    @abc.abstractmethod
    def get(self, chat_id: str) -> Chat | None: ...

    @abc.abstractmethod
    def exists(self, chat_id: str) -> bool: ...

    @abc.abstractmethod
    def sender_status(self, chat_id: str, user_id: str) -> SenderStatus:
        """Chat existence, user existence and membership, answered together."""

    @abc.abstractmethod
    def list_for_user(self, user_id: str) -> list[Chat]:
        """The user's chats in the contract's order (see ``model.chat_list_key``)."""


class MessageRepository(abc.ABC):
    @abc.abstractmethod
    def add(self, message: Message) -> None:
        """Append a message and advance its chat's ``last_message_at``.

        Both happen in the same unit of work. ``last_message_at`` only ever
        moves forward: it becomes the later of its current value and the
        message's time, so concurrent sends cannot move it backwards.
        """

    @abc.abstractmethod
    def list_for_chat(
        self, chat_id: str, *, after: Message | None = None, limit: int | None = None
    ) -> list[Message]:
        """The chat's messages in the contract's order (see ``model.message_list_key``).

        Only those that come after ``after`` (a message of the chat) in that
        order, and at most ``limit`` of them: one page of a keyset walk.
        """


class UnitOfWork(abc.ABC):
    """One transaction. Leaving the ``with`` block rolls back anything not committed."""

    users: UserRepository
    chats: ChatRepository
    messages: MessageRepository

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.rollback()

    def send(self, message: Message) -> SenderStatus:
        """Store ``message`` and commit, if its author may post to its chat; store
        nothing otherwise. The author's status either way.

        One step, so that an adapter may check, write and commit at once: on
        PostgreSQL it is one statement, atomic and durable on its own.
        """
        status = self.chats.sender_status(message.chat, message.author)
        if status is SenderStatus.MEMBER:
            self.messages.add(message)
            self.commit()
        return status

    def add_user(self, user: User) -> None:
        """Store ``user`` and commit; ``UsernameTaken``, storing nothing, if its
        name is in use. One step, so that an adapter may write and commit at once."""
        self.users.add(user)
        self.commit()

    def create_chat(self, chat: Chat) -> list[str]:
        """Store ``chat`` and commit, if every member names a user; store nothing
        otherwise. The members that name nobody, in the order given.

        One step, so that an adapter may check, write and commit at once (on
        PostgreSQL it is one statement, atomic and durable on its own).
        """
        missing = self.users.missing(chat.users)
        if not missing:
            self.chats.add(chat)
            self.commit()
        return missing

    @abc.abstractmethod
    def commit(self) -> None:
        """Make every staged write durable at once, or raise and keep none."""

    @abc.abstractmethod
    def rollback(self) -> None:
        """Drop every write not yet committed. Safe to call more than once."""


UnitOfWorkFactory = Callable[[], UnitOfWork]
