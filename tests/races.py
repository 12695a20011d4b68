"""Start several threads at the same moment and collect what each ended with."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")


def race(threads: int, work: Callable[[int], T]) -> list[T | Exception]:
    """Run ``work(n)`` for n in 0..threads-1, all released by one barrier."""
    start = threading.Barrier(threads)

    def attempt(n: int) -> T | Exception:
        start.wait()
        try:
            return work(n)
        except Exception as error:
            return error

    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(attempt, range(threads)))
