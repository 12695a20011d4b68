"""Running the HTTP app under uvicorn, in one process or several.

uvicorn is handed an import string and a factory rather than an app: with
``WORKERS`` > 1 it starts fresh processes that each import and build their
own app (and database pool). The settings reach them through the
environment, written by ``export_settings`` before uvicorn starts.
"""

from __future__ import annotations

import functools
import logging

import uvicorn
from starlette.applications import Starlette

from adapters.migrate import schema_is_current
from entrypoints.bootstrap import bootstrap, open_database
from entrypoints.http import create_app
from entrypoints.logs import configure_logging, logging_config
from entrypoints.settings import Settings, export_settings, load_settings

log = logging.getLogger("chat.server")
FACTORY = f"{__name__}:app_from_environment"
# Seconds that open requests get to finish once the server is told to stop.
GRACEFUL_SHUTDOWN_S = 10


def build_app(settings: Settings) -> Starlette:
    """The app over the database that ``settings`` name (no connection is made yet)."""
    database = open_database(settings.database_url)
    if not schema_is_current(database.engine):
        log.warning(
            "the database does not answer or its schema is not current;"
            " requests will fail until `chat-server migrate` has run"
        )
    return create_app(
        bootstrap(database.uow),
        settings=settings,
        ready=functools.partial(schema_is_current, database.engine),
        shutdown=database.dispose,
    )


def app_from_environment() -> Starlette:
    """uvicorn's factory, run in each server process."""
    settings = load_settings()
    configure_logging(settings.log_level, settings.log_format)
    return build_app(settings)


def serve(settings: Settings) -> None:
    """Serve until stopped (SIGINT or SIGTERM), then let open requests finish."""
    # Fail here, in one line, rather than in every worker with a traceback.
    open_database(settings.database_url).dispose()
    export_settings(settings)
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
