"""The relational schema: every table, constraint and index, in one place.

Mapping choice: SQLAlchemy Core tables with explicit row-to-entity mapping
(in ``queries``), not ``registry.map_imperatively``. The entities are
frozen, slotted attrs classes that imperative mapping would have to make
mutable and unslotted; ``Chat.users`` is an ordered list read from the
membership table and ``Chat.last_message_at`` a column that SQL itself
advances; and every use case is a few statements shaped for an index, which
an identity map and flush would only add work to (docs/architecture.md).

How the shape serves the queries, today's and the contract's "coming next":

- ``users.username_key`` and ``chats.name_key`` hold the casefolded NFC keys
  under unique indexes, so a race for a name ends in the index. Casefolding can
  lengthen a string (``ß`` -> ``ss``), so keys are uncapped text; the longest
  key (128 characters tripled by casefolding, 4 bytes each) still fits a
  PostgreSQL btree entry.
- ``chat_members`` is keyed (chat, user), which answers "may this author
  post?"; (user, chat) finds a user's chats; (chat, position) keeps and reads
  the members in the order given.
- ``messages`` (chat, created_at, id) is the contract's message order, so a
  chat's messages, and later a keyset page after or before a message id, are
  one index range scan.
- ``messages`` (chat, author, client_msg_id) holds each retry-safe send's key
  under a unique index, so a retry finds the original on any process.
- ``stream_tx`` on ``messages`` and ``chats`` is the place in the live stream
  of the transaction that wrote the row (``chat_domain.events``): with
  ``created_at`` and ``id`` it orders the stream, under an index of its own.
- ``chats.last_message_at`` is advanced in the send's own transaction, so a
  chat list never aggregates over messages: no query's cost grows with the
  number of messages in the database, only with what it returns.
- ``chats.users_json`` keeps the members as the chat's JSON document lists
  them (``"id","id"``, in order), written with the chat: members never
  change, and the chat list's read view writes each chat without a look-up
  of its memberships (a third of that statement's cost). ``chat_members``
  stays the truth every check and the entities read.
- ``chats.document_head`` keeps a chat's JSON document up to its
  ``last_message_at``, the part that never changes, written with the chat;
  the chat list's read view adds the time. NULL (a chat stored by a server
  of the version before, during an upgrade) is written from the columns.
- ``messages.document`` keeps each message as its JSON document, written as
  it is sent: a message never changes, and the message list's read view
  reads the stored text instead of writing every field of every row again
  (two thirds of that statement's cost). The columns stay the truth every
  check and the entities read; a message stored without a document (NULL,
  by a server of the version before, during an upgrade) is written from
  them as it is read.

Lengths and characters are the domain's rules (``chat_domain.rules``); the
columns hold any Unicode text without a cap of their own.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    Uuid,
)


class UtcDateTime(TypeDecorator[datetime]):
    """An aware UTC time with microseconds, read back exactly as written.

    PostgreSQL stores ``timestamptz``. SQLite has no time type: SQLAlchemy
    writes the UTC wall time as fixed-width ``YYYY-MM-DD HH:MM:SS.ffffff``
    text (lexical order is time order) and reads it back naive, so a naive
    value read is UTC.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"refusing to store a naive datetime: {value!r}")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def _id() -> Uuid[str]:
    # Native uuid on PostgreSQL; 32 hex digits on SQLite. Both read back as the
    # canonical lowercase string, and both sort as the string does.
    return Uuid(as_uuid=False)


metadata = MetaData(
    naming_convention={
        "pk": "pk_%(table_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    }
)

users = Table(
    "users",
    metadata,
    Column("id", _id(), primary_key=True),
    Column("username", Text, nullable=False),
    Column("username_key", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)
# A violation of either unique key index is the domain's Conflict, not a bug.
username_key_index = Index("ix_users_username_key", users.c.username_key, unique=True)

chats = Table(
    "chats",
    metadata,
    Column("id", _id(), primary_key=True),
    Column("name", Text, nullable=False),
    Column("name_key", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("last_message_at", UtcDateTime, nullable=True),
    Column("stream_tx", BigInteger, nullable=False, server_default="0"),
    Column("users_json", Text, nullable=False, server_default=""),
    Column("document_head", Text, nullable=True),
    Index(None, "stream_tx", "created_at", "id"),
)
chat_name_key_index = Index("ix_chats_name_key", chats.c.name_key, unique=True)

chat_members = Table(
    "chat_members",
    metadata,
    Column("chat_id", _id(), ForeignKey(chats.c.id), nullable=False),
    Column("user_id", _id(), ForeignKey(users.c.id), nullable=False),
    Column("position", Integer, nullable=False),
    PrimaryKeyConstraint("chat_id", "user_id"),
    UniqueConstraint("chat_id", "position"),
    Index(None, "user_id", "chat_id"),
)

messages = Table(
    "messages",
    metadata,
    Column("id", _id(), primary_key=True),
    Column("chat_id", _id(), ForeignKey(chats.c.id), nullable=False),
    Column("author_id", _id(), ForeignKey(users.c.id), nullable=False),
    Column("text", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("client_msg_id", Text, nullable=True),
    Column("stream_tx", BigInteger, nullable=False, server_default="0"),
    Column("document", Text, nullable=True),
    Index(None, "chat_id", "created_at", "id"),
    Index(None, "stream_tx", "created_at", "id"),
)
# One message per (chat, author, client_msg_id), on every process, forever: a
# send that finds its key here is a replay (or a reused key), never a second
# message. Partial: most messages carry no key.
_keyed = messages.c.client_msg_id.is_not(None)
client_msg_id_index = Index(
    "ix_messages_chat_id_author_id_client_msg_id",
    messages.c.chat_id,
    messages.c.author_id,
    messages.c.client_msg_id,
    unique=True,
    postgresql_where=_keyed,
    sqlite_where=_keyed,
)
