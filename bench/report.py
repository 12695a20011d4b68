"""Measurements, their ratios to the ceilings measured in the same run, and the targets."""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from bench.batches import BatchSizes
from bench.load import LoadResult
from bench.memory import MemoryResult
from bench.plan import CEILING_OF, METHODS, PAGES, SENDS, SQLITE_READS_BEFORE
from bench.profile import CpuProfile

BASELINE = "baseline:"


@attrs.frozen
class Measurement:
    target: str  # the server configuration's label, e.g. "pg-1w"
    backend: str
    data: str
    workers: int
    subject: str  # a method ("messages/add") or a ceiling ("baseline:write")
    connections: int
    result: LoadResult
    batches: BatchSizes | None = None  # the send pipeline's, for the product's sends

    @property
    def is_baseline(self) -> bool:
        return self.subject.startswith(BASELINE)


@attrs.frozen
class Verdict:
    goal: str
    measured: str
    holds: bool


@attrs.define
class Report:
    measurements: list[Measurement] = attrs.field(factory=list)
    memory: dict[str, MemoryResult] = attrs.field(factory=dict)
    profiles: dict[str, CpuProfile | str] = attrs.field(factory=dict)  # or why not sampled

    def find(self, target: str, subject: str, connections: int) -> Measurement | None:
        for m in self.measurements:
            if (m.target, m.subject, m.connections) == (target, subject, connections):
                return m
        return None

    def ceiling(self, m: Measurement, name: str) -> Measurement | None:
        """The ceiling ``name`` measured with ``m``'s workers and connections.

        Targets without their own baselines (other data, SQLite) are compared
        with the PostgreSQL ceilings of the same worker count.
        """
        subject = BASELINE + name
        own = self.find(m.target, subject, m.connections)
        if own is not None:
            return own
        for other in self.measurements:
            if (other.subject, other.workers, other.connections) == (
                subject,
                m.workers,
                m.connections,
            ):
                return other
        return None

    def ratio(self, m: Measurement, name: str | None = None) -> float | None:
        """``m``'s throughput over its ceiling's (its own kind unless ``name`` is given)."""
        if m.is_baseline:
            return None
        ceiling = self.ceiling(m, name or CEILING_OF[m.subject])
        if ceiling is None or ceiling.result.rps == 0:
            return None
        return m.result.rps / ceiling.result.rps

    def failures(self) -> list[Measurement]:
        return [m for m in self.measurements if m.result.failed]


def _at_least(report: Report, method: str, share: float, target: str, conns: int) -> Verdict:
    m = report.find(target, method, conns)
    ratio = None if m is None else report.ratio(m)
    ceiling = CEILING_OF[method]
    measured = "not measured" if ratio is None else f"{ratio:.2f}x"
    return Verdict(
        f"{method} >= {share}x the {ceiling} ceiling ({target}, {conns} connections)",
        measured,
        ratio is not None and ratio >= share,
    )


def verdicts(report: Report, *, main: str, small: str | None, conns: int) -> list[Verdict]:
    """The issue's targets, each with what this run measured on ``main`` at ``conns``."""
    found = [
        _at_least(report, "messages/add-busy", 1.0, main, conns),
        _at_least(report, "messages/add", 1.2, main, conns),
        _at_least(report, "users/add", 0.8, main, conns),
        _at_least(report, "chats/add", 0.8, main, conns),
        _at_least(report, "messages/get", 3.0, main, conns),
        _at_least(report, "chats/get", 3.0, main, conns),
    ]
    for method in SENDS:
        send = report.find(main, method, conns)
        if send is not None:
            p99 = send.result.p99_ms
            found.append(Verdict(f"{method} p99 < 25 ms", f"{p99:.1f} ms", p99 < 25))
    listed = report.find(main, "messages/get", conns)
    if listed is not None:
        p99 = listed.result.p99_ms
        found.append(Verdict("messages/get (1,000) p99 < 100 ms", f"{p99:.1f} ms", p99 < 100))
    for page in ("messages/page", "messages/before"):
        m = report.find(main, page, conns)
        http = None if m is None else report.ratio(m, "http")
        measured = "not measured" if http is None else f"{http:.2f}x"
        goal = f"{page} (50) >= 0.25x the http ceiling ({main}, {conns} connections)"
        found.append(Verdict(goal, measured, http is not None and http >= 0.25))
    found += _sqlite_reads(report, conns)
    for method in ("messages/add", "chats/get", "messages/get") if small else ():
        big, few = report.find(main, method, conns), report.find(str(small), method, conns)
        if big is None or few is None or big.result.rps == 0:
            continue
        cost = few.result.rps / big.result.rps  # time per request, large over small data
        goal = f"{method}: cost on {main} within 1.5x of {small} (same result size)"
        found.append(Verdict(goal, f"{cost:.2f}x", cost <= 1.5))
    for label, mem in report.memory.items():
        goal = f"/messages/get of {mem.messages} messages grows RSS < 50 MB ({label})"
        found.append(Verdict(goal, f"{mem.growth_mb:.1f} MB", mem.growth_mb < 50))
    found += _flat_pages(report, main)
    return found


def _sqlite_reads(report: Report, conns: int) -> list[Verdict]:
    """SQLite's lists against what they answered before they were read as documents."""
    found = []
    for method, before in SQLITE_READS_BEFORE.items():
        for m in report.measurements:
            if m.backend == "sqlite" and m.subject == method and m.connections == conns:
                gain = m.result.rps / before
                goal = f"{method} on SQLite ({m.target}) >= 2x the {before:.0f} req/s of before"
                found.append(Verdict(goal, f"{gain:.1f}x ({m.result.rps:.0f} req/s)", gain >= 2))
    return found


def _flat_pages(report: Report, main: str) -> list[Verdict]:
    """A 50-message page costs the same in the big chat as in the 1,000-message one."""
    found = []
    for kind in ("page", "before", "after"):
        pages = [m for m in report.measurements if m.target == main]
        for few in (m for m in pages if m.subject == f"messages/{kind}"):
            big = report.find(main, f"messages/{kind}-big", few.connections)
            if big is None or big.result.rps == 0:
                continue
            cost = few.result.rps / big.result.rps
            goal = (
                f"a 50-message page ({kind}) of the big chat costs within 1.5x of one of the"
                f" 1,000-message chat ({main}, {few.connections} connections)"
            )
            found.append(Verdict(goal, f"{cost:.2f}x", cost <= 1.5))
    return found


def pages(report: Report) -> list[str]:
    """The 50-item pages beside the bare HTTP ceiling, and a crowded user's chat page."""
    lines = ["", "== pages of 50"]
    for m in report.measurements:
        if m.subject not in PAGES:
            continue
        http = report.ratio(m, "http")
        share = "" if http is None else f", {http:.2f}x the HTTP ceiling"
        lines.append(
            f"{m.target} c={m.connections} {m.subject}: {m.result.rps:.0f} req/s,"
            f" p50 {m.result.p50_ms:.2f} ms, p99 {m.result.p99_ms:.2f} ms{share}"
        )
        if m.subject == "chats/page-crowded":
            busy = report.find(m.target, "chats/page", m.connections)
            if busy is not None and m.result.rps:
                cost = busy.result.rps / m.result.rps
                lines.append(f"  a crowded user's page costs {cost:.1f}x the 1,000-chat user's")
    return lines


def sends(report: Report) -> list[str]:
    """Each run of the sends beside its ceiling, and the batches the pipeline wrote."""
    lines = ["", "== sends (the pipeline's batches per run)"]
    for m in report.measurements:
        if m.subject not in SENDS:
            continue
        ratio = report.ratio(m)
        share = "" if ratio is None else f", {ratio:.2f}x its ceiling"
        lines.append(
            f"{m.target} c={m.connections} {m.subject}: {m.result.rps:.0f} req/s,"
            f" p50 {m.result.p50_ms:.2f} ms, p99 {m.result.p99_ms:.2f} ms{share}"
        )
        if m.batches is not None:
            lines.append(f"  {m.batches.describe()}")
    return lines


def _row(cells: Sequence[str], widths: Sequence[int]) -> str:
    return "  ".join(
        c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))
    )


def order(m: Measurement) -> tuple[int, str, int]:
    """Methods in the contract's order, then the ceilings; each by concurrency."""
    rank = METHODS.index(m.subject) if m.subject in METHODS else len(METHODS)
    return (rank, m.subject, m.connections)


def table(report: Report) -> str:
    """Every measurement with its ratios, one block per server configuration."""
    head = ("subject", "conns", "req/s", "p50 ms", "p95 ms", "p99 ms", "failed", "ratio", "vs http")
    widths = (22, 5, 9, 8, 8, 8, 7, 6, 7)
    lines: list[str] = []
    for target in dict.fromkeys(m.target for m in report.measurements):
        first = next(m for m in report.measurements if m.target == target)
        lines.append(
            f"\n== {target}: {first.backend}, {first.data} data, {first.workers} worker(s)"
        )
        lines.append(_row(head, widths))
        for m in sorted((m for m in report.measurements if m.target == target), key=order):
            r = m.result
            ratio, http = report.ratio(m), report.ratio(m, "http")
            lines.append(
                _row(
                    (
                        m.subject,
                        str(m.connections),
                        f"{r.rps:.0f}",
                        f"{r.p50_ms:.2f}",
                        f"{r.p95_ms:.2f}",
                        f"{r.p99_ms:.2f}",
                        str(r.failed),
                        "" if ratio is None else f"{ratio:.2f}",
                        "" if http is None else f"{http:.2f}",
                    ),
                    widths,
                )
            )
    return "\n".join(lines)


def summary(report: Report, found: Sequence[Verdict]) -> str:
    lines = ["", "== memory"]
    for label, mem in report.memory.items():
        lines.append(
            f"{label}: {mem.messages} messages, {mem.body_bytes / 2**20:.1f} MiB in"
            f" {mem.seconds:.2f} s; RSS {mem.rss_before_mb:.0f} -> {mem.rss_peak_mb:.0f} MB"
            f" (+{mem.growth_mb:.1f} MB)"
        )
    lines += sends(report)
    lines += pages(report)
    lines += ["", "== where a request's CPU goes (py-spy, one worker)"]
    for key, sampled in report.profiles.items():
        lines.append(f"{key}: {sampled if isinstance(sampled, str) else sampled.describe()}")
    lines += ["", "== targets"]
    lines += [f"[{'ok' if v.holds else 'MISS'}] {v.goal}: {v.measured}" for v in found]
    return "\n".join(lines)
