"""Running the HTTP app under uvicorn, in one process or several.

uvicorn is handed an import string and a factory rather than an app: with
``WORKERS`` > 1 it starts fresh processes that each import and build their
own app (and database pool). The settings reach them through the
environment, written by ``export_settings`` before uvicorn starts.
"""

from __future__ import annotations

import functools
import logging
import shutil
import tempfile
from collections.abc import Callable

import attrs
import uvicorn
from sqlalchemy import Engine, QueuePool
from starlette.applications import Starlette

from adapters.migrate import schema_is_current
from chat_domain.errors import Unavailable
from entrypoints.bootstrap import bootstrap, open_database
from entrypoints.http import create_app
from entrypoints.logs import configure_logging, logging_config
from entrypoints.metrics import Metrics, prepare_multiprocess_dir
from entrypoints.settings import Settings, export_settings, load_settings

log = logging.getLogger("chat.server")
FACTORY = f"{__name__}:app_from_environment"
# Seconds that open requests get to finish once the server is told to stop.
GRACEFUL_SHUTDOWN_S = 10


def build_app(settings: Settings) -> Starlette:
    """The app over the database that ``settings`` name (no connection is made yet)."""
    database = open_database(settings.database_url)
    try:
        if not schema_is_current(database.engine):
            log.warning(
                "the database schema is not current;"
                " requests will fail until `chat-server migrate` has run"
            )
    except Unavailable:
        log.warning("the database does not answer yet; requests answer 503 until it does")
    metrics = Metrics(
        multiprocess_dir=settings.metrics_dir if settings.workers > 1 else None,
        pool_in_use=_connections_in_use(database.engine),
    )
    return create_app(
        bootstrap(database.uow),
        settings=settings,
        ready=functools.partial(schema_is_current, database.engine),
        shutdown=database.dispose,
        metrics=metrics,
    )


def _connections_in_use(engine: Engine) -> Callable[[], int]:
    pool = engine.pool
    return pool.checkedout if isinstance(pool, QueuePool) else lambda: 0


def app_from_environment() -> Starlette:
    """uvicorn's factory, run in each server process."""
    settings = load_settings()
    configure_logging(settings.log_level, settings.log_format)
    return build_app(settings)


def serve(settings: Settings) -> None:
    """Serve until stopped (SIGINT or SIGTERM), then let open requests finish."""
    # Fail here, in one line, rather than in every worker with a traceback.
    open_database(settings.database_url).dispose()
    made_metrics_dir = settings.workers > 1 and settings.metrics_dir is None
    if settings.workers > 1:
        # Workers add up their metrics in files there; stale ones from an
        # earlier run would be counted again, so it starts empty.
        directory = settings.metrics_dir or tempfile.mkdtemp(prefix="chat-metrics-")
        settings = attrs.evolve(settings, metrics_dir=str(prepare_multiprocess_dir(directory)))
    export_settings(settings)
    try:
        _run_uvicorn(settings)
    finally:
        if made_metrics_dir and settings.metrics_dir is not None:
            shutil.rmtree(settings.metrics_dir, ignore_errors=True)


def _run_uvicorn(settings: Settings) -> None:
    uvicorn.run(
        FACTORY,
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers if settings.workers > 1 else None,
        log_config=logging_config(settings.log_level, settings.log_format),
        access_log=False,  # ours (entrypoints.middleware) carries the request id
        server_header=False,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_S,
    )
