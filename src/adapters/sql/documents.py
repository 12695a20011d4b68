"""Each listed row's JSON document, written in SQL by the database itself.

A document is concatenated from its fields in the statement: the contract's
keys and punctuation as constants, each field written by the dialect's own
functions (``Fields``), which must write a string exactly as the service's
writer escapes it and a time with its six fraction digits and ``Z``
(``chat_domain.documents``). Concatenation rather than the databases' JSON
object builders, whose spacing and time formats are not the contract's.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import attrs
from sqlalchemy import ColumnElement, Select, Text, bindparam, func, literal_column

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
        """``queries.message_page`` with each message's document for its column."""
        return queries.message_page(**shape).with_only_columns(message_document(self))

    @functools.cache  # noqa: B019 - as above
    def chat_page(self, *, after: bool | None, limit: bool) -> Select[Any]:
        """``queries.chat_page`` with each chat's document for its column."""
        page = queries.chat_page(after=after, limit=limit)
        return page.with_only_columns(chat_document(self))


CHAT_TEXT = bindparam("chat_text", type_=Text)
"""The listed chat's id as its documents write it: every message of a page is in the
chat asked for, so the statement writes the id it was given rather than each row's."""


def message_document(sql: Fields) -> ColumnElement[str]:
    """A listed message's document (``chat_domain.documents.message_json``); its chat's
    id is ``:chat_text`` (``CHAT_TEXT``)."""
    # As few pieces as can be: on SQLite each concatenation and call costs per row.
    return (
        constant('{"id":"')
        + sql.id(messages.c.id)
        + constant('","chat":"')
        + CHAT_TEXT
        + constant('","author":"')
        + sql.id(messages.c.author_id)
        + constant('","text":')
        + sql.string(messages.c.text)
        + constant(',"created_at":"')
        + sql.time(messages.c.created_at)
        + constant('","client_msg_id":')
        + func.coalesce(sql.string(messages.c.client_msg_id), constant("null"))
        + constant("}")
    )


def chat_document(sql: Fields) -> ColumnElement[str]:
    """A listed chat's document (``chat_domain.documents.chat_json``)."""
    return (
        constant('{"id":"')
        + sql.id(chats.c.id)
        + constant('","name":')
        + sql.string(chats.c.name)
        + constant(',"users":[')
        + chats.c.users_json  # written with the chat, as its documents list them
        + constant('],"created_at":"')
        + sql.time(chats.c.created_at)
        + constant('","last_message_at":')
        + func.coalesce(sql.quoted(sql.time(chats.c.last_message_at)), constant("null"))
        + constant("}")
    )
