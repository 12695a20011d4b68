"""``python -m bench [--smoke]``: run the benchmark, print and save its results.

Exits non-zero when any request failed or a server did not start, so
``make bench-smoke`` in CI catches a harness (or a product) that broke. Missed
performance targets are reported, never a failure: on a shared machine
timing is evidence for a person, not a test.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench import chart, results, runner
from bench.plan import FULL, SMOKE
from bench.report import summary, table, verdicts

RESULTS = Path(__file__).with_name("results")


def _log(message: str) -> None:
    print(message, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="tiny data, a second per run (CI)")
    parser.add_argument("--out", type=Path, default=RESULTS, help="where results are written")
    args = parser.parse_args(argv)
    plan = SMOKE if args.smoke else FULL
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="chat-bench-") as tmp:
        report = runner.run(plan, Path(tmp), _log)
    seconds = time.monotonic() - started
    main_target = plan.targets[0].label
    found = verdicts(report, main=main_target, small=plan.small, conns=plan.focus_connections)
    print(table(report))
    print(summary(report, found))
    stem = f"{datetime.now(UTC):%Y-%m-%dT%H%M%S}-{plan.name}"
    document = results.to_json(plan, report, found, seconds)
    json_path = results.write(args.out, stem, document)
    png_path = chart.draw(report, args.out / f"{stem}.png", main=main_target)
    print(f"\nwrote {json_path} and {png_path}; {plan.name} run took {seconds:.0f} s")
    failed = report.failures()
    for m in failed:
        print(f"FAILED: {m.target} {m.subject} c={m.connections}: {m.result.failed} requests")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
