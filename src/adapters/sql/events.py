"""The live stream's reads over SQL: events after a position, under a horizon.

Both lists walk the ``(stream_tx, created_at, id)`` index of their table from
the position on. Messages and new chats are read apart, at most ``limit`` of
each, and merged by position; a user's are those of their memberships.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Select, and_, bindparam, select, tuple_

from adapters.sql import queries
from adapters.sql.tables import chat_members, chats, messages
from chat_domain.events import Event, Position, chat_event, message_event
from chat_domain.model import Chat
from chat_domain.ports import EventLog

if TYPE_CHECKING:
    from adapters.sql.repositories import Session


def _after(table: Any) -> Any:
    place = tuple_(table.c.stream_tx, table.c.created_at, table.c.id)
    after = tuple_(bindparam("after_tx"), bindparam("after_at"), bindparam("after_id"))
    return and_(place > after, table.c.stream_tx < bindparam("below"))


def _walk(statement: Select[Any], table: Any, *, of_user: bool) -> Select[Any]:
    if of_user:
        statement = statement.join(
            chat_members,
            and_(
                chat_members.c.chat_id == table.c.chat_id
                if table is messages
                else chat_members.c.chat_id == table.c.id,
                chat_members.c.user_id == bindparam("user_id"),
            ),
        )
    order = (table.c.stream_tx, table.c.created_at, table.c.id)
    return statement.where(_after(table)).order_by(*order).limit(bindparam("limit"))


_MESSAGES = {
    of_user: _walk(
        select(*queries.MESSAGE_LIST.selected_columns, messages.c.stream_tx),
        messages,
        of_user=of_user,
    )
    for of_user in (False, True)
}
_CHATS = {
    of_user: _walk(select(*queries.CHAT_COLUMNS, chats.c.stream_tx), chats, of_user=of_user)
    for of_user in (False, True)
}


def read_events(
    connection: Connection, after: Position, below: int, user: str | None, limit: int
) -> list[Event]:
    params = {
        "after_tx": after.tx,
        "after_at": after.at,
        "after_id": after.id,
        "below": below,
        "limit": limit,
        "user_id": user,
    }
    of_user = user is not None
    rows = connection.execute(_MESSAGES[of_user], params).all()
    messages = queries.messages_of(row[:-1] for row in rows)
    found = [message_event(row.stream_tx, m) for row, m in zip(rows, messages, strict=True)]
    chat_rows = connection.execute(_CHATS[of_user], params).all()
    members = queries.chat_members_of(connection, [row.id for row in chat_rows])
    found += [
        chat_event(tx, Chat(id, name, members[id], at, last))
        for id, name, at, last, tx in chat_rows
    ]
    found.sort(key=lambda event: event.position)
    return found[:limit]


class SqlEventLog(EventLog):
    def __init__(self, session: Session) -> None:
        self._session = session

    def horizon(self) -> int:
        with self._session.reading() as connection:
            return self._session.dialect.stream_horizon(connection)

    def read(
        self, after: Position, below: int, *, user: str | None = None, limit: int
    ) -> list[Event]:
        with self._session.reading() as connection:
            return read_events(connection, after, below, user, limit)

    def members(self, chat_ids: Sequence[str]) -> dict[str, tuple[str, ...]]:
        with self._session.reading() as connection:
            return queries.chat_members_of(connection, chat_ids)
