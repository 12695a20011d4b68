"""The real clock and id generator.

UUID version 7 is written here against RFC 9562 (section 6.2, method 3)
rather than taken from a package: it is twenty lines, Python 3.11 has no
``uuid.uuid7``, and we need a guarantee the small packages do not all give:
ids from one process are strictly increasing even within one millisecond,
while the bits after the time prefix stay random (62 bits from the OS's
CSPRNG), so an id reveals its creation time and nothing more.
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from datetime import UTC, datetime

from chat_domain.ports import Clock, IdGenerator


class SystemClock(Clock):
    def now(self) -> datetime:
        return datetime.now(UTC)


class Uuid7Generator(IdGenerator):
    """Time-ordered UUIDv7: 48-bit Unix milliseconds, 12 bits of sub-millisecond time.

    When the clock has not moved (or moved back) since the last id, the
    60-bit time field is bumped by one, so ids stay monotonic per process.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last = 0

    def new_id(self) -> str:
        nanos = time.time_ns()
        millis, sub = divmod(nanos, 1_000_000)
        stamp = (millis << 12) | (sub * 4096 // 1_000_000)
        with self._lock:
            stamp = max(stamp, self._last + 1)
            self._last = stamp
        rand_b = int.from_bytes(os.urandom(8)) & ((1 << 62) - 1)
        value = (
            ((stamp >> 12) << 80)  # unix_ts_ms, 48 bits
            | (0x7 << 76)  # version
            | ((stamp & 0xFFF) << 64)  # rand_a: sub-millisecond fraction
            | (0b10 << 62)  # variant
            | rand_b
        )
        return str(uuid.UUID(int=value))
