"""PostgreSQL's writes, each one prepared statement that checks and writes at once.

A new chat checks its members and stores it with them; a new user is one
insert; sends are in ``sends``. Each is atomic by itself (writable CTEs share
one snapshot and run as one statement), so a unit of work whose only write
it is needs no transaction around it.
"""

from __future__ import annotations

from sqlalchemy import (
    Connection,
    bindparam,
    exists,
    func,
    insert,
    select,
    true,
)
from sqlalchemy.dialects.postgresql import ARRAY

from adapters.sql.errors import conflicts_as
from adapters.sql.postgres import prepared, sends, turns
from adapters.sql.postgres.prepared import PreparedStatement
from adapters.sql.tables import (
    chat_members,
    chat_name_key_index,
    chats,
    username_key_index,
    users,
)
from adapters.sql.writes import NewChats, Write, chat_row, user_row
from chat_domain.errors import ChatNameTaken, UsernameTaken, members_not_found
from chat_domain.model import Chat, User

_NEW_USER = PreparedStatement("chat_new_user", insert(users))

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
        select(
            *(
                turns.TX
                if column.name == "stream_tx"
                else bindparam(column.name, type_=column.type)
                for column in chats.columns
            )
        ).where(~exists(select(_missing.c.user_id))),
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


def apply(connection: Connection, write: Write, *, begin: bool) -> None:
    """Apply ``write`` in one statement; ``begin`` opens a transaction with it."""
    if isinstance(write, User):
        with conflicts_as(UsernameTaken(write.username), username_key_index):
            prepared.run(connection, _NEW_USER, user_row(write), begin=begin)
    elif isinstance(write, NewChats):
        for n, chat in enumerate(write.chats):
            apply(connection, chat, begin=begin and n == 0)
    elif isinstance(write, Chat):
        params = {**chat_row(write), "member_ids": list(write.users)}
        with conflicts_as(ChatNameTaken(write.name), chat_name_key_index):
            missing = prepared.run(connection, _CREATE_CHAT, params, begin=begin)
        if missing:
            raise members_not_found(write.users, [user_id for (user_id,) in missing])
    else:
        sends.apply(connection, write, begin=begin)
