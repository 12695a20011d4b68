"""A chat's turn on PostgreSQL, and the live stream's places: transaction ids.

A write's place in the live stream is its transaction id (``xid8``, which
never wraps), and a reader hands out only places below the oldest
transaction still running (``pg_snapshot_xmin``): every transaction there
has ended, so nothing can still appear under a place once it is handed
out. Transaction ids are given out in increasing order, but not in commit
order: a transaction that has its id and then waits for a chat's row lock
commits after one that took the lock later. For one chat's messages the
stream's order must be the chat's own (the order they became visible), so
every send first takes the chat's turn, a transaction-level advisory lock
that needs no transaction id, before anything gives the transaction one:
for two sends to one chat, the second is given its id only after the first
committed, so its id is the larger (docs/architecture.md has the proof).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, ColumnElement, Select, Text, cast, func, literal_column, select

TURN_CLASS = 0x63686174  # "chat": the first key of every chat's advisory lock

TX: ColumnElement[int] = literal_column("pg_current_xact_id()::text::bigint", BigInteger)
"""The writing transaction's id, as the ``stream_tx`` it stores."""

HORIZON: Select[int] = select(
    literal_column("pg_snapshot_xmin(pg_current_snapshot())::text::bigint", BigInteger)
)
"""The oldest transaction id still running (or the next to be given out)."""

TURNS_SQL = """
    SELECT count(pg_advisory_xact_lock({cls}, k)) AS taken
    FROM (SELECT DISTINCT hashtext(c::text) AS k FROM {chats} ORDER BY k) o
"""
"""Take the turns of the chats in ``{chats}`` (a column ``c`` of chat ids), in
one order, so that two batches never deadlock."""


def lone_turn(chat_id: Any) -> ColumnElement[bool]:
    """A condition that first takes the turn of ``chat_id`` (an uncorrelated
    subquery: PostgreSQL runs it once, before the statement locks or writes a row)."""
    taken = select(func.pg_advisory_xact_lock(TURN_CLASS, func.hashtext(cast(chat_id, Text))))
    return select(func.count()).select_from(taken.subquery()).scalar_subquery() == 1
