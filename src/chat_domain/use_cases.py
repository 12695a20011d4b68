"""The five things the service does, each one transaction through a unit of work.

Use cases accept any Python value for each argument (a JSON value from the
HTTP layer, or anything a direct caller passes) and either return a result or
raise a ``ChatError``; validation lives in ``rules``, refusals that need the
stored data come from the repositories (see ``ports``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Generic, TypeVar

import attrs

from chat_domain import rules
from chat_domain.errors import ChatNotFound, UserNotFound
from chat_domain.model import Chat, Message, User
from chat_domain.ports import Clock, IdGenerator, UnitOfWork, UnitOfWorkFactory

T = TypeVar("T")


@attrs.frozen
class AddUser:
    uow: UnitOfWorkFactory
    ids: IdGenerator
    clock: Clock

    def __call__(self, username: object) -> User:
        clean_name = rules.clean_username(username)
        user = User(id=self.ids.new_id(), username=clean_name, created_at=self.clock.now())
        with self.uow() as uow:
            uow.users.add(user)
            uow.commit()
        return user


@attrs.frozen
class CreateChat:
    uow: UnitOfWorkFactory
    ids: IdGenerator
    clock: Clock

    def __call__(self, name: object, users: object) -> Chat:
        clean_name = rules.clean_chat_name(name)
        members = rules.clean_members(users)
        chat = Chat(
            id=self.ids.new_id(), name=clean_name, users=members, created_at=self.clock.now()
        )
        with self.uow() as uow:
            uow.chats.add(chat)
            uow.commit()
        return chat


@attrs.frozen
class SendMessage:
    uow: UnitOfWorkFactory
    ids: IdGenerator
    clock: Clock

    def __call__(self, chat: object, author: object, text: object) -> Message:
        chat_id = rules.parse_id(chat, "chat")
        author_id = rules.parse_id(author, "author")
        clean_text = rules.clean_text(text)
        message = Message(
            id=self.ids.new_id(),
            chat=chat_id,
            author=author_id,
            text=clean_text,
            created_at=self.clock.now(),
        )
        with self.uow() as uow:
            uow.messages.append(message)
            uow.commit()
        return message


@attrs.frozen
class ListChats:
    uow: UnitOfWorkFactory

    def __call__(self, user: object) -> list[Chat]:
        user_id = rules.parse_id(user, "user")
        with self.uow() as uow:
            chats = uow.chats.list_for_user(user_id)
            # A user with chats exists; only an empty list needs the look-up.
            if not chats and uow.users.missing([user_id]):
                raise UserNotFound([user_id], field="user")
            return chats


@attrs.frozen
class Pages(Generic[T]):
    """A list read a page at a time: the first page, and the rest when there is more.

    ``rest`` is ``None`` when the first page is the whole list, so a caller
    can tell a short list from a long one without reading ahead itself.
    """

    first: Sequence[T]
    rest: Iterator[Sequence[T]] | None = None

    def __iter__(self) -> Iterator[Sequence[T]]:
        yield self.first
        if self.rest is not None:
            yield from self.rest


@attrs.frozen
class ListMessages:
    """A chat's messages: whole (``__call__``) or a page at a time (``pages``)."""

    uow: UnitOfWorkFactory
    page_size: int = 2000

    def __call__(self, chat: object) -> list[Message]:
        return [message for page in self.pages(chat) for message in page]

    def pages(self, chat: object) -> Pages[Message]:
        """The chat's messages in the contract's order, in pages of ``page_size``.

        The first page is read, and an unknown chat refused, before this
        returns. Each later page is read when asked for, in a unit of work of
        its own, after the last message of the page before: a long chat is
        never held whole, and no transaction stays open while a client reads.
        """
        chat_id = rules.parse_id(chat, "chat")
        with self.uow() as uow:
            first, more = self._page(uow, chat_id, after=None)
            # A chat with messages exists; only an empty list needs the look-up.
            if not first and not uow.chats.exists(chat_id):
                raise ChatNotFound(chat_id)
        return Pages(first, self._pages_after(chat_id, first[-1]) if more else None)

    def _page(
        self, uow: UnitOfWork, chat_id: str, after: Message | None
    ) -> tuple[list[Message], bool]:
        # The walk's one look-ahead: a row past the page says whether another follows.
        rows = uow.messages.list_for_chat(chat_id, after=after, limit=self.page_size + 1)
        return rows[: self.page_size], len(rows) > self.page_size

    def _pages_after(self, chat_id: str, last: Message) -> Iterator[list[Message]]:
        more = True
        while more:
            with self.uow() as uow:
                page, more = self._page(uow, chat_id, after=last)
            if not page:
                return
            yield page
            last = page[-1]
