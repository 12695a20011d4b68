"""PostgreSQL's wake-ups: NOTIFY only when another server process listens."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import psycopg2
import pytest
from sqlalchemy.engine import make_url

from adapters.sql.postgres.listen import CHANNEL, PostgresWakeups

pytestmark = pytest.mark.postgres


async def _until(done: Callable[[], bool], within_s: float = 10.0) -> None:
    deadline = time.monotonic() + within_s
    while not done():
        assert time.monotonic() < deadline, "it did not happen in time"
        await asyncio.sleep(0.02)


def test_a_process_alone_sends_no_notify_and_one_with_company_does(
    postgresql_database_url: str,
) -> None:
    dsn = make_url(postgresql_database_url).set(drivername="postgresql")
    dsn_text = dsn.render_as_string(hide_password=False)
    # The test's own ear on the channel: not a server process, so nobody counts it.
    ear = psycopg2.connect(dsn_text)
    ear.autocommit = True
    ear.cursor().execute(f"LISTEN {CHANNEL}")
    heard: list[str] = []

    def listen() -> list[str]:
        ear.poll()
        heard.extend(notify.payload for notify in ear.notifies)
        ear.notifies.clear()
        return heard

    async def scenario() -> None:
        first, second = PostgresWakeups(dsn_text), PostgresWakeups(dsn_text)
        tasks = [asyncio.create_task(first.run(lambda: None))]
        try:
            await _until(lambda: first.connections == 1)
            await _until(lambda: listen() == ["hello"])
            assert first.peers == 0
            first.announce()
            await asyncio.sleep(0.5)
            assert listen() == ["hello"]  # alone: nobody to wake, nothing sent

            tasks.append(asyncio.create_task(second.run(lambda: None)))
            await _until(lambda: second.connections == 1 and first.peers == 1)
            assert second.peers == 1  # it counted the first when it connected
            first.announce()
            await _until(lambda: listen() == ["hello", "hello", ""])
            second.announce()
            await _until(lambda: listen() == ["hello", "hello", "", ""])
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    try:
        asyncio.run(asyncio.wait_for(scenario(), 60))
    finally:
        ear.close()
