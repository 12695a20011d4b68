"""Client-side deadlines for PostgreSQL, so an outage answers in seconds, not minutes.

libpq waits on its socket without a limit once connected: if the database
host stops answering (a partition, a dead load balancer, packets silently
dropped) a query waits for TCP to give up, which takes minutes. PostgreSQL's
own ``statement_timeout`` cannot help, since the server never sees the query.

psycopg2 lets the application do the waiting instead (a "wait callback",
the hook coroutine libraries use). Ours waits as libpq would, but gives each
round trip (connecting, one statement, a commit) a deadline; when it passes,
the socket is shut down, libpq reports the connection lost, and SQLAlchemy
discards it and treats the error as a disconnect. The callback is
process-wide; only connections made by ``TimedConnection`` (the service's
engine) get deadlines, any other psycopg2 connection waits as before. Each
limit is on the database's silence, not on a round trip's length: a large
answer arriving slowly on a busy machine is not cut off.
"""

from __future__ import annotations

import contextlib
import select
import socket
import threading
import time
from collections.abc import Iterator

import psycopg2
import psycopg2.extensions as pg

CONNECT_DEADLINE_S = 0.8
"""Longest wait to open a connection (TCP, TLS and authentication together)."""

ROUND_TRIP_DEADLINE_S = 1.4
"""Longest silence while waiting for the answer to one statement or commit.

An unreachable database is noticed within one round trip, or one round trip
and one connection attempt (2.2 s), inside the 3 s the contract's clients
are promised an answer in, with room for a busy machine.
"""

_unbounded = threading.local()
_POLL_OK, _POLL_READ, _POLL_WRITE = pg.POLL_OK, pg.POLL_READ, pg.POLL_WRITE


class TimedConnection(pg.connection):
    """A psycopg2 connection whose every wait has a deadline."""

    connect_deadline_s: float = CONNECT_DEADLINE_S
    round_trip_deadline_s: float = ROUND_TRIP_DEADLINE_S
    connected = False


@contextlib.contextmanager
def without_deadlines() -> Iterator[None]:
    """Let this thread's statements take as long as they need (schema migrations).

    Connecting keeps its deadline: an unreachable database still fails fast.
    """
    _unbounded.active = True
    try:
        yield
    finally:
        _unbounded.active = False


def _deadline_for(connection: pg.connection) -> float | None:
    if not isinstance(connection, TimedConnection):
        return None
    if not connection.connected:
        return connection.connect_deadline_s
    if getattr(_unbounded, "active", False):
        return None
    return connection.round_trip_deadline_s


def _abandon(fd: int) -> None:
    # Shut the socket down without closing its descriptor (libpq still owns
    # it): libpq's next read sees the connection gone and says so.
    with socket.socket(fileno=socket.dup(fd)) as sock, contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


def _ready(fd: int, state: int, timeout: float | None) -> bool:
    """Whether the socket became ready for what libpq waits on within ``timeout``."""
    if state == _POLL_READ:
        return bool(select.select((fd,), (), (), timeout)[0])
    if state == _POLL_WRITE:
        return bool(select.select((), (fd,), (), timeout)[1])
    raise psycopg2.OperationalError(f"unexpected poll state {state}")  # pragma: no cover


def wait_with_deadline(connection: pg.connection) -> None:
    """psycopg2's wait callback: ``psycopg2.extras.wait_select`` with a deadline."""
    # The callback runs on every round trip. When the answer is already in,
    # the first poll finishes it: no deadline to compute, no select to make.
    abandoned = False
    limit: float | None = None
    try:
        state = connection.poll()
        if state == _POLL_OK:
            if isinstance(connection, TimedConnection):
                connection.connected = True
            return
        limit = remaining = _deadline_for(connection)
        deadline = None if limit is None else time.monotonic() + limit
        fd = connection.fileno()
        while True:
            ready = _ready(fd, state, remaining)
            if deadline is not None and not ready:
                _abandon(fd)
                abandoned, deadline = True, None  # libpq now fails at once
            elif deadline is not None and limit is not None:
                # The database is talking: the limit is on its silence, not on
                # how long a large answer takes to arrive on a busy machine.
                deadline = time.monotonic() + limit
            state = connection.poll()
            if state == _POLL_OK:
                if isinstance(connection, TimedConnection):
                    connection.connected = True
                return
            # libpq may swap sockets while connecting (another address to try).
            fd = connection.fileno()
            remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
    except psycopg2.OperationalError as error:
        if abandoned:
            raise psycopg2.OperationalError(
                f"the database did not answer within {limit} s; the connection was dropped"
            ) from error
        raise
    except KeyboardInterrupt:
        connection.cancel()
        raise


def install() -> None:
    """Make psycopg2 wait through ``wait_with_deadline`` (idempotent)."""
    if pg.get_wait_callback() is not wait_with_deadline:
        pg.set_wait_callback(wait_with_deadline)
