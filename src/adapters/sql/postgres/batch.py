"""PostgreSQL's batch of sends: one statement, atomic by itself, one commit for them all.

The sends come as arrays, one element each, with their place in the batch
(``ord``). The chats they go to have their turns taken first (``turns``),
then their rows are locked in id order (``FOR NO KEY UPDATE``, which returns
each row as the last commit left it), so two batches never deadlock and each
chat's newest time is current. Then, per send: its
sender's status, the message its key already names, and whether an earlier
send of the batch has its key. The accepted ones get their times as
``model.visible_at`` would give them one after another, in closed form:
the r-th accepted send to a chat whose newest time is n gets
``r µs + max(n, max over j <= r of (t_j - j µs))``, a running maximum (a
window function). They are inserted with their documents, and each
chat's ``last_message_at`` moves to its newest. Members, users and chats
are never removed, so the checks cannot go stale; a key that commits
elsewhere after this statement's snapshot but before its lock is caught
by the unique index instead.
"""

from __future__ import annotations

from typing import Any

import attrs
from sqlalchemy import Connection, bindparam, literal_column, text
from sqlalchemy.dialects.postgresql import ARRAY

from adapters.sql import documents
from adapters.sql.postgres import prepared, turns, views
from adapters.sql.postgres.prepared import PreparedStatement
from adapters.sql.sends import Send
from adapters.sql.tables import UtcDateTime, messages
from chat_domain.errors import sender_refusal
from chat_domain.model import Message, SenderStatus, SendKey, Sent, send_key
from chat_domain.sends import replay

_SQL = """
WITH given AS (
    SELECT * FROM unnest(:ids, :chat_ids, :author_ids, :texts, :sent_ats, :keys)
        WITH ORDINALITY AS g(id, chat_id, author_id, text, sent_at, client_msg_id, ord)
), turns AS ({turns}), locked AS (
    SELECT id, last_message_at FROM chats WHERE id IN (SELECT chat_id FROM given)
        AND (SELECT taken FROM turns) > 0
    ORDER BY id FOR NO KEY UPDATE
), checked AS (
    SELECT g.*,
        EXISTS (SELECT FROM chat_members m
                WHERE m.chat_id = g.chat_id AND m.user_id = g.author_id) AS member,
        EXISTS (SELECT FROM users u WHERE u.id = g.author_id) AS author_found,
        k.id AS keyed_id, k.text AS keyed_text, k.created_at AS keyed_at,
        g.client_msg_id IS NULL OR g.ord = min(g.ord)
            OVER (PARTITION BY g.chat_id, g.author_id, g.client_msg_id) AS first_of_key
    FROM given g
    LEFT JOIN messages k ON k.chat_id = g.chat_id AND k.author_id = g.author_id
        AND k.client_msg_id = g.client_msg_id
), accepted AS (
    SELECT c.*, row_number() OVER (PARTITION BY c.chat_id ORDER BY c.ord) AS rn
    FROM checked c WHERE c.member AND c.keyed_id IS NULL AND c.first_of_key
), timed AS (
    SELECT a.id, a.chat_id, a.author_id, a.text, a.client_msg_id, a.ord,
        a.rn * interval '1 microsecond' + GREATEST(l.last_message_at,
            max(a.sent_at - a.rn * interval '1 microsecond')
                OVER (PARTITION BY a.chat_id ORDER BY a.ord ROWS UNBOUNDED PRECEDING)
        ) AS created_at
    FROM accepted a JOIN locked l ON l.id = a.chat_id
), inserted AS (
    INSERT INTO messages
        (id, chat_id, author_id, text, created_at, client_msg_id, stream_tx, document)
    SELECT id, chat_id, author_id, text, created_at, client_msg_id,
        pg_current_xact_id()::text::bigint, {document} FROM timed
), advanced AS (
    UPDATE chats SET last_message_at = t.newest
    FROM (SELECT chat_id, max(created_at) AS newest FROM timed GROUP BY chat_id) t
    WHERE chats.id = t.chat_id
)
SELECT c.member, EXISTS (SELECT FROM locked l WHERE l.id = c.chat_id), c.author_found,
    c.keyed_id::text, c.keyed_text, c.keyed_at, t.created_at
FROM checked c LEFT JOIN timed t ON t.ord = c.ord
ORDER BY c.ord
"""
_SQL = _SQL.replace(
    "{turns}",
    turns.TURNS_SQL.format(cls=turns.TURN_CLASS, chats="(SELECT chat_id AS c FROM given) g"),
)
# Each message's document, written from its row of ``timed`` (whose columns are named
# as the table's) as the lone send writes it.
_DOCUMENT = documents.message_document(
    views.FIELDS,
    **{field: literal_column(column.name) for field, column in documents.STORED.items()},
)
_SQL = _SQL.replace("{document}", prepared.inline(_DOCUMENT))

_SEND_ALL = PreparedStatement(
    "chat_send_all",
    text(_SQL).bindparams(
        bindparam("ids", type_=ARRAY(messages.c.id.type)),
        bindparam("chat_ids", type_=ARRAY(messages.c.chat_id.type)),
        bindparam("author_ids", type_=ARRAY(messages.c.author_id.type)),
        bindparam("texts", type_=ARRAY(messages.c.text.type)),
        bindparam("sent_ats", type_=ARRAY(UtcDateTime())),
        bindparam("keys", type_=ARRAY(messages.c.client_msg_id.type)),
    ),
)


def send_all(connection: Connection, sends: list[Send]) -> None:
    """Apply ``sends`` in one statement outside any transaction; each outcome in its ``stored``."""
    batch = [send.message for send in sends]
    params: dict[str, Any] = {
        "ids": [m.id for m in batch],
        "chat_ids": [m.chat for m in batch],
        "author_ids": [m.author for m in batch],
        "texts": [m.text for m in batch],
        "sent_ats": [m.created_at for m in batch],
        "keys": [m.client_msg_id for m in batch],
    }
    rows = prepared.run(connection, _SEND_ALL, params, begin=False)
    earlier: dict[SendKey, Message] = {}
    for send, row in zip(sends, rows, strict=True):
        settle(send, row, earlier)


def settle(send: Send, row: prepared.Row, earlier: dict[SendKey, Message]) -> None:
    """Tell ``send`` what became of it, from its row of a send statement.

    The row: whether the author is a member, whether the chat and the author
    exist; the id, text and time of the message its key already named; and
    its own time if it was stored. A send that is none of these used a key
    first used earlier in its batch: ``earlier`` holds those messages.
    """
    member, chat, author, keyed_id, keyed_text, keyed_at, created_at = row
    message = send.message
    status = SenderStatus.of(chat=chat, author=author, member=member)
    refusal = sender_refusal(status, message.chat, message.author)
    key = send_key(message)
    if refusal is not None:
        send.stored.fail(refusal)
    elif keyed_id is not None:
        original = attrs.evolve(
            message, id=keyed_id, text=keyed_text, created_at=prepared.as_utc(keyed_at)
        )
        send.stored.settle(replay(original, message))
    elif created_at is not None:
        sent = attrs.evolve(message, created_at=prepared.as_utc(created_at))
        if key is not None:
            earlier[key] = sent
        send.stored.set(Sent(sent))
    elif key is not None:
        send.stored.settle(replay(earlier[key], message))
    else:  # pragma: no cover - a member's keyless send is always stored
        raise AssertionError(f"the send {message.id} was neither stored nor refused")
