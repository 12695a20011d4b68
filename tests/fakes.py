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

    def set(self, when: datetime) -> None:
        with self._lock:
            self._next = when


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
