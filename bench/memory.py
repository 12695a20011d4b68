"""The memory probe: fetch the biggest chat whole while watching the server's RSS."""

from __future__ import annotations

import http.client
import json
import threading
import time

import attrs

from bench.servers import Server, rss_bytes

_CHUNK = 1 << 16


@attrs.frozen
class MemoryResult:
    messages: int  # how many the answer held
    body_bytes: int
    seconds: float  # for one whole answer
    rss_before_mb: float
    rss_peak_mb: float

    @property
    def growth_mb(self) -> float:
        return self.rss_peak_mb - self.rss_before_mb


class _Sampler(threading.Thread):
    """Polls the server's RSS every few milliseconds and keeps the peak."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self._pid = pid
        self._stop_event = threading.Event()
        self.peak = rss_bytes(pid)

    def run(self) -> None:
        while not self._stop_event.wait(0.005):
            self.peak = max(self.peak, rss_bytes(self._pid))

    def stop(self) -> int:
        self._stop_event.set()
        self.join()
        return self.peak


def _fetch(server: Server, chat: str) -> bytes:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
    try:
        conn.request("POST", "/messages/get", body=json.dumps({"chat": chat}))
        response = conn.getresponse()
        parts = []
        while chunk := response.read(_CHUNK):
            parts.append(chunk)
        if response.status != 200:
            raise RuntimeError(f"/messages/get of the big chat answered {response.status}")
        return b"".join(parts)
    finally:
        conn.close()


def probe(server: Server, chat: str, *, repeat: int = 2) -> MemoryResult:
    """Fetch ``chat``'s whole list ``repeat`` times; peak RSS against RSS before the first.

    Run it on a server that has already served the load runs, so its RSS
    before is that of a warm server, and all growth is the big answer's.
    """
    before = rss_bytes(server.process.pid)
    sampler = _Sampler(server.process.pid)
    sampler.start()
    started = time.monotonic()
    body = b""
    try:
        for _ in range(repeat):
            body = _fetch(server, chat)
    finally:
        peak = sampler.stop()
    seconds = (time.monotonic() - started) / repeat
    return MemoryResult(
        messages=len(json.loads(body)),
        body_bytes=len(body),
        seconds=seconds,
        rss_before_mb=before / 2**20,
        rss_peak_mb=peak / 2**20,
    )
