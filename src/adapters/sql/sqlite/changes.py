"""Server processes sharing one SQLite file see each other's writes by its change counter.

SQLite has nothing like NOTIFY, but ``PRAGMA data_version`` on a connection
changes whenever another connection committed: one cheap look at the WAL
index every ``EVERY_S`` (50 ms), on a connection of its own, outside the
pool. The files are checked first (``files``): the look takes a read lock,
which writes to the WAL index, and that must never happen to an immutable
file.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable

from adapters.sql.sqlite.files import DatabaseFiles
from chat_domain.errors import Unavailable
from chat_domain.ports import Wakeups

EVERY_S = 0.05


class DataVersionWatch(Wakeups):
    def __init__(self, files: DatabaseFiles) -> None:
        self._files = files

    async def run(self, wake: Callable[[], None]) -> None:
        connection: sqlite3.Connection | None = None
        seen: int | None = None
        try:
            while True:
                await asyncio.sleep(EVERY_S)
                try:
                    if self._files.identity() is None:
                        raise Unavailable("the database file is missing")
                    self._files.require_writable()
                    if connection is None:
                        connection = sqlite3.connect(self._files.path, isolation_level=None)
                    (version,) = connection.execute("PRAGMA data_version").fetchone()
                except (sqlite3.Error, Unavailable):
                    if connection is not None:
                        connection.close()
                    connection, seen = None, None  # a new connection counts anew: wake then
                    continue
                if version != seen:
                    seen = version
                    wake()
        finally:
            if connection is not None:
                connection.close()
