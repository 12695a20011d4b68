"""A TCP proxy a test owns, to take a database away from the service and give it back.

It listens on 127.0.0.1 (a free port) and forwards every connection to a
target, by default the shared PostgreSQL server, which is never touched
itself. Two ways to fail, as networks do:

- ``cut("refuse")``: open connections are reset and new ones refused, as when
  the database host is up but the server is down.
- ``cut("stall")``: open connections stop carrying bytes and new ones are
  accepted but never answered, as when packets are silently dropped. Without
  timeouts of its own a client waits on TCP's defaults (minutes) here.

``restore()`` lets traffic through again. Stalled connections that the
client has not given up on meanwhile resume where they stopped.
"""

from __future__ import annotations

import contextlib
import selectors
import socket
import struct
import threading
from collections.abc import Callable
from types import TracebackType
from typing import Literal, Self

Fault = Literal["refuse", "stall"]
_CHUNK = 64 * 1024
_TICK = 0.05


def _reset(sock: socket.socket) -> None:
    """Close with an RST rather than a FIN, as a crashed peer would."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    with contextlib.suppress(OSError):
        sock.close()


class _Pipe:
    """One client connection and its twin to the target, pumped by one thread."""

    def __init__(self, proxy: TcpProxy, client: socket.socket) -> None:
        self.proxy = proxy
        self.client = client
        self.upstream: socket.socket | None = None
        self.closed = threading.Event()
        self.thread = threading.Thread(target=self._run, name="tcp-proxy-pipe", daemon=True)

    def _run(self) -> None:
        try:
            self._wait_while_stalled()
            if self.closed.is_set():
                return
            self.upstream = socket.create_connection(self.proxy.target, timeout=5)
            self._pump()
        except (OSError, ValueError):
            # ValueError: a cut closed the sockets while this thread still set them
            # up (a selector refuses a closed socket).
            pass
        finally:
            self.close()

    def _wait_while_stalled(self) -> None:
        while self.proxy.fault == "stall" and not self.closed.is_set():
            self.closed.wait(_TICK)

    def _pump(self) -> None:
        assert self.upstream is not None
        peers = {self.client: self.upstream, self.upstream: self.client}
        with selectors.DefaultSelector() as selector:
            for sock in peers:
                sock.setblocking(True)
                selector.register(sock, selectors.EVENT_READ)
            while not self.closed.is_set():
                # While stalled, nothing is read: bytes pile up in the kernel's
                # buffers and both ends see a silent network.
                self._wait_while_stalled()
                for key, _ in selector.select(_TICK):
                    if self.proxy.fault == "stall":
                        break
                    source: socket.socket = key.fileobj  # type: ignore[assignment]
                    data = source.recv(_CHUNK)
                    if not data:
                        return
                    peers[source].sendall(data)

    def close(self, *, reset: bool = False) -> None:
        self.closed.set()
        for sock in (self.client, self.upstream):
            if sock is None:
                continue
            if reset:
                _reset(sock)
            else:
                with contextlib.suppress(OSError):
                    sock.close()
        self.proxy._forget(self)


class TcpProxy:
    """Forward 127.0.0.1:``port`` to ``target`` until told to fail."""

    def __init__(self, target: tuple[str, int] = ("127.0.0.1", 5432)) -> None:
        self.target = target
        self.fault: Fault | None = None
        self.port = 0
        self._pipes: set[_Pipe] = set()
        self._lock = threading.Lock()
        self._listener: socket.socket | None = None
        self._stopping = threading.Event()
        self._acceptor: threading.Thread | None = None

    @property
    def address(self) -> tuple[str, int]:
        return ("127.0.0.1", self.port)

    def start(self) -> Self:
        self._listen()
        self._acceptor = threading.Thread(target=self._accept, name="tcp-proxy", daemon=True)
        self._acceptor.start()
        return self

    def _listen(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        listener.settimeout(_TICK)
        self.port = listener.getsockname()[1]
        self._listener = listener

    def _accept(self) -> None:
        # Only this thread opens and closes the listener, so a cut never
        # closes a socket another thread is waiting on.
        while not self._stopping.is_set():
            if self.fault == "refuse" and self._listener is not None:
                self._listener.close()
                self._listener = None
            elif self.fault != "refuse" and self._listener is None:
                self._listen()
            if self._listener is None:
                self._stopping.wait(_TICK)
                continue
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            pipe = _Pipe(self, client)
            with self._lock:
                self._pipes.add(pipe)
            pipe.thread.start()

    def _forget(self, pipe: _Pipe) -> None:
        with self._lock:
            self._pipes.discard(pipe)

    @property
    def open_connections(self) -> int:
        with self._lock:
            return len(self._pipes)

    def cut(self, fault: Fault = "refuse") -> None:
        """Take the target away: ``refuse`` connections, or ``stall`` them silently."""
        self.fault = fault
        if fault == "refuse":
            self._settle(lambda: self._listener is None)
            with self._lock:
                pipes = list(self._pipes)
            for pipe in pipes:
                pipe.close(reset=True)

    def restore(self) -> None:
        """Let traffic through again, on the same port."""
        self.fault = None
        self._settle(lambda: self._listener is not None)

    def _settle(self, done: Callable[[], bool]) -> None:
        for _ in range(100):
            if done():
                return
            self._stopping.wait(_TICK / 5)
        raise RuntimeError("the proxy's listener did not follow the fault in time")

    def close(self) -> None:
        self._stopping.set()
        if self._acceptor is not None:
            self._acceptor.join(timeout=5)
        if self._listener is not None:
            self._listener.close()
            self._listener = None
        with self._lock:
            pipes = list(self._pipes)
        for pipe in pipes:
            pipe.close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
