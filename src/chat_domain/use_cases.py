"""What the service writes, and its user look-ups: each one unit of work.

Use cases accept any Python value for each argument (a JSON value from the
HTTP layer, or anything a direct caller passes) and either return a result or
raise a ``ChatError``; validation lives in ``rules``, refusals that need the
stored data come from the repositories (see ``ports``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import attrs

from chat_domain import rules, sends
from chat_domain.batches import deliver_each
from chat_domain.errors import UserNotFound, members_not_found
from chat_domain.model import UNSET, Chat, Message, Sent, User
from chat_domain.pages import PAGE_MAX
from chat_domain.ports import Clock, IdGenerator, UnitOfWork, UnitOfWorkFactory
from chat_domain.sends import Outcome


def _add_user(unit: UnitOfWork, user: User) -> Callable[[], User]:
    unit.users.add(user)
    return lambda: user


def _add_chat(unit: UnitOfWork, chat: Chat) -> Callable[[], Chat]:
    unit.chats.add(chat)
    return lambda: chat


@attrs.frozen
class AddUser:
    uow: UnitOfWorkFactory
    ids: IdGenerator
    clock: Clock

    def __call__(self, username: object) -> User:
        [outcome] = self.deliver([self.prepare(username)])
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    def prepare(self, username: object) -> User:
        """The user to deliver, the name checked, with a new id and the time."""
        clean_name = rules.clean_username(username)
        return User(id=self.ids.new_id(), username=clean_name, created_at=self.clock.now())

    def deliver(self, users: Sequence[User]) -> list[User | Exception]:
        """Prepared users stored together, each with its own outcome: a name taken
        before, or earlier in the same batch, is that user's ``UsernameTaken``."""
        return deliver_each(self.uow, users, _add_user)


@attrs.frozen
class CreateChat:
    uow: UnitOfWorkFactory
    ids: IdGenerator
    clock: Clock

    def __call__(self, name: object, users: object) -> Chat:
        [outcome] = self.deliver([self.prepare(name, users)])
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    def prepare(self, name: object, users: object) -> Chat:
        """The chat to deliver, its name and members checked, with a new id and the time."""
        clean_name = rules.clean_chat_name(name)
        members = rules.clean_members(users)
        return Chat(
            id=self.ids.new_id(), name=clean_name, users=members, created_at=self.clock.now()
        )

    def deliver(self, chats: Sequence[Chat]) -> list[Chat | Exception]:
        """Prepared chats stored together, each with its own outcome (a taken name,
        unknown members)."""
        return deliver_each(self.uow, chats, _add_chat)


@attrs.frozen
class SendMessage:
    """A message to a chat from one of its members; with a ``client_msg_id``, safe to retry."""

    uow: UnitOfWorkFactory
    ids: IdGenerator
    clock: Clock

    def __call__(
        self, chat: object, author: object, text: object, client_msg_id: object = UNSET
    ) -> Message:
        """The message stored (the original one, for a retry of an earlier send)."""
        return self.sent(chat, author, text, client_msg_id).message

    def sent(
        self, chat: object, author: object, text: object, client_msg_id: object = UNSET
    ) -> Sent:
        """The message stored, and whether this send was a replay of an earlier one."""
        [outcome] = self.deliver([self.prepare(chat, author, text, client_msg_id)])
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    def prepare(
        self, chat: object, author: object, text: object, client_msg_id: object = UNSET
    ) -> Message:
        """The message to deliver, its fields checked, with a new id and the time."""
        chat_id = rules.parse_id(chat, "chat")
        author_id = rules.parse_id(author, "author")
        clean_text = rules.clean_text(text)
        key = None if client_msg_id is UNSET else rules.clean_client_msg_id(client_msg_id)
        return Message(
            id=self.ids.new_id(),
            chat=chat_id,
            author=author_id,
            text=clean_text,
            created_at=self.clock.now(),
            client_msg_id=key,
        )

    def deliver(self, messages: Sequence[Message]) -> list[Outcome]:
        """Prepared messages stored together, each with its own outcome (``sends.deliver``)."""
        return sends.deliver(self.uow, messages)


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
