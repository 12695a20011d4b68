"""The test doubles themselves: a fake that ignores its arguments hides bugs."""

from __future__ import annotations

from datetime import timedelta

from tests.fakes import EPOCH, TickingClock


def test_a_clock_set_with_no_step_holds_still() -> None:
    clock = TickingClock()
    clock.set(EPOCH, step=timedelta(0))
    assert [clock.now() for _ in range(3)] == [EPOCH] * 3


def test_a_clock_ticks_by_its_step_from_where_it_was_set() -> None:
    clock = TickingClock(step=timedelta(0))
    clock.set(EPOCH - timedelta(seconds=1), step=timedelta(microseconds=5))
    assert clock.now() == EPOCH - timedelta(seconds=1)
    assert clock.now() == EPOCH - timedelta(seconds=1) + timedelta(microseconds=5)
