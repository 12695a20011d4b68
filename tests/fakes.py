"""Deterministic clock and ids, so every adapter can be fed the same values."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime, timedelta

from chat_domain.ports import Clock, IdGenerator

EPOCH = datetime(2026, 11, 27, 5, 0, 0, tzinfo=UTC)


class TickingClock(Clock):
    """Each reading is ``step`` later than the one before."""

    def __init__(self, start: datetime = EPOCH, step: timedelta = timedelta(milliseconds=1)):
        self._next = start
        self.step = step
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            current = self._next
            self._next += self.step
            return current

    def set(self, when: datetime, *, step: timedelta | None = None) -> None:
        """Read ``when`` next; from then on advance by ``step`` (zero holds the clock still)."""
        with self._lock:
            self._next = when
            if step is not None:
                self.step = step


class SequentialIds(IdGenerator):
    """UUIDv7-shaped ids counting up from one, in creation order."""

    def __init__(self, start: int = 1) -> None:
        self._next = start
        self._lock = threading.Lock()

    def new_id(self) -> str:
        with self._lock:
            n = self._next
            self._next += 1
        millis = int(EPOCH.timestamp() * 1000)
        return str(uuid.UUID(int=(millis << 80) | (0x7 << 76) | (0b10 << 62) | n))


class ListedIds(IdGenerator):
    """Hands out the ids it was given, in order; for tests that choose each id."""

    def __init__(self, ids: list[str] | None = None) -> None:
        self._ids = list(ids or [])
        self._lock = threading.Lock()

    def push(self, *ids: str) -> None:
        with self._lock:
            self._ids.extend(ids)

    def new_id(self) -> str:
        with self._lock:
            if not self._ids:
                raise LookupError("ListedIds ran out of ids")
            return self._ids.pop(0)

    def clear(self) -> None:
        with self._lock:
            self._ids.clear()
