"""The five things the service does, each one transaction through a unit of work.

Use cases accept any Python value for each argument (a JSON value from the
HTTP layer, or anything a direct caller passes) and either return a result or
raise a ``ChatError``; validation lives in ``rules``.
"""

from __future__ import annotations

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
        with self.uow() as uow:
            missing = uow.users.missing(members)
            if missing:
                first = members.index(missing[0])
                field = f"users[{first}]" if len(missing) == 1 else "users"
                raise UserNotFound(missing, field=field)
            chat = Chat(
                id=self.ids.new_id(), name=clean_name, users=members, created_at=self.clock.now()
            )
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
        with self.uow() as uow:
            status = uow.chats.sender_status(chat_id, author_id)
            if status is SenderStatus.CHAT_MISSING:
                raise ChatNotFound(chat_id)
            if status is SenderStatus.AUTHOR_MISSING:
                raise UserNotFound([author_id], field="author")
            if status is SenderStatus.NOT_MEMBER:
                raise NotAMember(author_id, chat_id)
            message = Message(
                id=self.ids.new_id(),
                chat=chat_id,
                author=author_id,
                text=clean_text,
                created_at=self.clock.now(),
            )
            uow.messages.add(message)
            uow.commit()
        return message


@attrs.frozen
class ListChats:
    uow: UnitOfWorkFactory

    def __call__(self, user: object) -> list[Chat]:
        user_id = rules.parse_id(user, "user")
        with self.uow() as uow:
            if uow.users.missing([user_id]):
                raise UserNotFound([user_id], field="user")
            return uow.chats.list_for_user(user_id)


@attrs.frozen
class ListMessages:
    uow: UnitOfWorkFactory

    def __call__(self, chat: object) -> list[Message]:
        chat_id = rules.parse_id(chat, "chat")
        with self.uow() as uow:
            if not uow.chats.exists(chat_id):
                raise ChatNotFound(chat_id)
            return uow.messages.list_for_chat(chat_id)
