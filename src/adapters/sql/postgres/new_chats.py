"""PostgreSQL's batch of new chats: one statement, atomic by itself, for them all.

The chats and their members come as arrays. The statement inserts every
chat and every membership only when each member names a user; a taken name
(before, or twice in the batch) breaks it on the name's unique index. Either
way nothing is stored, and the unit of work applies the chats one after
another instead (``writes.apply``), where the one at fault is refused with
its own error. The common batch, of chats that are all accepted, costs one
round trip and no transaction, where chat after chat cost one each inside
one.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import IntegrityError

from adapters.sql.postgres import prepared, turns
from adapters.sql.postgres.prepared import PreparedStatement
from adapters.sql.tables import UtcDateTime, chat_members, chats
from adapters.sql.writes import chat_row
from chat_domain.model import Chat

_SQL = f"""
WITH given AS (
    SELECT * FROM unnest(:ids, :names, :name_keys, :created_ats, :users_jsons, :heads)
        AS g(id, name, name_key, created_at, users_json, document_head)
), members AS (
    SELECT * FROM unnest(:member_chats, :member_users, :member_places)
        AS m(chat_id, user_id, position)
), missing AS (
    SELECT count(*) AS n FROM members m
    WHERE NOT EXISTS (SELECT FROM users u WHERE u.id = m.user_id)
), new_chats AS (
    INSERT INTO chats
        (id, name, name_key, created_at, last_message_at, stream_tx, users_json, document_head)
    SELECT id, name, name_key, created_at, NULL, {turns.TX}, users_json, document_head
    FROM given WHERE (SELECT n FROM missing) = 0
    RETURNING id
), new_members AS (
    INSERT INTO chat_members (chat_id, user_id, position)
    SELECT m.chat_id, m.user_id, m.position FROM members m
    WHERE m.chat_id IN (SELECT id FROM new_chats)
)
SELECT n FROM missing
"""

_CREATE_CHATS = PreparedStatement(
    "chat_new_chats",
    text(_SQL).bindparams(
        bindparam("ids", type_=ARRAY(chats.c.id.type)),
        bindparam("names", type_=ARRAY(chats.c.name.type)),
        bindparam("name_keys", type_=ARRAY(chats.c.name_key.type)),
        bindparam("created_ats", type_=ARRAY(UtcDateTime())),
        bindparam("users_jsons", type_=ARRAY(chats.c.users_json.type)),
        bindparam("heads", type_=ARRAY(chats.c.document_head.type)),
        bindparam("member_chats", type_=ARRAY(chat_members.c.chat_id.type)),
        bindparam("member_users", type_=ARRAY(chat_members.c.user_id.type)),
        bindparam("member_places", type_=ARRAY(chat_members.c.position.type)),
    ),
)


def create_all(connection: Connection, new: Sequence[Chat]) -> bool:
    """Store every chat of ``new`` with its members in one statement outside any
    transaction; whether it did (else nothing is stored)."""
    rows = [chat_row(chat) for chat in new]
    params = {
        "ids": [row["id"] for row in rows],
        "names": [row["name"] for row in rows],
        "name_keys": [row["name_key"] for row in rows],
        "created_ats": [row["created_at"] for row in rows],
        "users_jsons": [row["users_json"] for row in rows],
        "heads": [row["document_head"] for row in rows],
        "member_chats": [chat.id for chat in new for _ in chat.users],
        "member_users": [user for chat in new for user in chat.users],
        "member_places": [place for chat in new for place in range(len(chat.users))],
    }
    try:
        [(missing,)] = prepared.run(connection, _CREATE_CHATS, params, begin=False)
    except IntegrityError:  # a name taken, before or within the batch
        return False
    return not missing
