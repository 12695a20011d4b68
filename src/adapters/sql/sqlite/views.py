"""SQLite's read views: the lists' pages with each row's document for its column.

SQLite keeps ids as 32 hex digits and times as fixed-width UTC text
(``tables``), so a document's pieces are the stored text cut and joined;
``json_quote`` escapes a string exactly as the service's writer does. A
message's document is stored with it, written by the service's writer as
the message is sent (``sql.sends``), and written here only for a message
stored without one.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Connection, Text, func, literal_column

from adapters.sql import queries
from adapters.sql.documents import Fields, constant
from chat_domain.model import ChatKey
from chat_domain.pages import Window


def _cut(column: Any, start: int, length: int) -> ColumnElement[str]:
    """``substr`` with the numbers written into the statement."""
    return func.substr(column, literal_column(str(start)), literal_column(str(length)), type_=Text)


def _id(column: Any) -> ColumnElement[str]:
    # 32 hex digits as stored, to the canonical 8-4-4-4-12 form.
    joined = _cut(column, 1, 8)
    for start, length in ((9, 4), (13, 4), (17, 4), (21, 12)):
        joined = joined + constant("-") + _cut(column, start, length)
    return joined


def _time(column: Any) -> ColumnElement[str]:
    # "YYYY-MM-DD HH:MM:SS.ffffff" as stored, to "YYYY-MM-DDTHH:MM:SS.ffffffZ".
    return _cut(column, 1, 10) + constant("T") + _cut(column, 12, 15) + constant("Z")


_fields = Fields(string=lambda column: func.json_quote(column, type_=Text), time=_time, id=_id)


def message_documents(connection: Connection, chat_id: str, window: Window) -> list[str]:
    statement = _fields.message_page(**queries.page_shape(window))
    params = queries.message_page_params(chat_id, window)
    return list(connection.execute(statement, params).scalars())


def chat_documents(
    connection: Connection, user_id: str, after: ChatKey | None, limit: int | None
) -> list[str]:
    statement = _fields.chat_page(**queries.chat_page_shape(after, limit))
    params = queries.chat_page_params(user_id, after, limit)
    return list(connection.execute(statement, params).scalars())
