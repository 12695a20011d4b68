"""Throwaway databases for the bench: created, migrated, seeded, dropped after.

PostgreSQL is seeded with COPY straight from the row generators (a million
messages in well under a minute); SQLite through SQLAlchemy Core with the
product's own tables, so its column types write the values as the service
would. Both get the product's schema from its migrations.
"""

from __future__ import annotations

import contextlib
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import psycopg2
from sqlalchemy import Table, make_url

from adapters.sql import open_database, tables
from bench import schema
from bench.dataset import Dataset
from chat_domain.documents import chat_head_json, members_json, message_json
from chat_domain.model import Chat, Message
from chat_domain.rules import name_key

ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
_BATCH = 50_000


def _copy_field(value: object) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, datetime):
        return value.isoformat()
    text = str(value)
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        text = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
        text = text.replace("\r", "\\r")
    return text


class _CopyStream:
    """A file-like view of rows in COPY's text format, made as COPY reads it."""

    def __init__(self, rows: Iterable[tuple[object, ...]]) -> None:
        self._lines = ("\t".join(map(_copy_field, row)).encode() + b"\n" for row in rows)
        self._buffer = b""

    def readline(self, size: int = -1, /) -> bytes:
        line, self._buffer = self._buffer or next(self._lines, b""), b""
        return line

    def read(self, size: int = -1, /) -> bytes:
        want = size if size >= 0 else 1 << 62
        parts, length = [self._buffer], len(self._buffer)
        while length < want and (line := next(self._lines, b"")):
            parts.append(line)
            length += len(line)
        data = b"".join(parts)
        self._buffer = data[want:]
        return data[:want]


def _user_values(row: tuple[str, str, datetime]) -> tuple[object, ...]:
    return (row[0], row[1], name_key(row[1]), row[2])


def _chat_values(
    row: tuple[str, str, datetime, datetime | None], members: list[str]
) -> tuple[object, ...]:
    # The members, and the document but for its last_message_at, as the chat list's
    # read view reads them and the product writes them.
    head = chat_head_json(Chat(row[0], row[1], tuple(members), row[2], row[3]))
    return (row[0], row[1], name_key(row[1]), row[2], row[3], members_json(members), head)


def _message_values(row: tuple[str, str, str, str, datetime]) -> tuple[object, ...]:
    # The message's document as the product writes it with the message.
    return (*row, message_json(Message(*row, client_msg_id=None)))


def _tables(data: Dataset) -> Iterator[tuple[tuple[str, tuple[str, ...]], Iterable[Any]]]:
    """Each table in foreign-key order with its rows, as the schema's columns want them."""
    yield schema.USERS, map(_user_values, data.users())
    chats = (_chat_values(row, data.member_ids(i)) for i, row in enumerate(data.chats()))
    yield schema.CHATS, chats
    yield schema.MEMBERS, data.members()
    yield schema.MESSAGES, map(_message_values, data.messages())


def _admin(statement: str) -> None:
    conn = psycopg2.connect(ADMIN_URL)
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(statement)
    finally:
        conn.close()


def _migrate(url: str) -> None:
    """``chat-server migrate``, in its own process as an operator runs it.

    Not in this one: the service's PostgreSQL engine gives psycopg2 a
    process-wide wait callback (its deadlines), and psycopg2 cannot COPY
    while one is set.
    """
    command = [str(Path(sys.executable).with_name("chat-server")), "migrate"]
    done = subprocess.run(
        [*command, "--database-url", url], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"chat-server migrate failed: {done.stderr.strip()}")


def _seed_postgres(url: str, data: Dataset) -> None:
    conn = psycopg2.connect(url)
    try:
        with conn, conn.cursor() as cur:
            for (table, columns), rows in _tables(data):
                sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
                cur.copy_expert(sql, _CopyStream(rows), size=1 << 20)
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("VACUUM ANALYZE")
    finally:
        conn.close()


@contextlib.contextmanager
def empty_postgres(name: str) -> Iterator[str]:
    """A fresh, migrated and empty PostgreSQL database; its URL; dropped on exit."""
    url = str(make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False))
    _admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    _admin(f"CREATE DATABASE {name}")
    try:
        _migrate(url)
        yield url
    finally:
        _admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@contextlib.contextmanager
def postgres(data: Dataset, log: Callable[[str], None]) -> Iterator[str]:
    """A fresh PostgreSQL database seeded with ``data``; its URL; dropped on exit."""
    name = f"chat_bench_{data.shape.name}"
    url = str(make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False))
    _admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    _admin(f"CREATE DATABASE {name}")
    try:
        started = time.monotonic()
        _migrate(url)
        _seed_postgres(url, data)
        log(f"seeded {name} ({_describe(data)}) in {time.monotonic() - started:.1f} s")
        yield url
    finally:
        _admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _table(name: str) -> Table:
    return tables.metadata.tables[name]


@contextlib.contextmanager
def sqlite(data: Dataset, workdir: Path, log: Callable[[str], None]) -> Iterator[str]:
    """A fresh SQLite file seeded with ``data``; its URL; deleted on exit."""
    path = workdir / f"chat_bench_{data.shape.name}.db"
    url = f"sqlite:///{path}"
    started = time.monotonic()
    _migrate(url)
    database = open_database(url)
    try:
        with database.engine.begin() as conn:
            for (table, columns), rows in _tables(data):
                batch: list[dict[str, Any]] = []
                for row in rows:
                    batch.append(dict(zip(columns, row, strict=True)))
                    if len(batch) == _BATCH:
                        conn.execute(_table(table).insert(), batch)
                        batch = []
                if batch:
                    conn.execute(_table(table).insert(), batch)
    finally:
        database.dispose()
    log(f"seeded {path.name} ({_describe(data)}) in {time.monotonic() - started:.1f} s")
    try:
        yield url
    finally:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)


def _describe(data: Dataset) -> str:
    s = data.shape
    return f"{s.users} users, {s.chats} chats, {s.messages} messages"


def middle_message(url: str, chat_id: str) -> str:
    """The id of the message in the middle of ``chat_id``, in the contract's order.

    Asked with the plain drivers, not the product's engine: its PostgreSQL
    wait callback is process-wide and would refuse the next seed's COPY.
    """
    query = "SELECT id FROM messages WHERE chat_id = {} ORDER BY created_at, id"
    if url.startswith("postgresql"):
        with psycopg2.connect(url) as connection, connection.cursor() as cursor:
            cursor.execute(
                f"{query.format('%s')} OFFSET (SELECT count(*) / 2 FROM messages"
                " WHERE chat_id = %s) LIMIT 1",
                (chat_id, chat_id),
            )
            (found,) = cursor.fetchone() or (None,)
        connection.close()
        return str(found)
    path = make_url(url).database
    assert path is not None
    hex_id = uuid.UUID(chat_id).hex  # how the Uuid type stores ids in SQLite
    with contextlib.closing(sqlite3.connect(path)) as file:
        rows = file.execute(query.format("?"), (hex_id,)).fetchall()
    return str(uuid.UUID(rows[len(rows) // 2][0]))
