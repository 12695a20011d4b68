"""On a PostgreSQL database with 100k messages, the list queries walk indexes.

The database is seeded set-wise (INSERT ... SELECT generate_series) in about
two seconds: 2,000 users, 2,000 chats of 5 members each, 100,000 messages
(20,000 in one long chat, the rest spread over every chat), then ANALYZE.
The statements explained are the very ones the repositories run. PostgreSQL
may fetch the rows an index finds one by one (Index Scan) or page by page
(Bitmap Heap Scan over a Bitmap Index Scan); either way the cost follows the
rows returned. What must never appear is a sequential scan, a page sorted
rather than read in index order, or a chat list that reads messages.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import ClauseElement, Connection, Executable, text
from sqlalchemy.engine import URL
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler

from adapters.sql import open_database
from adapters.sql.migrate import upgrade_to_head
from adapters.sql.postgres.deadline import without_deadlines
from adapters.sql.postgres.reads import chat_page_with_members
from adapters.sql.postgres.views import chat_document_page, message_document_page
from adapters.sql.queries import chat_page, message_page
from tests.integration.databases import throwaway_postgres_database

pytestmark = pytest.mark.postgres

USERS, CHATS, MEMBERS_PER_CHAT, MESSAGES = 2_000, 2_000, 5, 100_000
LONG_CHAT = 20_000
"""Messages of chat 0, the long one; the rest are spread over every chat."""


class Explain(Executable, ClauseElement):
    """``EXPLAIN (FORMAT JSON) <statement>``, with the statement's own bound parameters."""

    inherit_cache = False

    def __init__(self, statement: Executable) -> None:
        self.statement = statement


@compiles(Explain, "postgresql")
def _explain(element: Explain, compiler: SQLCompiler, **kw: Any) -> str:
    statement: ClauseElement = element.statement  # type: ignore[assignment]
    return "EXPLAIN (FORMAT JSON) " + compiler.process(statement, **kw)


def _uuid(kind: int, number: str) -> str:
    # A UUID from a number, e.g. user 7 -> 00000001-0000-7000-8000-000000000007.
    return f"('{kind:08x}-0000-7000-8000-' || lpad(to_hex({number}), 12, '0'))::uuid"


SEED = [
    f"""INSERT INTO users (id, username, username_key, created_at)
    SELECT {_uuid(1, "n")}, 'user_' || n, 'user_' || n, now()
    FROM generate_series(0, {USERS - 1}) AS n""",
    f"""INSERT INTO chats (id, name, name_key, created_at)
    SELECT {_uuid(2, "n")}, 'chat_' || n, 'chat_' || n, now() - n * interval '1 second'
    FROM generate_series(0, {CHATS - 1}) AS n""",
    f"""INSERT INTO chat_members (chat_id, user_id, position)
    SELECT {_uuid(2, "c")}, {_uuid(1, f"(c + k * 397) % {USERS}")}, k
    FROM generate_series(0, {CHATS - 1}) AS c, generate_series(0, {MEMBERS_PER_CHAT - 1}) AS k""",
    f"""INSERT INTO messages (id, chat_id, author_id, text, created_at)
    SELECT md5(n::text)::uuid, {_uuid(2, f"CASE WHEN n < {LONG_CHAT} THEN 0 ELSE n % {CHATS} END")},
           {_uuid(1, f"CASE WHEN n < {LONG_CHAT} THEN 0 ELSE n % {CHATS} END")},
           'message ' || n, now() + n * interval '1 millisecond'
    FROM generate_series(0, {MESSAGES - 1}) AS n""",
    """UPDATE chats SET last_message_at = latest.at
    FROM (SELECT chat_id, max(created_at) AS at FROM messages GROUP BY chat_id) AS latest
    WHERE chats.id = latest.chat_id""",
    "ANALYZE",
]


@pytest.fixture(scope="module")
def seeded(postgresql_server: URL) -> Iterator[Connection]:
    with throwaway_postgres_database(postgresql_server) as url:
        database = open_database(url)
        upgrade_to_head(database)
        with database.engine.connect() as connection:
            # Seeding is bulk work, not a request: lift the per-statement deadline.
            with without_deadlines():
                for statement in SEED:
                    connection.execute(text(statement))
                connection.commit()
            yield connection
        database.dispose()


def _plan_nodes(
    connection: Connection, statement: Executable, **params: object
) -> list[dict[str, Any]]:
    (plan,) = connection.execute(Explain(statement), params).scalar_one()
    nodes, pending = [], [plan["Plan"]]
    while pending:
        node = pending.pop()
        nodes.append(node)
        pending.extend(node.get("Plans", []))
    return nodes


def _index_walk(nodes: list[dict[str, Any]]) -> tuple[set[str], set[str]]:
    """The indexes the plan reads, and the tables it reads without one (sequentially)."""
    indexes = {node["Index Name"] for node in nodes if "Index Name" in node}
    scanned = {node["Relation Name"] for node in nodes if node["Node Type"] == "Seq Scan"}
    return indexes, scanned


def test_the_database_is_seeded_with_100k_messages(seeded: Connection) -> None:
    assert seeded.execute(text("SELECT count(*) FROM messages")).scalar_one() == MESSAGES


def test_every_message_page_is_one_range_of_the_chat_s_index_never_sorted(
    seeded: Connection,
) -> None:
    chat = "00000002-0000-7000-8000-000000000000"  # the long chat
    middle = seeded.execute(
        text(
            f"SELECT id FROM messages WHERE chat_id = '{chat}'"
            f" ORDER BY created_at OFFSET {LONG_CHAT // 2} LIMIT 1"
        )
    ).scalar_one()
    cursors = {"after_id": middle, "before_id": middle, "limit": 51}
    for after, before, limit, newest_first in itertools.product((False, True), repeat=4):
        shape = {"after": after, "before": before, "limit": limit, "newest_first": newest_first}
        # A cursor is placed by one probe of the primary key, before the range.
        probes = {"pk_messages"} if after or before else set()
        # The entities' page, and the read view's (the same page, as documents).
        for statement in (message_page(**shape), message_document_page(**shape)):
            nodes = _plan_nodes(seeded, statement, chat_id=chat, **cursors)
            indexes, scanned = _index_walk(nodes)
            assert (indexes, scanned) == ({"ix_messages_chat_id_created_at_id"} | probes, set())
            if after or before:  # the cursor bounds the range itself, not a filter on it
                ranges = [n for n in nodes if n.get("Index Name", "").startswith("ix_messages")]
                assert all("ROW(" in n["Index Cond"] for n in ranges), ranges
            if limit:  # a page is read in index order, either way, and stops at its limit
                assert "Sort" not in {node["Node Type"] for node in nodes}, nodes


def test_chat_pages_walk_the_user_s_memberships_and_never_touch_messages(
    seeded: Connection,
) -> None:
    user = "00000001-0000-7000-8000-00000000002a"
    place = {"after_at": datetime.now(UTC), "after_id": user, "limit": 51}
    for after, limit in itertools.product((None, False, True), (False, True)):
        for statement in (
            chat_page(after=after, limit=limit),
            chat_page_with_members(after=after, limit=limit),
            chat_document_page(after=after, limit=limit),
        ):
            nodes = _plan_nodes(seeded, statement, user_id=user, **place)
            indexes, scanned = _index_walk(nodes)
            assert scanned == set(), nodes
            assert "ix_chat_members_user_id_chat_id" in indexes, nodes
            assert "messages" not in {node.get("Relation Name") for node in nodes}
