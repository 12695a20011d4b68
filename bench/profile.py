"""Where a request's CPU goes: the server's, PostgreSQL's, and the share that is Python.

While wrk drives one method, py-spy samples the one-worker server (``--gil``:
only while a thread holds the GIL, so the samples count the time spent in
Python and in C called from it, not in the database's waits or the
kernel), and the CPU time of the server process and of the database's
backends is read from ``/proc`` before and after. The run is a separate
one, after the measured run: sampling slows the server a little.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import attrs

from bench.load import LoadResult

_RATE = 100  # samples a second
_TICKS = 100  # os.sysconf("SC_CLK_TCK") on Linux


@attrs.frozen
class CpuProfile:
    requests: int
    server_cpu_s: float
    database_cpu_s: float
    gil_s: float  # time a thread of the server held the GIL, from py-spy's samples

    def per_request_us(self, seconds: float) -> float:
        return 1e6 * seconds / max(self.requests, 1)

    @property
    def python_share(self) -> float:
        return min(1.0, self.gil_s / self.server_cpu_s) if self.server_cpu_s else 0.0

    def describe(self) -> str:
        return (
            f"server {self.per_request_us(self.server_cpu_s):.0f} us a request"
            f" ({self.python_share:.0%} of it holding the GIL: Python, and C called from it),"
            f" PostgreSQL {self.per_request_us(self.database_cpu_s):.0f} us"
        )


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS  # utime, stime


def _backends(database: str) -> list[int]:
    """The PostgreSQL backends serving ``database`` (their titles name it)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            title = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if title.startswith(b"postgres: ") and f" {database} ".encode() in title:
            found.append(int(entry.name))
    return found


def _total(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        with contextlib.suppress(OSError):  # a backend that ended meanwhile
            total += _cpu_seconds(pid)
    return total


def py_spy() -> str | None:
    found = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    return found if Path(found).exists() else None


def profile(
    pid: int, database: str, drive: Callable[[], LoadResult], *, seconds: float, out: Path
) -> CpuProfile:
    """Sample the server ``pid`` for ``seconds`` while ``drive`` loads it as long."""
    spy = py_spy()
    if spy is None:
        raise RuntimeError("py-spy is not installed (pip install py-spy)")
    backends = _backends(database)
    before = (_cpu_seconds(pid), _total(backends))
    sampling = ["--gil", "--nonblocking", "-r", str(_RATE), "-d", f"{seconds:.0f}"]
    sampler = subprocess.Popen(
        [spy, "record", *sampling, "-f", "raw", "-o", str(out), "-p", str(pid)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    result = drive()
    after = (_cpu_seconds(pid), _total(backends))
    _, errors = sampler.communicate(timeout=60)
    if sampler.returncode != 0 or not out.exists():
        raise RuntimeError(f"py-spy failed: {errors.decode(errors='replace').strip()[-300:]}")
    samples = sum(int(line.rsplit(" ", 1)[1]) for line in out.read_text().splitlines() if line)
    return CpuProfile(
        requests=result.requests,
        server_cpu_s=after[0] - before[0],
        database_cpu_s=after[1] - before[1],
        gil_s=samples / _RATE,
    )
