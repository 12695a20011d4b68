"""The outage tests' proxy fails the way it claims to, shown on a local echo server."""

from __future__ import annotations

import contextlib
import socket
import socketserver
import threading
from collections.abc import Iterator

import pytest

from tests.integration.reliability.tcp_proxy import TcpProxy


class _Echo(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        with contextlib.suppress(OSError):
            while data := self.request.recv(1024):
                self.request.sendall(data)


@pytest.fixture
def proxy() -> Iterator[TcpProxy]:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Echo)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        with TcpProxy(target=server.server_address[:2]) as tcp_proxy:  # type: ignore[arg-type]
            yield tcp_proxy
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def connect(proxy: TcpProxy) -> socket.socket:
    return socket.create_connection(proxy.address, timeout=1)


def echo(sock: socket.socket, data: bytes = b"ping") -> bytes:
    sock.sendall(data)
    return sock.recv(1024)


def test_forwarded_bytes_come_back(proxy: TcpProxy) -> None:
    with connect(proxy) as sock:
        assert echo(sock) == b"ping"


def test_refuse_resets_open_connections_and_refuses_new_ones(proxy: TcpProxy) -> None:
    with connect(proxy) as sock:
        assert echo(sock) == b"ping"
        proxy.cut("refuse")
        with pytest.raises(ConnectionResetError):
            echo(sock)
    with pytest.raises(ConnectionRefusedError):
        connect(proxy)
    proxy.restore()
    with connect(proxy) as sock:
        assert echo(sock, b"back") == b"back"


def test_stall_holds_bytes_silently_then_resumes(proxy: TcpProxy) -> None:
    with connect(proxy) as sock:
        assert echo(sock) == b"ping"
        proxy.cut("stall")
        with pytest.raises(TimeoutError):
            echo(sock, b"held")
        # Accepted, as a silent network does, but never answered.
        with connect(proxy) as fresh, pytest.raises(TimeoutError):
            echo(fresh)
        proxy.restore()
        assert sock.recv(1024) == b"held"
