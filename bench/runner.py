"""One benchmark run: seed each database once, then measure every server on it."""

from __future__ import annotations

import contextlib
import itertools
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from sqlalchemy import make_url

from bench import batches, databases, load, memory, profile
from bench.dataset import Dataset
from bench.plan import (
    BASELINE_LOADS,
    CEILING_OF,
    PAGE_CONNECTIONS,
    PAGES,
    SENDS,
    DataShape,
    Plan,
    Target,
)
from bench.report import BASELINE, Measurement, Report
from bench.servers import BASELINE_APPS, PRODUCT_APP, Server, serve

Log = Callable[[str], None]


class Session:
    """What every measurement of a run shares: wrk, the data, a tag per load run."""

    def __init__(self, plan: Plan, workdir: Path, log: Log) -> None:
        self.plan = plan
        self.workdir = workdir
        self.log = log
        self.wrk = load.ensure_wrk()
        self.report = Report()
        self._tags = itertools.count()
        self._run_id = format(int(time.time()), "x")

    def tag(self) -> str:
        return f"{self._run_id}{next(self._tags)}"

    def measure(
        self, target: Target, subject: str, method: str, url: str, connections: int
    ) -> None:
        """Drive ``method`` at ``url`` with ``connections`` clients; record it as ``subject``."""
        sends = subject in SENDS  # the product's sends: their batch sizes too
        before = batches.scrape(url) if sends else None
        result = load.run(
            self.wrk,
            url,
            method,
            self.handles(target),
            self.tag(),
            connections=connections,
            duration_s=self.plan.duration_s,
        )
        self.report.measurements.append(
            Measurement(
                target.label,
                target.backend,
                target.data.name,
                target.workers,
                subject,
                connections,
                result,
                None if before is None else batches.scrape(url).minus(before),
            )
        )
        failed = f", {result.failed} FAILED" if result.failed else ""
        self.log(
            f"{target.label:12} {subject:24} c={connections:<4} {result.rps:8.0f} req/s"
            f"  p99 {result.p99_ms:7.2f} ms{failed}"
        )

    def handles(self, target: Target) -> Path:
        return self.workdir / f"handles-{target.data.name}.txt"

    def warm_up(self, target: Target, url: str, method: str) -> None:
        load.run(
            self.wrk, url, method, self.handles(target), self.tag(), connections=8, duration_s=1
        )


def _measure(session: Session, target: Target, db_url: str, data: Dataset) -> None:
    """Every method of ``target``, each run right after its ceiling's run at the same
    concurrency, so that a neighbour's load on the shared machine hits both alike."""
    # Warnings only: the request log is an access log, and every server runs without one.
    product_env = {"DATABASE_URL": db_url, "LOG_LEVEL": "warning"}
    logs = session.workdir
    with serve(
        PRODUCT_APP, workers=target.workers, env=product_env, log=logs / f"{target.label}.log"
    ) as product:
        session.warm_up(target, product.url, "messages/get")
        unpaired = list(target.methods)
        for name in target.baselines:
            paired = [m for m in target.methods if CEILING_OF[m] == name]
            unpaired = [m for m in unpaired if m not in paired]
            load_of = BASELINE_LOADS[name]
            log = logs / f"{target.label}-{name}.log"
            env = {"BENCH_DSN": db_url}
            with serve(BASELINE_APPS[name], workers=target.workers, env=env, log=log) as ceiling:
                session.warm_up(target, ceiling.url, load_of)
                for connections in target.connections:
                    session.measure(target, BASELINE + name, load_of, ceiling.url, connections)
                    for method in paired:
                        session.measure(target, method, method, product.url, connections)
        for method in unpaired:
            for connections in target.connections:
                session.measure(target, method, method, product.url, connections)
        for connections in target.page_connections:
            for page in PAGES:
                at = min(connections, PAGE_CONNECTIONS.get(page, connections))
                session.measure(target, page, page, product.url, at)
        for method in target.profiled:
            _profile(session, target, product, db_url, method)
        if target.memory_probe:
            result = memory.probe(product, data.handles().big_chat)
            session.report.memory[f"{target.label}, {target.data.name} data"] = result
            session.log(
                f"{target.label:12} memory: {result.messages} messages,"
                f" RSS +{result.growth_mb:.1f} MB"
            )


def _profile(session: Session, target: Target, product: Server, db_url: str, method: str) -> None:
    """Where ``method``'s CPU goes at the focus concurrency; a failure to sample is reported."""
    key = f"{target.label} {method}"
    seconds = max(session.plan.duration_s, 3)

    def drive() -> load.LoadResult:
        return load.run(
            session.wrk,
            product.url,
            method,
            session.handles(target),
            session.tag(),
            connections=session.plan.focus_connections,
            duration_s=seconds,
        )

    try:
        found = profile.profile(
            product.process.pid,
            str(make_url(db_url).database),
            drive,
            seconds=seconds,
            out=session.workdir / f"{target.label}-{method.replace('/', '-')}.raw",
        )
    except (RuntimeError, OSError, subprocess.SubprocessError) as error:
        session.report.profiles[key] = str(error)
        session.log(f"{target.label:12} {method:24} not profiled: {error}")
        return
    session.report.profiles[key] = found
    session.log(f"{target.label:12} {method:24} {found.describe()}")


@contextlib.contextmanager
def _database(session: Session, backend: str, data: Dataset) -> Iterator[str]:
    if backend == "postgresql":
        with databases.postgres(data, session.log) as url:
            yield url
    else:
        with databases.sqlite(data, session.workdir, session.log) as url:
            yield url


def run(plan: Plan, workdir: Path, log: Log) -> Report:
    session = Session(plan, workdir, log)
    groups: dict[tuple[str, DataShape], list[Target]] = {}
    for target in plan.targets:
        groups.setdefault((target.backend, target.data), []).append(target)
    datasets = {shape.name: Dataset(shape) for shape in plan.shapes}
    for (backend, shape), targets in groups.items():
        data = datasets[shape.name]
        handles = workdir / f"handles-{shape.name}.txt"
        data.handles().write(handles)
        with _database(session, backend, data) as url:
            # The pages start in the middle of their chats, at messages only the database
            # knows the ids of.
            found = data.handles()
            with handles.open("a", encoding="utf-8") as lines:
                for kind, chat in (
                    ("page_middle", found.page_chat),
                    ("big_middle", found.big_chat),
                ):
                    lines.write(f"{kind} {databases.middle_message(url, chat)}\n")
            for target in targets:
                _measure(session, target, url, data)
    return session.report
