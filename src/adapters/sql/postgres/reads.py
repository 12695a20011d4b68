"""PostgreSQL's chat list: each chat of a page with its members, in one statement."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, Select, func, select
from sqlalchemy.dialects.postgresql import aggregate_order_by

from adapters.sql.queries import chat_page, chat_page_params, chat_page_shape
from adapters.sql.tables import chat_members, chats
from chat_domain.model import Chat, ChatKey

# An index probe per listed chat on (chat_id, position) rather than a second
# query; PostgreSQL computes it after the page's sort and limit.
_members = chat_members.alias("members")
_MEMBER_IDS = (
    select(func.array_agg(aggregate_order_by(_members.c.user_id, _members.c.position)))
    .where(_members.c.chat_id == chats.c.id)
    .scalar_subquery()
    .label("users")
)


@functools.cache
def chat_page_with_members(*, after: bool | None, limit: bool) -> Select[Any]:
    """``queries.chat_page`` with each chat's member ids, in order."""
    return chat_page(after=after, limit=limit).add_columns(_MEMBER_IDS)


def list_chats(
    connection: Connection, user_id: str, after: ChatKey | None, limit: int | None
) -> list[Chat]:
    statement = chat_page_with_members(**chat_page_shape(after, limit))
    listed = cast(
        "Iterable[tuple[str, str, datetime, datetime | None, list[str]]]",
        connection.execute(statement, chat_page_params(user_id, after, limit)),
    )
    return [Chat(id, name, tuple(users), at, last) for id, name, at, last, users in listed]
