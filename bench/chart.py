"""The run as a PNG: throughput beside the ceilings, and each method's ratio to its ceiling."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display: the bench runs headless

import matplotlib.pyplot as plt

from bench.plan import METHODS
from bench.report import BASELINE, Report, order


def draw(report: Report, path: Path, *, main: str) -> Path:
    """Left: req/s of ``main``'s methods and ceilings per connection count.
    Right: each configuration's ratio to its ceiling at each measured concurrency."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(15, 6))
    ours = [m for m in report.measurements if m.target == main]
    subjects = list(dict.fromkeys(m.subject for m in sorted(ours, key=order)))
    conns = sorted({m.connections for m in ours})
    width = 0.8 / max(len(conns), 1)
    for i, c in enumerate(conns):
        values = [
            (m.result.rps if (m := report.find(main, s, c)) is not None else 0.0) for s in subjects
        ]
        positions = [x + i * width for x in range(len(subjects))]
        left.bar(positions, values, width, label=f"{c} connections")
    left.set_xticks([x + width * (len(conns) - 1) / 2 for x in range(len(subjects))])
    left.set_xticklabels([s.removeprefix(BASELINE) for s in subjects], rotation=30, ha="right")
    left.set_yscale("log")  # reads of 1,000 rows and a constant answer differ 100-fold
    left.set_ylabel("requests per second (log)")
    left.set_title(f"{main}: methods and ceilings")
    left.legend()

    series = sorted({(m.target, m.connections) for m in report.measurements if not m.is_baseline})
    width = 0.8 / max(len(series), 1)
    for i, (target, c) in enumerate(series):
        ratios = []
        for method in METHODS:
            m = report.find(target, method, c)
            ratio = report.ratio(m) if m is not None else None
            ratios.append(ratio or 0.0)
        right.bar(
            [x + i * width for x in range(len(METHODS))], ratios, width, label=f"{target} c{c}"
        )
    right.axhline(0.8, color="red", linestyle="--", linewidth=1)
    right.axhline(0.7, color="orange", linestyle="--", linewidth=1)
    right.set_xticks([x + width * (len(series) - 1) / 2 for x in range(len(METHODS))])
    right.set_xticklabels(METHODS, rotation=30, ha="right")
    right.set_ylabel("ratio to ceiling (same run)")
    right.set_title("methods / their ceiling (targets: 0.8 send, 0.7 others)")
    right.legend(fontsize="small")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
