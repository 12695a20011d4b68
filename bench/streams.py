"""``python -m bench.streams [--smoke]``: the live stream's targets (issue 12), on PostgreSQL.

One client process (asyncio, raw sockets) opens the streams, sends through
a few kept-alive connections and times each message from its ``201`` to its
arrival on every stream it goes to, on one monotonic clock. The server runs
as ``chat-server serve`` with one worker, or two processes on one database
(streams on one, sends through the other). Numbers are evidence for a
person: on this 2-core machine the client competes with the server for CPU.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import re
import sys
import tempfile
import time
from collections.abc import Awaitable, Iterator
from pathlib import Path

import attrs

from bench.databases import empty_postgres
from bench.servers import PRODUCT_APP, Server, rss_bytes, serve


@attrs.frozen
class Sizes:
    idle: int  # idle streams on one worker
    fan_members: int  # members (each a stream) of the chat one message fans out to
    fan_sends: int
    spread_streams: int  # streams over spread_chats chats
    spread_chats: int
    spread_rate: int  # sends per second
    spread_seconds: float


FULL = Sizes(10_000, 1000, 50, 2000, 100, 200, 10.0)
SMOKE = Sizes(200, 50, 5, 100, 10, 50, 1.0)


class Http:
    """A few kept-alive HTTP/1.1 connections for the sends and set-up."""

    def __init__(self, port: int, size: int = 4) -> None:
        self._port, self._size = port, size
        self._free: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] | None = None

    async def post(self, path: str, body: object) -> tuple[int, dict[str, object], float]:
        if self._free is None:
            self._free = asyncio.Queue()
            for _ in range(self._size):
                self._free.put_nowait(await asyncio.open_connection("127.0.0.1", self._port))
        reader, writer = await self._free.get()
        try:
            data = json.dumps(body).encode()
            head = f"POST {path} HTTP/1.1\r\nHost: b\r\nContent-Length: {len(data)}\r\n\r\n"
            writer.write(head.encode() + data)
            status_line = await reader.readline()
            if not status_line:
                # The server closed this kept-alive connection while it sat idle
                # (its keep-alive timeout) before reading the request: send it anew.
                writer.close()
                reader, writer = await asyncio.open_connection("127.0.0.1", self._port)
                writer.write(head.encode() + data)
                status_line = await reader.readline()
            length = 0
            while (line := await reader.readline()) != b"\r\n":
                if not line:
                    raise ConnectionError(f"the server closed the connection mid-answer to {path}")
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            answer = json.loads(await reader.readexactly(length))
            return int(status_line.split()[1]), answer, time.monotonic()
        finally:
            self._free.put_nowait((reader, writer))


# A message event's whole data line (a chat event has no author after its id).
_MESSAGE_ID = re.compile(rb'\ndata: \{"id":"([0-9a-f-]{36})","chat":"[^"]*","author"[^\n]*\n')


class Streams:
    """Open ``GET /events`` streams; when each message arrives on each."""

    def __init__(self) -> None:
        self.arrivals: dict[str, list[float]] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._writers: list[asyncio.StreamWriter] = []

    async def open(self, port: int, users: list[str], *, at_once: int = 200) -> None:
        for start in range(0, len(users), at_once):
            opened = await asyncio.gather(
                *(self._open(port, u) for u in users[start : start + at_once])
            )
            self._tasks.extend(opened)

    async def _open(self, port: int, user: str) -> asyncio.Task[None]:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(f"GET /events?user={user} HTTP/1.1\r\nHost: b\r\n\r\n".encode())
        status = await reader.readline()
        if b" 200 " not in status:
            raise RuntimeError(f"a stream did not open: {status!r}")
        while await reader.readline() != b"\r\n":
            pass
        self._writers.append(writer)
        return asyncio.create_task(self._read(reader))

    async def _read(self, reader: asyncio.StreamReader) -> None:
        # Whole chunks, not lines: at 10,000 deliveries a second a line at a
        # time costs this client more than the server spends sending them.
        tail = b""
        while chunk := await reader.read(65536):
            now = time.monotonic()
            data = tail + chunk
            for found in _MESSAGE_ID.finditer(data):
                self.arrivals.setdefault(found[1].decode(), []).append(now)
            # Keep the last line's start, its newline included, for the next chunk.
            tail = data[max(0, data.rfind(b"\n")) :]

    async def close(self) -> None:
        for writer in self._writers:
            writer.close()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)


def _say(message: str) -> None:
    print(f"  {message}", file=sys.stderr, flush=True)


def _p(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return (
        ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000
        if ordered
        else float("nan")
    )


async def _users(http: Http, count: int, prefix: str) -> list[str]:
    made = await asyncio.gather(
        *(http.post("/users/add", {"username": f"{prefix}{n}"}) for n in range(count))
    )
    assert all(status == 201 for status, _, _ in made), made[:3]
    return [str(answer["id"]) for _, answer, _ in made]


async def _chat(http: Http, name: str, members: list[str]) -> str:
    status, answer, _ = await http.post("/chats/add", {"name": name, "users": members})
    assert status == 201, answer
    return str(answer["id"])


async def _latencies(
    http: Http, streams: Streams, sends: list[tuple[str, str]], rate: float, fanout: dict[str, int]
) -> tuple[list[float], int]:
    """Send ``(chat, author)`` pairs at ``rate`` per second; every delivery's latency."""
    sent: list[tuple[str, float, int]] = []

    async def one(chat: str, author: str) -> None:
        status, answer, at = await http.post(
            "/messages/add", {"chat": chat, "author": author, "text": "bench"}
        )
        assert status == 201, answer
        sent.append((str(answer["id"]), at, fanout[chat]))

    started = time.monotonic()
    pending = []
    for n, (chat, author) in enumerate(sends):
        await asyncio.sleep(max(0.0, started + n / rate - time.monotonic()))
        pending.append(asyncio.create_task(one(chat, author)))
    await asyncio.gather(*pending)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(
        len(streams.arrivals.get(i, ())) < want for i, _, want in sent
    ):
        await asyncio.sleep(0.05)
    # An event may arrive before its 201 is read: that counts as no wait at all.
    latencies = [max(0.0, t - at) for i, at, _ in sent for t in streams.arrivals.get(i, ())]
    missing = sum(want - len(streams.arrivals.get(i, ())) for i, _, want in sent)
    return latencies, missing


async def _timed(
    what: str, target_ms: float, streams: Streams, timing: Awaitable[tuple[list[float], int]]
) -> str:
    """``timing`` (a ``_latencies`` run) awaited and the streams closed; the line
    saying how it went against a p99 target."""
    latencies, missing = await timing
    await streams.close()
    p99 = _p(latencies, 0.99)
    held = p99 < target_ms and not missing
    return (
        f"{what}: p50 {_p(latencies, 0.5):.1f} ms, p99 {p99:.1f} ms, missing {missing}"
        f" -> target p99 < {target_ms:.0f} ms: {'holds' if held else 'MISSES'}"
    )


@contextlib.contextmanager
def _servers(url: str, count: int, tmp: Path) -> Iterator[list[Server]]:
    with contextlib.ExitStack() as stack:
        yield [
            stack.enter_context(
                serve(PRODUCT_APP, workers=1, env={"DATABASE_URL": url}, log=tmp / f"s{n}.log")
            )
            for n in range(count)
        ]


async def _idle(server: Server, sizes: Sizes, log: list[str]) -> None:
    http = Http(server.port)
    before = rss_bytes(server.process.pid)
    users = await _users(http, 100, "idle")
    streams = Streams()
    opening = time.monotonic()
    await streams.open(server.port, [users[n % len(users)] for n in range(sizes.idle)])
    opened_s = time.monotonic() - opening
    _say(f"idle: {sizes.idle} streams open after {opened_s:.1f} s")
    await asyncio.sleep(2)
    rss = rss_bytes(server.process.pid)
    chat = await _chat(http, "idle-room", users[:2])
    times = []
    for n in range(100):
        status, _, _ = await http.post(
            "/messages/add", {"chat": chat, "author": users[0], "text": f"{n}"}
        )
        t0 = time.monotonic()
        listed, _, t1 = await http.post("/chats/get", {"user": users[1]})
        assert (status, listed) == (201, 200)
        times.append(t1 - t0)
    _say("idle: sent and listed meanwhile")
    await streams.close()
    log.append(
        f"idle: {sizes.idle} streams opened in {opened_s:.1f} s; server RSS {rss / 2**20:.0f} MB"
        f" ({before / 2**20:.0f} MB before); meanwhile /chats/get p99 {_p(times, 0.99):.1f} ms"
        f" -> target <= 500 MB: {'holds' if rss <= 500 * 2**20 else 'MISSES'}"
    )


async def _fan(stream_server: Server, send_server: Server, sizes: Sizes, log: list[str]) -> None:
    http = Http(send_server.port)
    members = await _users(http, sizes.fan_members, "fan")
    chat = await _chat(http, "fan-room", members)
    streams = Streams()
    await streams.open(stream_server.port, members)
    sends = [(chat, members[n % len(members)]) for n in range(sizes.fan_sends)]
    what = f"fan-out: {sizes.fan_sends} sends to one chat of {len(members)} members, each a stream"
    timing = _latencies(http, streams, sends, 10, {chat: len(members)})
    log.append(await _timed(what, 250, streams, timing))


async def _spread(
    stream_server: Server, send_server: Server, sizes: Sizes, log: list[str], label: str
) -> None:
    http = Http(send_server.port, size=8)
    users = await _users(http, sizes.spread_streams, f"spread{len(label)}-")
    per_chat = sizes.spread_streams // sizes.spread_chats
    chats = [
        await _chat(http, f"spread{len(label)}-{n}", users[n * per_chat : (n + 1) * per_chat])
        for n in range(sizes.spread_chats)
    ]
    streams = Streams()
    await streams.open(stream_server.port, users)
    count = int(sizes.spread_rate * sizes.spread_seconds)
    sends = [(chats[n % len(chats)], users[(n % len(chats)) * per_chat]) for n in range(count)]
    what = (
        f"spread{label}: {sizes.spread_rate} sends/s over {len(chats)} chats, {len(users)} streams"
    )
    timing = _latencies(http, streams, sends, sizes.spread_rate, dict.fromkeys(chats, per_chat))
    log.append(await _timed(what, 100, streams, timing))


def run(sizes: Sizes) -> list[str]:
    log: list[str] = []
    # The client shares the machine with the server: the faster loop keeps its
    # own cost out of the latencies, as the server uses it too.
    with contextlib.suppress(ImportError):
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    with (
        tempfile.TemporaryDirectory(prefix="chat-bench-streams-") as tmp,
        empty_postgres("chat_bench_streams") as url,
        _servers(url, 2, Path(tmp)) as (one, two),
    ):
        asyncio.run(_idle(one, sizes, log))
        asyncio.run(_fan(one, one, sizes, log))
        asyncio.run(_spread(one, one, sizes, log, ""))
        asyncio.run(_spread(one, two, sizes, log, " across 2 processes"))
    return log


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.streams", description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="a few streams, for CI")
    args = parser.parse_args(argv)
    started = time.monotonic()
    lines = run(SMOKE if args.smoke else FULL)
    print("\n".join(["live stream (PostgreSQL, one worker per process):", *lines]))
    print(f"streams run took {time.monotonic() - started:.0f} s")
    return 1 if any("missing 0" not in line and "missing" in line for line in lines) else 0


if __name__ == "__main__":
    sys.exit(main())
