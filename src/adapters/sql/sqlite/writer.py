"""This process's turn at the SQLite file: one unit of work at a time, reads too.

The database takes one writer at a time, so within a process writers queue
on a lock here rather than polling the file lock. Reads take their turn as
well: Python's sqlite3 hands the GIL back and forth for every row it steps,
so threads of one process reading at once slowed each other down
(docs/performance.md). Other processes still read beside a writer, as WAL
allows. The lock is re-entrant, for a thread that opens a second unit of
work inside its first.
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
