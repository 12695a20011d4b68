"""Dockerfile and compose.yaml run the commands the other tests run.

No Docker engine is at hand, so the image's own commands (its start command
and health check) are run here as the container would, outside it.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from tests.integration.live.server import ServerProcess, free_port, launch, server_environ

ROOT = Path(__file__).resolve().parents[3]
DOCKERFILE = (ROOT / "Dockerfile").read_text(encoding="utf-8")
COMPOSE = (ROOT / "compose.yaml").read_text(encoding="utf-8")


def _instruction(name: str) -> list[str]:
    """The exec-form arguments of the Dockerfile's (last) instruction ``name``."""
    joined = DOCKERFILE.replace("\\\n", " ")
    found = re.findall(rf"^{name}\b.*?(\[.*\])\s*$", joined, re.MULTILINE)
    assert found, f"no exec-form {name} in the Dockerfile"
    argv: list[str] = json.loads(found[-1])
    return argv


def test_the_image_runs_as_a_user_that_is_not_root() -> None:
    final_stage = DOCKERFILE.rsplit("\nFROM ", 1)[1]
    users = re.findall(r"^USER\s+(\S+)", final_stage, re.MULTILINE)
    assert users
    assert users[-1] not in ("root", "0")


def test_the_image_starts_as_make_run_does() -> None:
    command = _instruction("CMD")
    assert command == ["sh", "-c", "chat-server migrate && exec chat-server serve"]
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "chat-server migrate\n\texec $(BIN)/chat-server serve" in makefile


def test_the_image_command_and_health_check_work(tmp_path: Path) -> None:
    port = free_port()
    bin_dir = str(Path(sys.executable).parent)
    environ = server_environ(
        f"sqlite:///{tmp_path / 'chat.db'}",
        HOST="127.0.0.1",  # the image says 0.0.0.0; a test keeps to loopback
        RUNSERVER_PORT=str(port),
        PATH=bin_dir + os.pathsep + os.environ.get("PATH", ""),
    )
    server: ServerProcess = launch(_instruction("CMD"), port=port, cwd=tmp_path, environ=environ)
    try:
        check = _instruction("HEALTHCHECK")
        assert check[0] == "python"
        check[0] = sys.executable
        healthy = subprocess.run(check, env=environ, timeout=30, check=False)
        assert healthy.returncode == 0
    finally:
        assert server.stop()
    unhealthy = subprocess.run(check, env=environ, capture_output=True, timeout=30, check=False)
    assert unhealthy.returncode != 0


def test_compose_serves_on_9000_from_postgresql_15() -> None:
    assert re.search(r"^\s+image: postgres:15\s*$", COMPOSE, re.MULTILINE)
    assert re.search(r'^\s+- "9000:9000"\s*$', COMPOSE, re.MULTILINE)
    assert re.search(r"^\s+DATABASE_URL: postgresql://\S+@db:5432/chat\s*$", COMPOSE, re.MULTILINE)
    assert re.search(r"^\s+build: \.\s*$", COMPOSE, re.MULTILINE)  # so the image's CMD migrates
    assert "condition: service_healthy" in COMPOSE
