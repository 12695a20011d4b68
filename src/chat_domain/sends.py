"""Sends delivered together: many messages in one unit of work, one commit (group commit).

``deliver`` is the one way messages are stored, alone or many at once; each
message keeps its own answer. ``SendPipeline`` gathers the sends of
concurrent callers on an event loop into such batches, one batch at a time.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from functools import partial

from chat_domain.errors import ClientMsgIdReused, Unavailable
from chat_domain.model import Message, Sent
from chat_domain.ports import UnitOfWorkFactory

Outcome = Sent | Exception
"""What became of one send: what it stored, or why not."""

BATCH_MOST = 256
"""Sends per batch at most: one statement's worth of rows, and one commit's."""


def replay(original: Message, message: Message) -> Outcome:
    """The answer to ``message``, sent with the key that stored ``original``: the
    original as a replay for the same text, else ``ClientMsgIdReused``."""
    if original.text == message.text:
        return Sent(original, replayed=True)
    return ClientMsgIdReused(original.client_msg_id or "", original.id)


def deliver(uow: UnitOfWorkFactory, messages: Sequence[Message]) -> list[Outcome]:
    """Store ``messages`` in one unit of work with one commit; an outcome for each.

    A refusal (not a member, a reused key) is that message's own outcome. A
    batch that fails as a whole for another reason is sent again one message
    at a time, so that a message that breaks a batch fails alone and never
    fails the others. Not when the database is away: then every message fails
    with ``Unavailable`` and none is retried, since a commit whose answer was
    lost may have stored them.
    """
    if len(messages) > 1:
        try:
            return _together(uow, messages)
        except Unavailable:
            raise
        except Exception:  # each alone, below, finds the one at fault
            pass
    return [_alone(uow, message) for message in messages]


def _together(uow: UnitOfWorkFactory, messages: Sequence[Message]) -> list[Outcome]:
    with uow() as unit:
        stored = [unit.messages.append(message) for message in messages]
        unit.commit()
    return [each.outcome for each in stored]


def _alone(uow: UnitOfWorkFactory, message: Message) -> Outcome:
    try:
        return _together(uow, [message])[0]
    except Exception as error:
        return error


Run = Callable[[Callable[[], list[Outcome]]], Awaitable[list[Outcome]]]
"""Runs a blocking call away from the event loop (on a worker thread) and awaits it."""


class SendPipeline:
    """Sends of concurrent callers on one event loop, delivered in batches.

    One writer delivers one batch at a time. Whatever has been waiting when it
    becomes free goes into its next batch, with no timer: a lone send goes at
    once, and under load each commit carries every send that queued during the
    one before. A caller that stops waiting (a dropped connection) does not
    take its send out of a batch already gathered.
    """

    def __init__(
        self,
        deliver: Callable[[Sequence[Message]], list[Outcome]],
        run: Run,
        *,
        most: int = BATCH_MOST,
        delivered: Callable[[int], None] | None = None,
    ) -> None:
        self._deliver = deliver
        self._run = run
        self._most = most
        self._delivered = delivered  # told each batch's size
        self._waiting: list[tuple[Message, asyncio.Future[Sent]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def send(self, message: Message) -> Sent:
        """``message`` stored, with the next batch; raises its refusal."""
        future: asyncio.Future[Sent] = asyncio.get_running_loop().create_future()
        self._waiting.append((message, future))
        if self._writer is None:
            self._writer = asyncio.create_task(self._write(), name="chat-send-writer")
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

    async def _write_batch(self, batch: list[tuple[Message, asyncio.Future[Sent]]]) -> None:
        messages = [message for message, _ in batch]
        try:
            outcomes = await self._run(partial(self._deliver, messages))
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


def _abandon(waiting: list[tuple[Message, asyncio.Future[Sent]]]) -> None:
    for _, future in waiting:
        if not future.done():
            future.set_exception(Unavailable("the server is shutting down"))
