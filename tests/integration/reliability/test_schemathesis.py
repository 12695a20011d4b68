"""Schemathesis against a live server's own ``/openapi.json`` (``make fuzz``).

It generates requests from the document (valid ones, and ones breaking each
of its rules), follows the document's links to reach real ids, and checks
every answer: never a 5xx, status, headers, content type and body as
documented. It runs as its own step, ``make fuzz`` (part of ``make test``),
bounded for CI; a plain ``pytest`` deselects it with the ``fuzz`` marker.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration.live.server import migrate, start_server

pytestmark = pytest.mark.fuzz
BACKENDS = ["empty_sqlite_url", pytest.param("empty_postgresql_url", marks=pytest.mark.postgres)]
SCHEMATHESIS = str(Path(sys.executable).with_name("st"))
CONFIG = Path(__file__).with_name("schemathesis.toml")
RUN_LIMIT_S = 150
"""A bound for a run that hangs, not a time budget: a PostgreSQL run took 35-46 s on
2026-12-03 (schemathesis' own CPU, on the machine's two cores, most of it), and
one after the whole suite on a fresh clone passed 50 s."""


@pytest.mark.timeout(RUN_LIMIT_S + 30)
@pytest.mark.parametrize("database", BACKENDS)
def test_every_answer_conforms_to_the_served_document(
    request: pytest.FixtureRequest, database: str, tmp_path: Path
) -> None:
    url: str = request.getfixturevalue(database)
    migrate(url, tmp_path)
    server = start_server(url, tmp_path)
    try:
        run = subprocess.run(
            [
                SCHEMATHESIS,
                f"--config-file={CONFIG}",
                "run",
                f"{server.url}/openapi.json",
                "--checks=all",
                "--max-examples=100",
                "--workers=2",
                "--request-timeout=10",
                "--no-color",
                # The live stream never ends, so no answer of it can be judged
                # here; its own tests cover it (tests/integration/live).
                "--exclude-path=/events",
            ],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=RUN_LIMIT_S,
            check=False,
        )
    finally:
        assert server.stop()
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    assert "passed" in run.stdout, run.stdout[-2000:]
