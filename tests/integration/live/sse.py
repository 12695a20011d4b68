"""A small server-sent-events client for the tests: frames read on a thread of its own."""

from __future__ import annotations

import json
import queue
import socket
import threading
from typing import Any

import attrs


@attrs.frozen
class Frame:
    """One frame of a stream: an event (with its id), or a comment, or ``retry``."""

    event: str | None = None
    id: str | None = None
    data: str | None = None
    comment: str | None = None
    retry: int | None = None

    @property
    def json(self) -> Any:
        assert self.data is not None
        return json.loads(self.data)


def parse(block: str) -> Frame:
    fields: dict[str, Any] = {}
    for line in block.split("\n"):
        if line.startswith(":"):
            fields["comment"] = line[1:].strip()
            continue
        name, _, value = line.partition(": ")
        if name == "retry":
            fields["retry"] = int(value)
        elif name in ("event", "id", "data"):
            fields[name] = value
    return Frame(**fields)


class Stream:
    """``GET /events`` on a raw socket (HTTP/1.1, or 1.0), its frames put on a queue."""

    def __init__(
        self, port: int, query: str, *, headers: dict[str, str] | None = None, version: str = "1.1"
    ) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        extra = "".join(f"{name}: {value}\r\n" for name, value in (headers or {}).items())
        request = f"GET /events?{query} HTTP/{version}\r\nHost: t\r\n{extra}\r\n"
        self.sock.sendall(request.encode())
        self.head = ""
        self.raw = b""
        self.frames: queue.Queue[Frame | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        buffer = b""
        try:
            while part := self.sock.recv(65536):
                self.raw += part
                buffer += part
                if not self.head:
                    if b"\r\n\r\n" not in buffer:
                        continue
                    head, _, buffer = buffer.partition(b"\r\n\r\n")
                    self.head = head.decode("latin-1").lower()
                    if "transfer-encoding: chunked" in self.head:
                        self._chunked = True
                buffer = self._frames(buffer)
        except OSError:
            pass
        finally:
            self.frames.put(None)  # the server ended the stream

    _chunked = False

    def _frames(self, buffer: bytes) -> bytes:
        text = buffer
        if self._chunked:  # keep only the chunks' payloads
            payload = b""
            while b"\r\n" in text:
                size_line, _, rest = text.partition(b"\r\n")
                size = int(size_line, 16)
                if len(rest) < size + 2:
                    break
                payload += rest[:size]
                text = rest[size + 2 :]
            self._pending = getattr(self, "_pending", b"") + payload
            blocks = self._pending.split(b"\n\n")
            self._pending = blocks.pop()
            for block in blocks:
                self.frames.put(parse(block.decode()))
            return text
        blocks = text.split(b"\n\n")
        for block in blocks[:-1]:
            self.frames.put(parse(block.decode()))
        return blocks[-1]

    def next(self, timeout: float = 10) -> Frame | None:
        """The next frame; ``None`` once the server ended the stream."""
        return self.frames.get(timeout=timeout)

    def events(self, count: int, timeout: float = 10) -> list[Frame]:
        """The next ``count`` events, skipping comments."""
        found: list[Frame] = []
        while len(found) < count:
            frame = self.next(timeout)
            assert frame is not None, f"the stream ended after {found}"
            if frame.event is not None:
                found.append(frame)
        return found

    def quiet(self, within_s: float = 0.5) -> bool:
        """Whether no event came within ``within_s``."""
        try:
            while True:
                frame = self.frames.get(timeout=within_s)
                if frame is None or frame.event is not None:
                    return False
        except queue.Empty:
            return True

    def close(self) -> None:
        self.sock.close()
