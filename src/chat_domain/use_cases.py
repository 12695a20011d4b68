"""The five things the service does, each one transaction through a unit of work.

Use cases accept any Python value for each argument (a JSON value from the
HTTP layer, or anything a direct caller passes) and either return a result or
raise a ``ChatError``; validation lives in ``rules``.
"""

from __future__ import annotations

from collections.abc import Iterator

import attrs

from chat_domain import rules
from chat_domain.errors import ChatNotFound, NotAMember, UserNotFound
from chat_domain.model import Chat, Message, User
from chat_domain.ports import Clock, IdGenerator, SenderStatus, UnitOfWorkFactory


@attrs.frozen
class AddUser:
    uow: UnitOfWorkFactory
    ids: IdGenerator
    clock: Clock

    def __call__(self, username: object) -> User:
        clean_name = rules.clean_username(username)
        user = User(id=self.ids.new_id(), username=clean_name, created_at=self.clock.now())
        with self.uow() as uow:
            uow.add_user(user)
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
            missing = uow.create_chat(chat)  # commits when every member exists
        if missing:
            first = members.index(missing[0])
            field = f"users[{first}]" if len(missing) == 1 else "users"
            raise UserNotFound(missing, field=field)
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
            status = uow.send(message)  # commits when the author may post
        if status is SenderStatus.CHAT_MISSING:
            raise ChatNotFound(chat_id)
        if status is SenderStatus.AUTHOR_MISSING:
            raise UserNotFound([author_id], field="author")
        if status is SenderStatus.NOT_MEMBER:
            raise NotAMember(author_id, chat_id)
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
class ListMessages:
    """A chat's messages: whole (``__call__``) or a page at a time (``pages``)."""

    uow: UnitOfWorkFactory
    page_size: int = 2000

    def __call__(self, chat: object) -> list[Message]:
        return [message for page in self.pages(chat) for message in page]

    def pages(self, chat: object) -> Iterator[list[Message]]:
        """The chat's messages in the contract's order, in pages of ``page_size``.

        The first page is read, and an unknown chat refused, before this
        returns. Each later page is read when asked for, in a unit of work of
        its own, after the last message of the page before: a long chat is
        never held whole, and no transaction stays open while a client reads.
        """
        chat_id = rules.parse_id(chat, "chat")
        with self.uow() as uow:
            first = uow.messages.list_for_chat(chat_id, limit=self.page_size + 1)
            # A chat with messages exists; only an empty list needs the look-up.
            if not first and not uow.chats.exists(chat_id):
                raise ChatNotFound(chat_id)
        return self._pages_from(chat_id, first)

    def _pages_from(self, chat_id: str, page: list[Message]) -> Iterator[list[Message]]:
        # Each read asks for one message more than a page, to know if another follows.
        while len(page) > self.page_size:
            yield page[: self.page_size]
            with self.uow() as uow:
                page = uow.messages.list_for_chat(
                    chat_id, after=page[self.page_size - 1], limit=self.page_size + 1
                )
        yield page
