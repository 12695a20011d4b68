"""Writing a run down: the machine it ran on and everything measured, as JSON."""

from __future__ import annotations

import json
import os
import platform
import subprocess
from collections.abc import Sequence
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

import attrs

from bench.plan import Plan
from bench.profile import CpuProfile
from bench.report import Report, Verdict

_PACKAGES = ("starlette", "uvicorn", "uvloop", "httptools", "sqlalchemy", "psycopg2-binary")


def machine() -> dict[str, Any]:
    """What a reader needs to compare two runs' absolute numbers (ratios need nothing)."""
    pg = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-tAc", "show server_version"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    meminfo = Path("/proc/meminfo").read_text().split()
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "memory_gib": round(int(meminfo[1]) / 2**20, 1),
        "python": platform.python_version(),
        "postgresql": pg or "unknown",
        "packages": {name: version(name) for name in _PACKAGES},
    }


def to_json(plan: Plan, report: Report, found: Sequence[Verdict], seconds: float) -> dict[str, Any]:
    rows = []
    for m in report.measurements:
        row = attrs.asdict(m)
        row["result"]["rps"] = round(m.result.rps, 1)
        row["ratio_to_ceiling"] = report.ratio(m)
        row["ratio_to_http"] = report.ratio(m, "http")
        rows.append(row)
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "plan": attrs.asdict(plan),
        "machine": machine(),
        "seconds": round(seconds, 1),
        "measurements": rows,
        "memory": {
            label: {**attrs.asdict(mem), "growth_mb": mem.growth_mb}
            for label, mem in report.memory.items()
        },
        "profiles": {
            key: found
            if isinstance(found, str)
            else {**attrs.asdict(found), "python_share": found.python_share}
            for key, found in report.profiles.items()
        },
        "targets": [attrs.asdict(v) for v in found],
    }


def _profile(sampled: CpuProfile | str) -> Any:
    if isinstance(sampled, str):
        return {"not_sampled": sampled}
    return {**attrs.asdict(sampled), "python_share": round(sampled.python_share, 3)}


def write(out_dir: Path, stem: str, document: dict[str, Any]) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{stem}.json"
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return path
