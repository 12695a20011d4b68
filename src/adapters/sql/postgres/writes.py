"""PostgreSQL's writes, each one prepared statement that checks and writes at once.

A lone send checks chat, author, membership and its key, stores the
message and advances the chat's ``last_message_at``; a new chat checks its
members and stores it with them; a new user is one insert. Each is atomic by
itself (writable CTEs share one snapshot and run as one statement), so a unit
of work whose only write it is needs no transaction around it. Sends in a
batch go through ``sends.apply_all`` in a transaction, which locks their
chats first.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import attrs
from sqlalchemy import (
    ColumnElement,
    Connection,
    bindparam,
    exists,
    func,
    insert,
    literal_column,
    select,
    true,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import IntegrityError

from adapters.sql import queries, sends
from adapters.sql.errors import conflicts_as, violates
from adapters.sql.postgres import prepared
from adapters.sql.postgres.prepared import PreparedStatement
from adapters.sql.sends import Send
from adapters.sql.tables import (
    UtcDateTime,
    chat_members,
    chat_name_key_index,
    chats,
    client_msg_id_index,
    messages,
    username_key_index,
    users,
)
from adapters.sql.writes import Write, chat_row, message_params, user_row
from chat_domain.errors import ChatNameTaken, UsernameTaken, members_not_found, sender_refusal
from chat_domain.model import Chat, SenderStatus, Sent, User
from chat_domain.sends import replay

_NEW_USER = PreparedStatement("chat_new_user", insert(users))

# A send: the sender's status; only when the author is a member (membership
# implies chat and author exist: foreign keys), the chat's row is advanced and
# the message inserted with the time the advance decided. The UPDATE's row
# lock is the chat's turn: concurrent sends to one chat wait for it and then
# see the row as the one before left it, so the time is model.visible_at,
# strictly after the chat's newest message, in commit order. Members are
# never removed, so the status cannot go stale before the insert. A send whose
# key its author has used in the chat stores nothing: it is a replay, read
# back after. One that commits with that key while this one waits for the
# chat's row is found by the unique index instead (``_send_alone``).
_keyed = (
    select(messages.c.id)
    .where(
        messages.c.chat_id == bindparam("message_chat"),
        messages.c.author_id == bindparam("author_id"),
        messages.c.client_msg_id == bindparam("client_msg_id"),
    )
    .exists()
)
_status = select(
    exists()
    .where(
        chat_members.c.chat_id == bindparam("message_chat"),
        chat_members.c.user_id == bindparam("author_id"),
    )
    .label("member"),
    exists().where(chats.c.id == bindparam("message_chat")).label("chat"),
    exists().where(users.c.id == bindparam("author_id")).label("author"),
    _keyed.label("keyed"),
).cte("status")
_sent_at = bindparam("sent_at", type_=UtcDateTime)
_TICK: ColumnElement[Any] = literal_column("interval '1 microsecond'")  # model.TICK
_advanced = (
    update(chats)
    .where(chats.c.id == bindparam("message_chat"), _status.c.member, ~_status.c.keyed)
    # GREATEST skips a NULL: a chat's first message keeps the clock's time.
    .values(last_message_at=func.greatest(_sent_at, chats.c.last_message_at + _TICK))
    .returning(chats.c.last_message_at)
    .cte("advanced")
)
_sent = (
    insert(messages)
    .from_select(
        ["id", "chat_id", "author_id", "text", "created_at", "client_msg_id"],
        select(
            bindparam("message_id", type_=messages.c.id.type),
            bindparam("message_chat", type_=messages.c.chat_id.type),
            bindparam("author_id", type_=messages.c.author_id.type),
            bindparam("message_text", type_=messages.c.text.type),
            _advanced.c.last_message_at,
            bindparam("client_msg_id", type_=messages.c.client_msg_id.type),
        ),
    )
    .returning(messages.c.created_at)
    .cte("sent")
)
_SEND = PreparedStatement(
    "chat_send",
    select(
        _status.c.member,
        _status.c.chat,
        _status.c.author,
        _status.c.keyed,
        select(_sent.c.created_at).scalar_subquery(),
    ),
)

# A new chat: the members come unnested from one array with their 1-based
# place; those that name no user are the answer, in that order; only when
# there are none are the chat and its members inserted. Users are never
# removed, so the answer cannot go stale before the insert.
_given = (
    func.unnest(bindparam("member_ids", type_=ARRAY(chat_members.c.user_id.type)))
    .table_valued("user_id", with_ordinality="position")
    .render_derived(name="given")
)
_missing = (
    select(_given.c.user_id, _given.c.position)
    .where(~exists().where(users.c.id == _given.c.user_id))
    .cte("missing")
)
_new_chat = (
    insert(chats)
    .from_select(
        [column.name for column in chats.columns],
        select(*(bindparam(column.name, type_=column.type) for column in chats.columns)).where(
            ~exists(select(_missing.c.user_id))
        ),
    )
    .returning(chats.c.id)
    .cte("new_chat")
)
_new_members = (
    insert(chat_members)
    .from_select(
        ["chat_id", "user_id", "position"],
        select(_new_chat.c.id, _given.c.user_id, _given.c.position - 1).select_from(
            _new_chat.join(_given, true())  # the one new chat beside each member
        ),
    )
    .cte("new_members")
)
_CREATE_CHAT = PreparedStatement(
    "chat_new_chat",
    select(_missing.c.user_id).order_by(_missing.c.position).add_cte(_new_chat, _new_members),
)


def _as_utc(value: datetime) -> datetime:
    # Read on psycopg2's own cursor, the time comes with a fixed offset.
    return value.astimezone(UTC)


def apply(connection: Connection, write: Write, *, begin: bool) -> None:
    """Apply ``write`` in one statement; ``begin`` opens a transaction with it."""
    if isinstance(write, User):
        with conflicts_as(UsernameTaken(write.username), username_key_index):
            prepared.run(connection, _NEW_USER, user_row(write), begin=begin)
    elif isinstance(write, Chat):
        params = {**chat_row(write), "member_ids": list(write.users)}
        with conflicts_as(ChatNameTaken(write.name), chat_name_key_index):
            missing = prepared.run(connection, _CREATE_CHAT, params, begin=begin)
        if missing:
            raise members_not_found(write.users, [user_id for (user_id,) in missing])
    elif len(write.sends) == 1 and not begin:
        _send_alone(connection, write.sends[0])
    else:
        if begin:
            connection.exec_driver_sql("BEGIN")
        sends.apply_all(connection, write.sends)


def _send_alone(connection: Connection, send: Send) -> None:
    message = send.message
    try:
        [(member, chat, author, keyed, sent_at)] = prepared.run(
            connection, _SEND, message_params(message), begin=False
        )
    except IntegrityError as error:
        if not violates(error, client_msg_id_index):
            raise
        member = chat = author = keyed = True  # the original's author was a member
    status = SenderStatus.of(chat=chat, author=author, member=member)
    refusal = sender_refusal(status, message.chat, message.author)
    if refusal is not None:
        send.stored.fail(refusal)
    elif keyed:
        original = queries.keyed_message(connection, message)
        if original is None:  # pragma: no cover - keys are never removed
            raise LookupError(f"the message keyed {message.client_msg_id!r} has gone")
        send.stored.settle(replay(original, message))
    else:
        send.stored.set(Sent(attrs.evolve(message, created_at=_as_utc(sent_at))))
