"""What the service writes, and its user look-ups: each one unit of work.

Use cases accept any Python value for each argument (a JSON value from the
HTTP layer, or anything a direct caller passes) and either return a result or
raise a ``ChatError``; validation lives in ``rules``, refusals that need the
stored data come from the repositories (see ``ports``).
"""

from __future__ import annotations

import attrs

from chat_domain import rules
from chat_domain.errors import UserNotFound, members_not_found
from chat_domain.model import Chat, Message, User
from chat_domain.pages import PAGE_MAX
from chat_domain.ports import Clock, IdGenerator, UnitOfWorkFactory


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
            stored = uow.messages.append(message)
            uow.commit()
        return stored.value


@attrs.frozen
class LookUpUsers:
    """Users by id, by name (in any letter case), or many ids at once, in the order asked."""

    uow: UnitOfWorkFactory

    def by_id(self, user: object) -> User:
        user_id = rules.parse_id(user, "user")
        with self.uow() as uow:
            found = uow.users.get([user_id])
        if not found:
            raise UserNotFound([user_id], field="user")
        return found[0]

    def by_name(self, username: object) -> User:
        name = rules.clean_username(username)
        with self.uow() as uow:
            user = uow.users.named(name)
        if user is None:
            raise UserNotFound([], field="username", detail=f"no user named {name!r}")
        return user

    def by_ids(self, users: object) -> list[User]:
        user_ids = rules.clean_members(users, most=PAGE_MAX)
        with self.uow() as uow:
            found = {user.id: user for user in uow.users.get(user_ids)}
        missing = [user_id for user_id in user_ids if user_id not in found]
        if missing:
            raise members_not_found(user_ids, missing)
        return [found[user_id] for user_id in user_ids]
