"""The message port over SQLAlchemy Core: a send is one statement on PostgreSQL."""

from __future__ import annotations

from sqlalchemy import bindparam, func, insert, select, update

from adapters.orm import UtcDateTime, chats, messages
from adapters.sql_statements import Statements
from chat_domain.model import Message
from chat_domain.ports import MessageRepository

MESSAGE_LIST = (
    select(
        messages.c.id,
        messages.c.chat_id,
        messages.c.author_id,
        messages.c.text,
        messages.c.created_at,
    )
    .where(messages.c.chat_id == bindparam("chat_id"))
    .order_by(messages.c.created_at, messages.c.id)  # model.message_list_key
)
"""A chat's messages in the contract's order (``:chat_id``); the query-plan test explains it."""

_NEW_MESSAGE = insert(messages).values(
    id=bindparam("message_id"),
    chat_id=bindparam("message_chat"),
    author_id=bindparam("author_id"),
    text=bindparam("message_text"),
    created_at=bindparam("sent_at", type_=UtcDateTime),
)
# PostgreSQL: insert and advance last_message_at in one statement. GREATEST
# keeps the later time, and the row lock taken by UPDATE makes concurrent
# sends to one chat apply in turn, so the time never moves backwards.
_sent = _NEW_MESSAGE.returning(messages.c.chat_id, messages.c.created_at).cte("sent")
_SEND_POSTGRES = (
    update(chats)
    .where(chats.c.id == _sent.c.chat_id)
    .values(last_message_at=func.greatest(chats.c.last_message_at, _sent.c.created_at))
)
# SQLite: two statements (it has no writable CTEs) under its one write lock;
# its two-argument MAX is NULL if either side is, hence the COALESCE.
_sent_at = bindparam("sent_at", type_=UtcDateTime)
_ADVANCE_SQLITE = (
    update(chats)
    .where(chats.c.id == bindparam("message_chat"))
    .values(last_message_at=func.max(func.coalesce(chats.c.last_message_at, _sent_at), _sent_at))
)


class SqlMessageRepository(MessageRepository):
    def __init__(self, db: Statements) -> None:
        self._db = db

    def add(self, message: Message) -> None:
        params = {
            "message_id": message.id,
            "message_chat": message.chat,
            "author_id": message.author,
            "message_text": message.text,
            "sent_at": message.created_at,
        }
        if self._db.dialect_name == "postgresql":
            self._db.execute(_SEND_POSTGRES, params, write=True)
        else:
            self._db.execute(_NEW_MESSAGE, params, write=True)
            self._db.execute(_ADVANCE_SQLITE, params, write=True)

    def list_for_chat(self, chat_id: str) -> list[Message]:
        rows = self._db.execute(MESSAGE_LIST, {"chat_id": chat_id})
        return [
            Message(row.id, row.chat_id, row.author_id, row.text, row.created_at) for row in rows
        ]
