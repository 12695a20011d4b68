"""PostgreSQL's chat list: each chat with its members in one statement."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import cast

from sqlalchemy import Connection, func, select
from sqlalchemy.dialects.postgresql import aggregate_order_by

from adapters.sql.queries import CHAT_LIST
from adapters.sql.tables import chat_members, chats
from chat_domain.model import Chat

# An index probe per chat on (chat_id, position) rather than a second query.
_members = chat_members.alias("members")
CHAT_LIST_WITH_MEMBERS = CHAT_LIST.add_columns(
    select(func.array_agg(aggregate_order_by(_members.c.user_id, _members.c.position)))
    .where(_members.c.chat_id == chats.c.id)
    .scalar_subquery()
    .label("users")
)
"""``queries.CHAT_LIST`` with each chat's member ids, in order (``:user_id``)."""


def list_chats(connection: Connection, user_id: str) -> list[Chat]:
    listed = cast(
        "Iterable[tuple[str, str, datetime, datetime | None, list[str]]]",
        connection.execute(CHAT_LIST_WITH_MEMBERS, {"user_id": user_id}),
    )
    return [Chat(id, name, tuple(users), at, last) for id, name, at, last, users in listed]
