"""Each listed row's JSON document, written in SQL by the database itself.

A document is concatenated from its fields in the statement: the contract's
keys and punctuation as constants, each field written by the dialect's own
functions (``Fields``), which must write a string exactly as the service's
writer escapes it and a time with its six fraction digits and ``Z``
(``chat_domain.documents``). Concatenation rather than the databases' JSON
object builders, whose spacing and time formats are not the contract's.

A message never changes once sent, so its document is written once, with
it (``messages.document``), and a page of messages reads the stored text:
writing it on every read was most of the database's work for a long list.
A message stored without one is written as it is read (``STORED``).
A chat's ``last_message_at`` moves, so a chat keeps the rest of its
document (``chats.document_head``) and the list adds the time as it reads.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import attrs
from sqlalchemy import ColumnElement, Select, Text, func, literal_column

from adapters.sql import queries
from adapters.sql.tables import chats, messages

Column = Callable[[Any], ColumnElement[str]]


def constant(text: str) -> ColumnElement[str]:
    """A constant piece of a document, written into the statement."""
    assert "'" not in text
    return literal_column(f"'{text}'", Text)


@attrs.frozen
class Fields:
    """How one dialect writes a column as a piece of a document; and the lists'
    pages (``queries``) with the documents so written for their one column."""

    string: Column  # a text as a JSON string (NULL for NULL)
    time: Column  # a time as the contract writes it, unquoted
    id: Column  # an id in canonical form, unquoted

    def quoted(self, column: ColumnElement[str]) -> ColumnElement[str]:
        return constant('"') + column + constant('"')

    @functools.cache  # noqa: B019 - one per dialect, kept as long as the module
    def message_page(self, **shape: bool) -> Select[Any]:
        """``queries.message_page`` with each message's stored document for its column;
        written here for a message stored without one (``STORED``)."""
        return queries.message_page(**shape).with_only_columns(
            func.coalesce(messages.c.document, message_document(self, **STORED))
        )

    @functools.cache  # noqa: B019 - as above
    def chat_page(self, *, after: bool | None, limit: bool) -> Select[Any]:
        """``queries.chat_page`` with each chat's document for its column."""
        page = queries.chat_page(after=after, limit=limit)
        return page.with_only_columns(chat_document(self))


STORED = {
    "id": messages.c.id,
    "chat": messages.c.chat_id,
    "author": messages.c.author_id,
    "text": messages.c.text,
    "created_at": messages.c.created_at,
    "client_msg_id": messages.c.client_msg_id,
}
"""A message's fields as stored. A message stored without its document (by a server
of the version before them, still running while the database is upgraded) is
written from them as it is read: slower, never wrong."""


def message_document(
    sql: Fields,
    *,
    id: Any,
    chat: Any,
    author: Any,
    text: Any,
    created_at: Any,
    client_msg_id: Any,
) -> ColumnElement[str]:
    """A message's document (``chat_domain.documents.message_json``) from the values
    it is stored with, for ``messages.document``."""
    return (
        constant('{"id":"')
        + sql.id(id)
        + constant('","chat":"')
        + sql.id(chat)
        + constant('","author":"')
        + sql.id(author)
        + constant('","text":')
        + sql.string(text)
        + constant(',"created_at":"')
        + sql.time(created_at)
        + constant('","client_msg_id":')
        + func.coalesce(sql.string(client_msg_id), constant("null"))
        + constant("}")
    )


def chat_document(sql: Fields) -> ColumnElement[str]:
    """A listed chat's document (``chat_domain.documents.chat_json``): its stored
    head, or the head written from its columns when it was stored without one
    (as ``STORED`` for messages), then its ``last_message_at``, which moves."""
    return (
        func.coalesce(chats.c.document_head, chat_head(sql))
        + constant(',"last_message_at":')
        + func.coalesce(sql.quoted(sql.time(chats.c.last_message_at)), constant("null"))
        + constant("}")
    )


def chat_head(sql: Fields) -> ColumnElement[str]:
    """``chat_domain.documents.chat_head_json``, from a chat's columns."""
    return (
        constant('{"id":"')
        + sql.id(chats.c.id)
        + constant('","name":')
        + sql.string(chats.c.name)
        + constant(',"users":[')
        + chats.c.users_json  # written with the chat, as its documents list them
        + constant('],"created_at":"')
        + sql.time(chats.c.created_at)
        + constant('"')
    )
