"""Prometheus metrics: what is measured, and the ``/metrics`` endpoint.

Requests by API method (the route's path, e.g. ``/users/add``), HTTP verb
and status; latency per API method; error answers by their problem
``code``; requests in flight; database connections in use; the sizes of the
send pipeline's batches. The middleware
that feeds them from every request is ``entrypoints.http.middleware.exchange``.

Several server processes (``WORKERS`` > 1) share one directory of
memory-mapped files, so any worker answering a scrape reports the whole
server. The directory is handed in by the composition root; it must be empty
when the server starts (see ``prepare_multiprocess_dir``).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    values,
)
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


def prepare_multiprocess_dir(path: str | os.PathLike[str]) -> Path:
    """Create the shared metrics directory and empty it; call once before starting workers."""
    directory = Path(path)
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("*.db"):
        stale.unlink()
    return directory


def _use_multiprocess_storage(directory: Path) -> None:
    # prometheus-client chooses where metric values live when it is first
    # imported, from PROMETHEUS_MULTIPROC_DIR, and its file-backed values read
    # that variable for their file names. The directory comes from our
    # settings instead, so switch the storage here, before any metric exists.
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(directory)
    if not getattr(values.ValueClass, "_multiprocess", False):
        values.ValueClass = values.MultiProcessValue()  # type: ignore[no-untyped-call]


class Metrics:
    """The service's metrics and the registry a scrape reads them from."""

    def __init__(
        self,
        *,
        multiprocess_dir: str | os.PathLike[str] | None = None,
        pool_in_use: Callable[[], int] | None = None,
    ) -> None:
        self.multiprocess_dir = None if multiprocess_dir is None else Path(multiprocess_dir)
        self.registry = CollectorRegistry()
        owner: CollectorRegistry | None = self.registry
        if self.multiprocess_dir is not None:
            _use_multiprocess_storage(self.multiprocess_dir)
            MultiProcessCollector(self.registry, path=str(self.multiprocess_dir))  # type: ignore[no-untyped-call]
            # In multi-process mode the collector reads every worker's files;
            # registering the metrics too would report this worker twice.
            owner = None
        self.requests = Counter(
            "chat_http_requests",
            "Requests answered, by API method (route path), HTTP verb and status.",
            ["path", "method", "status"],
            registry=owner,
        )
        self.latency = Histogram(
            "chat_http_request_duration_seconds",
            "Time from receiving a request to finishing its answer, by API method.",
            ["path", "method"],
            registry=owner,
        )
        self.errors = Counter(
            "chat_http_errors",
            "Error answers (problem+json), by their stable code.",
            ["code"],
            registry=owner,
        )
        self.in_flight = Gauge(
            "chat_http_requests_in_flight",
            "Requests being handled now.",
            registry=owner,
            multiprocess_mode="livesum",
        )
        self.pool_gauge = Gauge(
            "chat_db_pool_connections_in_use",
            "Database connections checked out of the pool.",
            registry=owner,
            multiprocess_mode="livesum",
        )
        self.send_batches = Histogram(
            "chat_send_batch_size",
            "Sends written together with one commit, per batch.",
            buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256),
            registry=owner,
        )
        self.streams = Gauge(
            "chat_streams_open",
            "Live streams (GET /events) open now.",
            registry=owner,
            multiprocess_mode="livesum",
        )
        self.stream_events = Counter(
            "chat_stream_events",
            "Events written to live streams (one per stream it went to).",
            registry=owner,
        )
        self._pool_in_use = pool_in_use
        self._pool_sampled: int | None = None

    def sample_pool(self) -> None:
        # Sampled rather than computed at scrape time (prometheus-client's
        # set_function does not work across processes). Samples are taken as
        # every request starts and ends, so an idle worker's value is exact.
        # Only a change is written: setting the gauge takes its lock (and, with
        # several workers, writes a shared file) on every request otherwise.
        if self._pool_in_use is not None:
            in_use = self._pool_in_use()
            if in_use != self._pool_sampled:
                self._pool_sampled = in_use
                self.pool_gauge.set(in_use)

    def exposition(self) -> bytes:
        """The current metrics in Prometheus' text format."""
        self.sample_pool()
        return generate_latest(self.registry)

    def endpoint(self, request: Request) -> Response:
        """``GET /metrics``; a plain function, so reading the files runs off the event loop."""
        return Response(self.exposition(), media_type=CONTENT_TYPE_LATEST)

    def route(self, path: str = "/metrics") -> Route:
        return Route(path, self.endpoint, methods=["GET"], include_in_schema=False)

    def close(self) -> None:
        """Drop this process's live gauges from the shared directory (on shutdown)."""
        if self.multiprocess_dir is not None:
            mark_process_dead(os.getpid(), str(self.multiprocess_dir))  # type: ignore[no-untyped-call]
