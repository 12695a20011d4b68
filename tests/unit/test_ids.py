"""The production id generator makes RFC 9562 version 7 UUIDs."""

from __future__ import annotations

import time
import uuid
from concurrent.futures import ThreadPoolExecutor

from adapters.system import SystemClock, Uuid7Generator


def test_ids_are_canonical_lowercase_version_7_uuids() -> None:
    value = Uuid7Generator().new_id()
    parsed = uuid.UUID(value)
    assert str(parsed) == value
    assert parsed.version == 7
    assert parsed.variant == uuid.RFC_4122


def test_id_time_prefix_is_the_creation_millisecond() -> None:
    before = time.time_ns() // 1_000_000
    value = Uuid7Generator().new_id()
    after = time.time_ns() // 1_000_000
    assert before <= uuid.UUID(value).int >> 80 <= after + 1


def test_ids_increase_strictly_even_within_one_millisecond() -> None:
    generator = Uuid7Generator()
    values = [generator.new_id() for _ in range(10_000)]
    assert values == sorted(values)
    assert len(set(values)) == len(values)


def test_ids_from_many_threads_are_unique() -> None:
    generator = Uuid7Generator()
    with ThreadPoolExecutor(8) as pool:
        values = list(pool.map(lambda _: generator.new_id(), range(4000)))
    assert len(set(values)) == 4000


def test_random_tail_differs_between_consecutive_ids() -> None:
    generator = Uuid7Generator()
    tails = {uuid.UUID(generator.new_id()).int & ((1 << 62) - 1) for _ in range(100)}
    assert len(tails) == 100


def test_system_clock_is_utc_with_microseconds() -> None:
    now = SystemClock().now()
    assert now.utcoffset() is not None
    assert now.utcoffset().total_seconds() == 0  # type: ignore[union-attr]
