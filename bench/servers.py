"""Server processes under test: the product and the baselines, all under one uvicorn setup."""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

import attrs

# The baselines hold as many connections per worker as the product does.
from adapters.sql.dialect import POOL_SIZE

ROOT = Path(__file__).resolve().parent.parent

# The product, served by `chat-server serve` itself (its settings from the environment).
PRODUCT_APP = "chat-server"
BASELINE_APPS = {
    "http": "bench.baselines:http_app",
    "write": "bench.baselines:write_app",
    "write-busy": "bench.baselines:write_app",
    "read-chats": "bench.baselines:read_app",
    "read-messages": "bench.baselines:read_app",
}


class ServerError(RuntimeError):
    """A server did not start, or died under load."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def server_command(app: str, port: int, workers: int) -> list[str]:
    """The same settings for every server: uvloop, httptools, no access log or Server
    header (as ``chat-server serve`` runs the product, uvloop and httptools by default)."""
    if app == PRODUCT_APP:
        chat_server = Path(sys.executable).with_name("chat-server")
        where = ["--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
        return [str(chat_server), "serve", *where]
    return [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        app,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--loop",
        "uvloop",
        "--http",
        "httptools",
        "--no-access-log",
        "--no-server-header",
        "--log-level",
        "warning",
    ]


@attrs.frozen
class Server:
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def alive(self) -> bool:
        return self.process.poll() is None


def _answers(port: int) -> bool:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        conn.request("GET", "/health/live")
        return conn.getresponse().status == 200
    except OSError:
        return False
    finally:
        conn.close()


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


@contextlib.contextmanager
def serve(app: str, *, workers: int, env: Mapping[str, str], log: Path) -> Iterator[Server]:
    """Start ``app`` under uvicorn in its own process group; stop it on exit."""
    port = free_port()
    full_env = {**os.environ, **env, "BENCH_POOL_SIZE": str(POOL_SIZE)}
    with log.open("wb") as out:
        process = subprocess.Popen(
            server_command(app, port, workers),
            cwd=ROOT,
            env=full_env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(process, port, log)
    try:
        deadline = time.monotonic() + 60
        while not _answers(port):
            if not server.alive() or time.monotonic() > deadline:
                tail = log.read_text(errors="replace")[-2000:]
                raise ServerError(f"{app} did not start on port {port}:\n{tail}")
            time.sleep(0.1)
        yield server
    finally:
        _stop(process)


def rss_bytes(pid: int) -> int:
    """Resident memory of ``pid`` and all its descendants (uvicorn's workers)."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                parents.setdefault(int(fields[1]), []).append(int(entry.name))
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        todo.extend(parents.get(current, ()))
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
    return total
