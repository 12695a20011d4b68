"""The live stream of one process: one reader, fanned out in memory to every stream.

A process has one ``EventHub``. Its reader waits to be woken (by this
process's own writes, by other processes through ``Wakeups``, or by its
timer), reads every event that is new since its position once, on the API's
threads, and offers each to the open streams of the chat's members. A stream
(``Subscription``) costs its task and a bounded queue while it waits: no
thread and no database connection. A stream first replays what its client
missed since the position it gives (at most ``REPLAY_MOST`` events; more is a
reset), and takes the reader's events from there on, each once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, Generic, TypeVar

from chat_domain import rules
from chat_domain.errors import Unavailable, UserNotFound
from chat_domain.events import Event, Position
from chat_domain.ports import UnitOfWorkFactory, Wakeups
from chat_domain.subscriptions import Opened, Subscription

T = TypeVar("T")
log = logging.getLogger("chat.events")
Run = Callable[..., Awaitable[Any]]  # runs a function and its arguments on the API's threads

REPLAY_MOST = 1000
"""Events a stream replays on opening; a client that missed more is told to reset."""
READ_MOST = 1000
"""Events the reader takes per read."""
MEMBERS_KEPT = 10_000
"""Chats whose members the reader keeps (members never change once a chat exists)."""
OPEN_WAIT_S = 3.0
"""How long a stream waits to open for the reader's first read (the database away)."""
RETRY_S = 1.0
"""How long the reader waits to read again after the database did not answer."""


async def in_threads(function: Callable[..., T], *arguments: object) -> T:
    """A ``Run`` for callers without a thread pool of their own: asyncio's."""
    return await asyncio.to_thread(function, *arguments)


class EventHub(Generic[T]):
    """The process's reader; ``encode`` turns an event into what a stream sends."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        run: Run,
        encode: Callable[[Event], T],
        *,
        wakeups: Wakeups | None = None,
        every_s: float = 5.0,
    ) -> None:
        self._uow = uow
        self._run = run
        self._encode = encode
        self._wakeups = wakeups
        self._every_s = every_s  # read at least this often, whatever wakes it
        self._woken = asyncio.Event()
        self._subs: dict[str, set[Subscription[T]]] = {}
        self._members: dict[str, tuple[str, ...]] = {}
        self._tasks: list[asyncio.Task[None]] = []
        # The reader's first position is its first horizon: a stream may open only
        # after it, so that the reader never passes an event a stream still needs.
        self._placed = asyncio.Event()
        self._opening = 0  # streams waiting for the reader to be placed
        self.told = 0  # events offered to streams, for the metrics

    @property
    def open_streams(self) -> int:
        return sum(len(subs) for subs in self._subs.values())

    def start(self) -> None:
        self._tasks.append(asyncio.create_task(self._read_forever(), name="chat-events-reader"))
        if self._wakeups is not None:
            self._tasks.append(asyncio.create_task(self._wakeups.run(self.wake), name="chat-wake"))

    async def close(self) -> None:
        for subs in self._subs.values():
            for sub in subs:
                sub.end("the server is stopping")
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()

    def wake(self) -> None:
        """Another process may have written: read what is new."""
        self._woken.set()

    def wrote(self) -> None:
        """This process wrote: read it, and wake the other processes."""
        self._woken.set()
        if self._wakeups is not None:
            self._wakeups.announce()

    async def open(self, user: object, after: object = None) -> tuple[Subscription[T], Opened[T]]:
        """A stream of ``user``'s events after the position ``after`` (a token a
        stream handed out), or from now on; ``UserNotFound`` for nobody."""
        user_id = rules.parse_id(user, "user")
        position = None if after is None else Position.parse(after, "after")
        self._opening += 1
        if not self._placed.is_set():
            self._woken.set()  # an idle reader places itself now
        try:
            async with asyncio.timeout(OPEN_WAIT_S):
                await self._placed.wait()
        except TimeoutError:
            raise Unavailable("the database cannot be reached; try again shortly") from None
        finally:
            self._opening -= 1
        sub: Subscription[T] = Subscription(user_id)
        self._subs.setdefault(user_id, set()).add(sub)  # before reading: nothing falls between
        try:
            replay, reset, last = await self._run(self._catch_up, user_id, position)
        except BaseException:
            self.leave(sub)
            raise
        sub.last = last
        return sub, Opened([self._encode(event) for event in replay], reset)

    def leave(self, sub: Subscription[T]) -> None:
        subs = self._subs.get(sub.user)
        if subs is not None:
            subs.discard(sub)
            if not subs:
                del self._subs[sub.user]

    async def events(self, user: object, after: object = None) -> AsyncIterator[T | None]:
        """The stream as an async iterator: ``None`` stands for a reset."""
        sub, opened = await self.open(user, after)
        try:
            if opened.reset:
                yield None
            for item in opened.replay:
                yield item
            while True:
                yield await sub.next()
        finally:
            self.leave(sub)

    def _catch_up(self, user: str, after: Position | None) -> tuple[list[Event], bool, Position]:
        with self._uow() as uow:
            if uow.users.missing([user]):
                raise UserNotFound([user], field="user")
            below = uow.events.horizon()
            now = Position.boundary(below)
            if after is None:
                return [], False, now
            events = uow.events.read(after, below, user=user, limit=REPLAY_MOST + 1)
        if len(events) > REPLAY_MOST:
            return [], True, now
        return events, False, max(after, now)

    async def _read_forever(self) -> None:
        position: Position | None = None
        while True:
            if not self._subs and not self._opening:
                # No stream to tell: read nothing (a send then costs no read) until
                # one opens, and place the reader afresh for it then.
                position = None
                self._placed.clear()
                self._woken.clear()
                await self._woken.wait()
                continue
            # Cleared before the read, not after: a write told while it reads may
            # have missed it, and then wakes the next read at once.
            self._woken.clear()
            try:
                events, members, below = await self._run(self._read_new, position)
            except Unavailable:
                await asyncio.sleep(RETRY_S)  # the streams stay open meanwhile
                continue
            except Exception:
                log.exception("the live stream's reader failed; it reads again shortly")
                await asyncio.sleep(RETRY_S)
                continue
            self._tell(events, members)
            now = Position.boundary(below)
            position = events[-1].position if events else max(position or now, now)
            self._placed.set()
            if len(events) == READ_MOST:
                continue  # more are waiting
            try:
                async with asyncio.timeout(self._every_s):
                    await self._woken.wait()
            except TimeoutError:
                pass

    def _read_new(
        self, position: Position | None
    ) -> tuple[list[Event], dict[str, tuple[str, ...]], int]:
        with self._uow() as uow:
            below = uow.events.horizon()
            if position is None:
                return [], {}, below  # the first read: from now on
            events = uow.events.read(position, below, limit=READ_MOST)
            unknown = sorted(
                {e.chat_id for e in events if e.message and e.chat_id not in self._members}
            )
            return events, uow.events.members(unknown) if unknown else {}, below

    def _tell(self, events: list[Event], members: dict[str, tuple[str, ...]]) -> None:
        for chat_id, users in members.items():
            self._remember(chat_id, users)
        for event in events:
            if event.chat is not None:
                self._remember(event.chat.id, event.chat.users)
            item: T | None = None  # encoded once, if any stream takes it
            for user in self._members.get(event.chat_id, ()):
                for sub in self._subs.get(user, ()):
                    if item is None:
                        item = self._encode(event)
                    sub.offer(event.position, item)
                    self.told += 1

    def _remember(self, chat_id: str, users: tuple[str, ...]) -> None:
        if chat_id not in self._members and len(self._members) >= MEMBERS_KEPT:
            del self._members[next(iter(self._members))]  # the longest kept
        self._members[chat_id] = users
