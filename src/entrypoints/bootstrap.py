"""The composition root: the one place that wires settings, database, metrics and app.

In memory (tests, embedding)::

    chats = bootstrap()

Over a database (migrate first with ``adapters.sql.migrate.upgrade_to_head``)::

    database = open_database("sqlite:///var/chat.db")  # or postgresql://...
    chats = bootstrap(database.uow)
    ...
    database.dispose()

The server builds each process's app with ``worker_app(settings)``.
"""

from __future__ import annotations

import functools
import gc
import logging

from adapters.memory import MemoryStore
from adapters.memory.views import MemoryPageViews
from adapters.sql import Database, open_database
from adapters.sql.migrate import schema_is_current
from adapters.system import SystemClock, Uuid7Generator
from chat_domain.errors import Unavailable
from chat_domain.ports import Clock, IdGenerator, UnitOfWorkFactory
from chat_domain.service import Chats
from chat_domain.views import PageViews
from entrypoints.http import ChatApp, create_app
from entrypoints.logs import configure_logging
from entrypoints.metrics import Metrics
from entrypoints.settings import Settings

__all__ = ["Chats", "Database", "bootstrap", "build_app", "open_database", "worker_app"]

log = logging.getLogger("chat.server")


def bootstrap(
    uow: UnitOfWorkFactory | None = None,
    *,
    clock: Clock | None = None,
    ids: IdGenerator | None = None,
    awaited: PageViews | None = None,
) -> Chats:
    """Build the use cases; with no unit of work, everything lives in memory.

    ``awaited`` reads the lists' pages for callers on an event loop
    (``Database.page_views()``); the in-memory store has its own.
    """
    if uow is None:
        uow = MemoryStore().unit_of_work
        awaited = MemoryPageViews(uow)
    return Chats.over(
        uow,
        ids=ids if ids is not None else Uuid7Generator(),
        clock=clock if clock is not None else SystemClock(),
        awaited=awaited,
    )


def build_app(settings: Settings) -> ChatApp:
    """The app over the database that ``settings`` name (no connection is made yet)."""
    database = open_database(settings.database_url)
    try:
        if not schema_is_current(database):
            log.warning(
                "the database schema is not current;"
                " requests will fail until `chat-server migrate` has run"
            )
    except Unavailable:
        log.warning("the database does not answer yet; requests answer 503 until it does")
    metrics = Metrics(
        multiprocess_dir=settings.metrics_dir if settings.workers > 1 else None,
        pool_in_use=database.connections_in_use,
    )
    return create_app(
        bootstrap(database.uow, awaited=database.page_views()),
        settings=settings,
        ready=functools.partial(schema_is_current, database),
        shutdown=database.dispose,
        metrics=metrics,
        wakeups=database.wakeups(),
    )


def worker_app(settings: Settings) -> ChatApp:
    """The app of one server process, as the process runner starts it (``server``)."""
    configure_logging(settings.log_level, settings.log_format)
    app = build_app(settings)
    # Everything built so far lives as long as the process: frozen, the cyclic
    # collector no longer walks it at each full collection. Those walks were
    # the sends' slowest answers: p99 22-41 ms -> 17-19 ms (docs/performance.md).
    gc.collect()
    gc.freeze()
    return app
