"""This process's turns at the SQLite file: one for reads, one for writes.

The database takes one writer at a time, so within a process writers queue
on a lock here rather than polling the file lock. Reads take a turn of their
own: Python's sqlite3 hands the GIL back and forth for every row it steps,
so threads of one process reading at once slowed each other down
(docs/performance.md). The two turns are apart because WAL lets reads go on
beside a write: a write waiting for another process's lock on the file
holds only the writers' turn, and reads in this process are not kept
waiting behind it. Other processes read beside a writer too. A lock is
re-entrant, for a thread that opens a second unit of work inside its first.
"""

from __future__ import annotations

import threading

from chat_domain.errors import Unavailable


class Turn:
    def __init__(self, timeout_s: float) -> None:
        self._lock = threading.RLock()
        self._timeout_s = timeout_s

    def take(self) -> None:
        """Wait for this process's turn; ``Unavailable`` if it does not come in time."""
        if not self._lock.acquire(timeout=self._timeout_s):
            raise Unavailable("the database is busy; try again shortly")

    def give(self) -> None:
        self._lock.release()
