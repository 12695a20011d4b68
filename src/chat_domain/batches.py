"""Writes delivered together: many in one unit of work, one commit (group commit).

``deliver_each`` stores a batch, each item keeping its own answer.
``Pipeline`` gathers the writes of concurrent callers on an event loop into
such batches, one batch at a time. Sends (``sends``) and new users go
through them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from functools import partial
from typing import Generic, TypeVar

from chat_domain.errors import Unavailable
from chat_domain.ports import UnitOfWork, UnitOfWorkFactory

T = TypeVar("T")
R = TypeVar("R")

BATCH_MOST = 256
"""Writes per batch at most: one statement's worth of rows, and one commit's."""

Stage = Callable[[UnitOfWork, T], Callable[[], "R | Exception"]]
"""Stages one item in a unit of work; what it returns tells the item's outcome
once the unit of work has committed."""


def deliver_each(
    uow: UnitOfWorkFactory, items: Sequence[T], stage: Stage[T, R]
) -> list[R | Exception]:
    """Store ``items`` in one unit of work with one commit; an outcome for each.

    A refusal the store reports per item is that item's own outcome. A batch
    that fails as a whole for another reason (a taken name, say) is stored
    again one item at a time, so that an item that breaks a batch fails
    alone and never fails the others. Not when the database is away: then
    every item fails with ``Unavailable`` and none is retried, since a commit
    whose answer was lost may have stored them.
    """
    if len(items) > 1:
        try:
            return _together(uow, items, stage)
        except Unavailable:
            raise
        except Exception:  # each alone, below, finds the one at fault
            pass
    return [_alone(uow, item, stage) for item in items]


def _together(
    uow: UnitOfWorkFactory, items: Sequence[T], stage: Stage[T, R]
) -> list[R | Exception]:
    with uow() as unit:
        staged = [stage(unit, item) for item in items]
        unit.commit()
    return [outcome() for outcome in staged]


def _alone(uow: UnitOfWorkFactory, item: T, stage: Stage[T, R]) -> R | Exception:
    try:
        return _together(uow, [item], stage)[0]
    except Exception as error:
        return error


Run = Callable[[Callable[[], list["R | Exception"]]], Awaitable[list["R | Exception"]]]
"""Runs a blocking call away from the event loop (on a worker thread) and awaits it."""


class Pipeline(Generic[T, R]):
    """Writes of concurrent callers on one event loop, delivered in batches.

    One writer delivers one batch at a time. Whatever has been waiting when it
    becomes free goes into its next batch, with no timer: a lone write goes at
    once, and under load each commit carries every write that queued during
    the one before. A caller that stops waiting (a dropped connection) does
    not take its write out of a batch already gathered.
    """

    def __init__(
        self,
        deliver: Callable[[Sequence[T]], list[R | Exception]],
        run: Run[R],
        *,
        most: int = BATCH_MOST,
        delivered: Callable[[int], None] | None = None,
    ) -> None:
        self._deliver = deliver
        self._run = run
        self._most = most
        self._delivered = delivered  # told each batch's size
        self._waiting: list[tuple[T, asyncio.Future[R]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def send(self, item: T) -> R:
        """``item`` stored, with the next batch; raises its refusal."""
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._waiting.append((item, future))
        if self._writer is None:
            self._writer = asyncio.create_task(self._write(), name="chat-batch-writer")
        return await future

    async def _write(self) -> None:
        try:
            while self._waiting:
                batch = self._waiting[: self._most]
                del self._waiting[: self._most]
                await self._write_batch(batch)
        finally:
            self._writer = None
            # Only when the loop is shutting down does anything remain.
            waiting, self._waiting = self._waiting, []
            _abandon(waiting)

    async def _write_batch(self, batch: list[tuple[T, asyncio.Future[R]]]) -> None:
        items = [item for item, _ in batch]
        try:
            outcomes = await self._run(partial(self._deliver, items))
        except Exception as error:
            outcomes = [error] * len(batch)
        except BaseException:  # cancelled: the batch's fate is unknown
            _abandon(batch)
            raise
        if self._delivered is not None:
            self._delivered(len(batch))
        for (_, future), outcome in zip(batch, outcomes, strict=True):
            if future.done():
                continue  # its caller stopped waiting
            if isinstance(outcome, Exception):
                future.set_exception(outcome)
            else:
                future.set_result(outcome)


def _abandon(waiting: list[tuple[T, asyncio.Future[R]]]) -> None:
    for _, future in waiting:
        if not future.done():
            future.set_exception(Unavailable("the server is shutting down"))
