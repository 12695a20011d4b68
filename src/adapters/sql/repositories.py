"""The repository ports over SQL: writes are staged on the unit of work, reads run at once."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Protocol

from sqlalchemy import Connection

from adapters.sql import queries
from adapters.sql.sends import Send
from adapters.sql.writes import Write
from chat_domain.model import Chat, ChatKey, Message, Sent, User
from chat_domain.pages import Window
from chat_domain.ports import ChatRepository, MessageRepository, Stored, UserRepository

if TYPE_CHECKING:
    from adapters.sql.dialect import Dialect


class Session(Protocol):
    """What the repositories need of the unit of work they belong to."""

    dialect: Dialect

    def stage(self, write: Write | Send) -> None: ...

    def reading(self) -> AbstractContextManager[Connection]: ...


class SqlUserRepository(UserRepository):
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, user: User) -> None:
        self._session.stage(user)

    def missing(self, user_ids: Sequence[str]) -> list[str]:
        with self._session.reading() as connection:
            return queries.missing_users(connection, user_ids)

    def get(self, user_ids: Sequence[str]) -> list[User]:
        with self._session.reading() as connection:
            return queries.get_users(connection, user_ids)

    def named(self, username: str) -> User | None:
        with self._session.reading() as connection:
            return queries.named_user(connection, username)


class SqlChatRepository(ChatRepository):
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, chat: Chat) -> None:
        self._session.stage(chat)

    def exists(self, chat_id: str) -> bool:
        with self._session.reading() as connection:
            return queries.chat_exists(connection, chat_id)

    def list_for_user(
        self, user_id: str, *, after: ChatKey | None = None, limit: int | None = None
    ) -> list[Chat]:
        with self._session.reading() as connection:
            return self._session.dialect.list_chats(connection, user_id, after, limit)


class SqlMessageRepository(MessageRepository):
    def __init__(self, session: Session) -> None:
        self._session = session

    def append(self, message: Message) -> Stored[Sent]:
        send = Send(message)
        self._session.stage(send)
        return send.stored

    def find(self, chat_id: str, message_id: str) -> Message | None:
        with self._session.reading() as connection:
            return queries.find_message(connection, chat_id, message_id)

    def list_for_chat(self, chat_id: str, window: Window | None = None) -> list[Message]:
        with self._session.reading() as connection:
            return queries.list_messages(connection, chat_id, window or Window())
