"""A turn at the SQLite file: one reader at a time, and one writer, in this process.

The database takes one writer at a time, so within a process writers queue
on a lock here rather than polling the file lock. Reads take a turn of
their own as well: Python's sqlite3 hands the GIL back and forth for every
row it steps, so threads of one process reading at once slowed each other
down (docs/performance.md). Other processes still read beside a writer, as
WAL allows. The lock is re-entrant, for a thread that opens a second unit
of work inside its first.
"""

from __future__ import annotations

import threading

from chat_domain.errors import Unavailable


class Turn:
    def __init__(self, timeout_s: float) -> None:
        self._lock = threading.RLock()
        self._timeout_s = timeout_s

    def take(self, *, wait: bool = False) -> None:
        """Wait for this process's turn; ``Unavailable`` if it does not come in time
        (``wait``: as long as it takes, for a turn held only briefly)."""
        if not self._lock.acquire(timeout=-1 if wait else self._timeout_s):
            raise Unavailable("the database is busy; try again shortly")

    def give(self) -> None:
        self._lock.release()
