"""Starting and stopping the real ``chat-server`` process for end-to-end tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import attrs
import httpx2

from entrypoints.settings import OPTIONS

CHAT_SERVER = str(Path(sys.executable).with_name("chat-server"))
START_TIMEOUT_S = 30


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def server_environ(database_url: str, **extra: str) -> dict[str, str]:
    """The test's environment with only the settings under test (none of the developer's)."""
    settings = {option.env for option in OPTIONS}
    environ = {k: v for k, v in os.environ.items() if k not in settings}
    return environ | {"DATABASE_URL": database_url, "LOG_LEVEL": "info"} | extra


def migrate(database_url: str, cwd: Path) -> None:
    subprocess.run(
        [CHAT_SERVER, "migrate"],
        env=server_environ(database_url),
        cwd=cwd,
        check=True,
        capture_output=True,
        timeout=60,
    )


@attrs.define
class ServerProcess:
    """A ``chat-server serve`` process on a free port; its log goes to a file."""

    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def client(self) -> httpx2.Client:
        return httpx2.Client(base_url=self.url, timeout=10)

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"chat-server exited early:\n{self.output()}")
            try:
                if httpx2.get(f"{self.url}/health/ready", timeout=1).status_code == 200:
                    return
            except httpx2.TransportError:
                pass
            time.sleep(0.1)
        self.stop()
        raise AssertionError(f"chat-server was not ready in {START_TIMEOUT_S}s:\n{self.output()}")

    def stop(self) -> bool:
        """SIGTERM, as a process manager stops it; whether the server shut down cleanly."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                raise
        # uvicorn re-raises the signal it stopped for once it has shut down.
        exited = self.process.returncode in (0, -signal.SIGTERM)
        return exited and "Application shutdown complete" in self.output()


def launch(argv: list[str], *, port: int, cwd: Path, environ: dict[str, str]) -> ServerProcess:
    """Run ``argv`` (a server that will listen on ``port``) and wait until it is ready."""
    log = cwd / f"server-{port}.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            argv, env=environ, cwd=cwd, stdout=sink, stderr=subprocess.STDOUT
        )
    server = ServerProcess(process, port, log)
    server.wait_ready()
    return server


def start_server(database_url: str, cwd: Path, *flags: str, **environ: str) -> ServerProcess:
    """Start ``chat-server serve`` in ``cwd`` and wait until it is ready."""
    port = free_port()
    argv = [CHAT_SERVER, "serve", "--port", str(port), *flags]
    return launch(argv, port=port, cwd=cwd, environ=server_environ(database_url, **environ))
