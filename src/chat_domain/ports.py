"""What the use cases need from the outside world, as abstract ports.

Adapters implement these: in memory for tests and embedding, over SQL for
production. Every adapter must behave alike, including which domain error
it raises, so the contract suite and the state machine can compare them.
"""

from __future__ import annotations

import abc
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


# Writes are staged: the unit of work that stages one reads it back at once,
# others see it only once it is committed. A write that must be refused is
# refused at the latest by ``commit``, and then nothing of the unit of work
# is kept. Each one is atomic with its checks: no other writer can slip
# between the check and the write.


class UserRepository(abc.ABC):
    @abc.abstractmethod
    def add(self, user: User) -> None:
        """Stage a new user; ``UsernameTaken`` if its name's key is in use."""

    @abc.abstractmethod
    def missing(self, user_ids: Sequence[str]) -> list[str]:
        """The ids among ``user_ids`` that name no user, in the order given."""


class ChatRepository(abc.ABC):
    @abc.abstractmethod
    def add(self, chat: Chat) -> None:
        """Stage a new chat with its members, in their order.

        Refused with ``UserNotFound`` (see ``errors.members_not_found``) when
        members name nobody, else with ``ChatNameTaken`` if the name's key is
        in use.
        """

    @abc.abstractmethod
    def exists(self, chat_id: str) -> bool: ...

    @abc.abstractmethod
    def list_for_user(self, user_id: str) -> list[Chat]:
        """The user's chats in the contract's order (see ``model.chat_list_key``)."""


class MessageRepository(abc.ABC):
    @abc.abstractmethod
    def append(self, message: Message) -> None:
        """Stage a message, refused unless its author is a member of its chat
        (``errors.sender_refusal`` says with what).

        Its chat's ``last_message_at`` moves with it, and only ever forward:
        it becomes the later of its current value and the message's time, so
        concurrent sends cannot move it backwards.
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

    @abc.abstractmethod
    def commit(self) -> None:
        """Make every staged write durable at once, or raise and keep none."""

    @abc.abstractmethod
    def rollback(self) -> None:
        """Drop every write not yet committed. Safe to call more than once."""


UnitOfWorkFactory = Callable[[], UnitOfWork]
