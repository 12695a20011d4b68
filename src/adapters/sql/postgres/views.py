"""PostgreSQL's documents, and its read views: the lists' pages with each row's
document for its column.

``to_json`` escapes a string exactly as the service's writer does, and
``to_char`` writes a time with its six fraction digits (``to_json`` of a
time drops trailing zeros). The sends write each message's document with
these (``FIELDS``). The pages are the lists' own statements (``queries``),
prepared once per connection like the writes.
"""

from __future__ import annotations

import functools

from sqlalchemy import Connection, Text, cast, func

from adapters.sql import queries
from adapters.sql.documents import Fields, constant
from adapters.sql.postgres import prepared
from adapters.sql.postgres.loop import LoopPool
from adapters.sql.postgres.prepared import PreparedStatement
from chat_domain.model import ChatKey
from chat_domain.pages import Window
from chat_domain.views import PageViews

FIELDS = Fields(
    string=lambda column: cast(func.to_json(column), Text),
    time=lambda column: func.to_char(
        func.timezone(constant("UTC"), column), constant('YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
    ),
    id=lambda column: cast(column, Text),
)
message_document_page = FIELDS.message_page
chat_document_page = FIELDS.chat_page


@functools.cache
def _message_page(**shape: bool) -> PreparedStatement:
    name = "chat_messages_" + "".join(str(int(shape[k])) for k in sorted(shape))
    return PreparedStatement(name, message_document_page(**shape))


@functools.cache
def _chat_page(*, after: bool | None, limit: bool) -> PreparedStatement:
    name = f"chat_chats_{'x' if after is None else int(after)}{int(limit)}"
    return PreparedStatement(name, chat_document_page(after=after, limit=limit))


def message_documents(connection: Connection, chat_id: str, window: Window) -> list[str]:
    statement = _message_page(**queries.page_shape(window))
    params = queries.message_page_params(chat_id, window)
    return [row[0] for row in prepared.run(connection, statement, params, begin=False)]


def chat_documents(
    connection: Connection, user_id: str, after: ChatKey | None, limit: int | None
) -> list[str]:
    statement = _chat_page(**queries.chat_page_shape(after, limit))
    params = queries.chat_page_params(user_id, after, limit)
    return [row[0] for row in prepared.run(connection, statement, params, begin=False)]


class LoopPageViews(PageViews):
    """The same pages, sent and awaited on the event loop (``loop``)."""

    def __init__(self, pool: LoopPool) -> None:
        self._pool = pool

    async def chats(self, user_id: str, *, after: ChatKey | None, limit: int) -> list[str]:
        statement = _chat_page(**queries.chat_page_shape(after, limit))
        params = queries.chat_page_params(user_id, after, limit)
        return [row[0] for row in await self._pool.fetch(statement, params)]

    async def messages(self, chat_id: str, window: Window) -> list[str]:
        statement = _message_page(**queries.page_shape(window))
        params = queries.message_page_params(chat_id, window)
        return [row[0] for row in await self._pool.fetch(statement, params)]
