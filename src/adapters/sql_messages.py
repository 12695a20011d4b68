"""The message port over SQLAlchemy Core: a send is one statement on PostgreSQL.

That statement also answers whether the author may post, so a send checks
membership, chat and author, stores the message and advances the chat's
``last_message_at`` in one round trip (``SqlMessageRepository.send``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Select, bindparam, exists, func, insert, select, tuple_, update

from adapters.orm import UtcDateTime, chat_members, chats, messages, users
from adapters.sql_driver import DriverStatement
from adapters.sql_statements import Statements
from chat_domain.model import Message
from chat_domain.ports import MessageRepository, SenderStatus

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

# One page of it: the same index range, started after a message (keyset) and cut short.
_AFTER = tuple_(messages.c.created_at, messages.c.id) > tuple_(
    bindparam("after_at", type_=UtcDateTime), bindparam("after_id", type_=messages.c.id.type)
)
MESSAGE_PAGE = MESSAGE_LIST.where(_AFTER).limit(bindparam("limit"))
"""The page after a message (``:after_at``, ``:after_id``, ``:limit``); see the query-plan test."""
_PAGES: dict[tuple[bool, bool], Select[Any]] = {
    (False, False): MESSAGE_LIST,
    (True, False): MESSAGE_LIST.where(_AFTER),
    (False, True): MESSAGE_LIST.limit(bindparam("limit")),
    (True, True): MESSAGE_PAGE,
}

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
# PostgreSQL: the sender's status, and the send above only when the author is
# a member (membership implies chat and author exist: foreign keys). Members
# are never removed, so the answer cannot go stale before the insert.
_status = select(
    exists()
    .where(
        chat_members.c.chat_id == bindparam("message_chat"),
        chat_members.c.user_id == bindparam("author_id"),
    )
    .label("member"),
    exists().where(chats.c.id == bindparam("message_chat")).label("chat"),
    exists().where(users.c.id == bindparam("author_id")).label("author"),
).cte("status")
_sent_by_member = (
    insert(messages)
    .from_select(
        ["id", "chat_id", "author_id", "text", "created_at"],
        select(
            bindparam("message_id", type_=messages.c.id.type),
            bindparam("message_chat", type_=messages.c.chat_id.type),
            bindparam("author_id", type_=messages.c.author_id.type),
            bindparam("message_text", type_=messages.c.text.type),
            bindparam("sent_at", type_=UtcDateTime),
        ).where(_status.c.member),
    )
    .returning(messages.c.chat_id, messages.c.created_at)
    .cte("sent")
)
_advanced = (
    update(chats)
    .where(chats.c.id == _sent_by_member.c.chat_id)
    .values(last_message_at=func.greatest(chats.c.last_message_at, _sent_by_member.c.created_at))
    .returning(chats.c.id)
    .cte("advanced")
)
_SEND_IF_MEMBER_POSTGRES = DriverStatement(
    "chat_send",
    select(_status.c.member, _status.c.chat, _status.c.author).add_cte(_sent_by_member, _advanced),
)
# SQLite: two statements (it has no writable CTEs) under its one write lock;
# its two-argument MAX is NULL if either side is, hence the COALESCE.
_sent_at = bindparam("sent_at", type_=UtcDateTime)
_ADVANCE_SQLITE = (
    update(chats)
    .where(chats.c.id == bindparam("message_chat"))
    .values(last_message_at=func.max(func.coalesce(chats.c.last_message_at, _sent_at), _sent_at))
)


_MessageRow = tuple[str, str, str, str, datetime]


def _params(message: Message) -> dict[str, object]:
    return {
        "message_id": message.id,
        "message_chat": message.chat,
        "author_id": message.author,
        "message_text": message.text,
        "sent_at": message.created_at,
    }


class SqlMessageRepository(MessageRepository):
    def __init__(self, db: Statements) -> None:
        self._db = db

    def add(self, message: Message) -> None:
        params = _params(message)
        if self._db.dialect_name == "postgresql":
            self._db.execute(_SEND_POSTGRES, params, write=True)
        else:
            self._db.execute(_NEW_MESSAGE, params, write=True)
            self._db.execute(_ADVANCE_SQLITE, params, write=True)

    def send(self, message: Message, *, in_transaction: bool) -> SenderStatus:
        """PostgreSQL only: ``UnitOfWork.send`` in one statement, outside any
        transaction unless one is open (``write=False`` begins none)."""
        params = _params(message)
        [(member, chat, author)] = self._db.execute_driver(
            _SEND_IF_MEMBER_POSTGRES, params, write=in_transaction
        )
        if member:
            return SenderStatus.MEMBER
        if not chat:
            return SenderStatus.CHAT_MISSING
        return SenderStatus.NOT_MEMBER if author else SenderStatus.AUTHOR_MISSING

    def list_for_chat(
        self, chat_id: str, *, after: Message | None = None, limit: int | None = None
    ) -> list[Message]:
        params: dict[str, object] = {"chat_id": chat_id, "limit": limit}
        if after is not None:
            params.update(after_at=after.created_at, after_id=after.id)
        statement = _PAGES[after is not None, limit is not None]
        # Unpacked by position (the statement's column order is the entity's):
        # a thousand rows' attribute look-ups were a tenth of /messages/get.
        rows = cast(
            "Iterable[tuple[str, str, str, str, datetime]]", self._db.execute(statement, params)
        )
        return [Message(*row) for row in rows]
