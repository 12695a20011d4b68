"""In-memory adapters: the reference implementation of every storage port.

Used by the unit tests, the state machine (as the model the SQL adapters must
match) and by anyone embedding the service without a database. Writes are
checked and staged in the unit of work, and applied atomically on commit
under one lock (names checked again there, as a unique index would), so a
rollback leaves nothing behind and concurrent threads see only committed
data (read committed, as PostgreSQL does by default).
"""

from __future__ import annotations

from adapters.memory.store import MemoryStore
from adapters.memory.unit_of_work import MemoryUnitOfWork

__all__ = ["MemoryStore", "MemoryUnitOfWork"]
