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
from typing import Generic, Self, TypeVar

from chat_domain.events import Event, Position
from chat_domain.model import Chat, ChatKey, Message, Sent, User
from chat_domain.pages import Window
from chat_domain.views import ListViews

T = TypeVar("T")


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


class Stored(Generic[T]):
    """What a staged write stored, or why it was refused, known once it is applied
    (at the latest by ``commit``)."""

    __slots__ = ("_error", "_value")

    def __init__(self) -> None:
        self._value: T | None = None
        self._error: Exception | None = None

    def set(self, value: T) -> None:
        self._value = value

    def fail(self, error: Exception) -> None:
        self._error = error

    def settle(self, outcome: T | Exception) -> None:
        """``set`` the value, or ``fail`` with the error."""
        if isinstance(outcome, Exception):
            self.fail(outcome)
        else:
            self.set(outcome)

    @property
    def outcome(self) -> T | Exception:
        """The value stored, or the refusal."""
        if self._error is not None:
            return self._error
        if self._value is None:
            raise LookupError("the write has not been applied yet: commit first")
        return self._value

    @property
    def value(self) -> T:
        """The value stored; raises the refusal."""
        outcome = self.outcome
        if isinstance(outcome, Exception):
            raise outcome
        return outcome


class UserRepository(abc.ABC):
    @abc.abstractmethod
    def add(self, user: User) -> None:
        """Stage a new user; ``UsernameTaken`` if its name's key is in use."""

    @abc.abstractmethod
    def missing(self, user_ids: Sequence[str]) -> list[str]:
        """The ids among ``user_ids`` that name no user, in the order given."""

    @abc.abstractmethod
    def get(self, user_ids: Sequence[str]) -> list[User]:
        """The users among ``user_ids`` that exist, in any order."""

    @abc.abstractmethod
    def named(self, username: str) -> User | None:
        """The user whose name has the same key (``rules.name_key``) as ``username``."""


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
    def list_for_user(
        self, user_id: str, *, after: ChatKey | None = None, limit: int | None = None
    ) -> list[Chat]:
        """The user's chats in the contract's order (see ``model.chat_list_key``).

        Only those that come after the place ``after`` in that order, and at
        most ``limit`` of them: one page of a keyset walk.
        """


class MessageRepository(abc.ABC):
    @abc.abstractmethod
    def append(self, message: Message) -> Stored[Sent]:
        """Stage a send; what it stored, or its refusal, is its own.

        A send is refused unless its author is a member of its chat
        (``errors.sender_refusal`` says with what). One whose
        ``client_msg_id`` this author has used in this chat before (or earlier
        in the same unit of work) stores nothing: with the same text it
        answers the original message as a replay, with another text it is
        refused with ``ClientMsgIdReused``. A refused send is reported in its
        ``Stored`` and never fails the unit of work's other writes.

        When it is applied, in the chat's turn among its sends, its time
        becomes ``model.visible_at`` of the time it carries and the chat's
        ``last_message_at`` (its newest message's time), which then moves to it.
        """

    @abc.abstractmethod
    def find(self, chat_id: str, message_id: str) -> Message | None:
        """The message ``message_id`` if it belongs to ``chat_id``."""

    @abc.abstractmethod
    def list_for_chat(self, chat_id: str, window: Window | None = None) -> list[Message]:
        """The chat's messages in ``window`` (all of them without one), in its walk's order.

        A cursor of the window that names no message of the chat bounds nothing:
        the answer is empty.

        The contract's order (``model.message_list_key``), oldest first; newest
        first when the window walks toward older messages
        (``Window.newest_first``). At most ``limit`` of them: one index range.
        """


class EventLog(abc.ABC):
    """The live stream's view of what was written: a read-only port of its own."""

    @abc.abstractmethod
    def horizon(self) -> int:
        """A transaction place under which every write has ended: events there are
        final, and no event under it can still appear."""

    @abc.abstractmethod
    def read(
        self, after: Position, below: int, *, user: str | None = None, limit: int
    ) -> list[Event]:
        """Events after ``after`` whose place is under ``below``, in position order,
        at most ``limit``: those of ``user`` (the messages of their chats and the
        chats made with them), or every one."""

    @abc.abstractmethod
    def members(self, chat_ids: Sequence[str]) -> dict[str, tuple[str, ...]]:
        """The members of each chat of ``chat_ids`` that exists."""


class UnitOfWork(abc.ABC):
    """One transaction. Leaving the ``with`` block rolls back anything not committed."""

    users: UserRepository
    chats: ChatRepository
    messages: MessageRepository
    events: EventLog
    views: ListViews

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


class Wakeups(abc.ABC):
    """How the server processes sharing one database tell each other they wrote."""

    @abc.abstractmethod
    async def run(self, wake: Callable[[], None]) -> None:
        """Call ``wake`` whenever another process may have written; until cancelled.
        After losing touch with the others for a while, it calls ``wake`` again."""

    def announce(self) -> None:
        """This process wrote: wake the others (as soon as it can, at most once for
        any number of calls in between)."""
        return
