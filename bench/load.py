"""The load generator: wrk with keep-alive connections, driven by bench/lua/driver.lua."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import attrs

DRIVER = Path(__file__).with_name("lua") / "driver.lua"
_MARK = "BENCH_RESULT "


class LoadError(RuntimeError):
    """wrk could not run, or printed no result."""


@attrs.frozen
class LoadResult:
    """One wrk run: throughput, latency percentiles (ms) and every kind of failure."""

    requests: int
    duration_s: float
    failed: int  # non-2xx/3xx answers, connect/read/write errors and timeouts
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float

    @property
    def rps(self) -> float:
        """Successful requests per second."""
        return (self.requests - self.failed) / self.duration_s if self.duration_s else 0.0


def ensure_wrk() -> str:
    """wrk's path, installing Debian's package first when it is missing."""
    found = shutil.which("wrk")
    if found:
        return found
    print("wrk is missing; installing Debian's package (apt-get install wrk)", flush=True)
    for args in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "wrk"]):
        done = subprocess.run(args, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise LoadError(f"could not install wrk ({' '.join(args)}): {done.stderr.strip()}")
    found = shutil.which("wrk")
    if not found:
        raise LoadError("wrk is still missing after apt-get install wrk")
    return found


def parse(output: str) -> LoadResult:
    for line in output.splitlines():
        if line.startswith(_MARK):
            data = json.loads(line[len(_MARK) :])
            break
    else:
        raise LoadError(f"wrk printed no result:\n{output}")
    errors = data["errors"]
    latency = data["latency_us"]
    return LoadResult(
        requests=data["requests"],
        duration_s=data["duration_us"] / 1e6,
        failed=errors["status"]
        + errors["connect"]
        + errors["read"]
        + errors["write"]
        + errors["timeout"],
        p50_ms=latency["p50"] / 1000,
        p95_ms=latency["p95"] / 1000,
        p99_ms=latency["p99"] / 1000,
        max_ms=latency["max"] / 1000,
    )


def run(
    wrk: str,
    url: str,
    method: str,
    handles: Path,
    tag: str,
    *,
    connections: int,
    duration_s: float,
) -> LoadResult:
    """Drive ``method`` at ``url`` with ``connections`` keep-alive clients for ``duration_s``.

    One wrk thread is enough at these rates and leaves the two cores to the
    server and the database.
    """
    args = [
        wrk,
        "-t1",
        f"-c{connections}",
        f"-d{max(duration_s, 1):.0f}s",
        "--timeout",
        "30s",
        "-s",
        str(DRIVER),
        url,
        "--",
        method,
        str(handles),
        tag,
    ]
    done = subprocess.run(
        args, capture_output=True, text=True, check=False, timeout=duration_s + 60
    )
    if done.returncode != 0:
        raise LoadError(f"wrk failed ({done.returncode}): {done.stderr.strip()}")
    return parse(done.stdout)
