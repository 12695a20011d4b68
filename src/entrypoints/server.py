"""Running the HTTP app under uvicorn, in one process or several.

Each server process builds its own app (and database pool) from the
settings, which travel to it inside uvicorn's configuration: the app
factory is ``bootstrap.worker_app`` bound to them, and uvicorn hands its
configuration, pickled, to every worker process it starts.
"""

from __future__ import annotations

import functools
import logging
import shutil
import socket
import tempfile

import attrs
import uvicorn
from uvicorn.supervisors import Multiprocess

from entrypoints.bootstrap import open_database, worker_app
from entrypoints.logs import logging_config
from entrypoints.metrics import prepare_multiprocess_dir
from entrypoints.protocol import ChatHttpProtocol
from entrypoints.settings import Settings

log = logging.getLogger("chat.server")

_STARTUP_FAILURE = 3  # uvicorn's exit status for a server that could not start

# Seconds that open requests get to finish once the server is told to stop.
GRACEFUL_SHUTDOWN_S = 10


def raise_open_files_limit() -> int:
    """Raise this process's open-file limit to the most it may have, and return it:
    every open stream holds a socket, and the usual soft limit is 1024."""
    try:
        import resource
    except ImportError:  # not on this platform
        return -1
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        target = hard if hard != resource.RLIM_INFINITY else max(soft, 1_048_576)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):
            pass
    return soft


def serve(settings: Settings) -> None:
    """Serve until stopped (SIGINT or SIGTERM), then let open requests finish."""
    raise_open_files_limit()  # the workers inherit it
    # Fail here, in one line, rather than in every worker with a traceback.
    open_database(settings.database_url).dispose()
    made_metrics_dir = settings.workers > 1 and settings.metrics_dir is None
    if settings.workers > 1:
        # Workers add up their metrics in files there; stale ones from an
        # earlier run would be counted again, so it starts empty.
        directory = settings.metrics_dir or tempfile.mkdtemp(prefix="chat-metrics-")
        settings = attrs.evolve(settings, metrics_dir=str(prepare_multiprocess_dir(directory)))
    try:
        _run_uvicorn(settings)
    finally:
        if made_metrics_dir and settings.metrics_dir is not None:
            shutil.rmtree(settings.metrics_dir, ignore_errors=True)


def _bind(host: str, port: int) -> socket.socket:
    """A listening address bound as uvicorn binds its own (``Config.bind_socket``)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        log.error("cannot listen for operators on %s port %d: %s", host, port, error.strerror)
        raise SystemExit(_STARTUP_FAILURE) from None
    sock.set_inheritable(True)
    shown = f"[{host}]" if family == socket.AF_INET6 else host
    log.info("operators' listener (/metrics) on http://%s:%d", shown, port)
    return sock


def _run_uvicorn(settings: Settings) -> None:
    config = uvicorn.Config(
        functools.partial(worker_app, settings),
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        log_config=logging_config(settings.log_level, settings.log_format),
        access_log=False,  # ours (http.middleware.exchange) carries the request id
        server_header=False,
        http=ChatHttpProtocol,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_S,
    )
    sockets = [config.bind_socket()]
    if settings.metrics_port is not None:
        # The operators' listener: served by the same app, which tells the
        # two apart by port (http.middleware.listeners).
        sockets.append(_bind(settings.metrics_host, settings.metrics_port))
    if settings.workers > 1:
        # What uvicorn.run does for an app named by an import string, which
        # it insists on for workers; a picklable factory serves as well.
        Multiprocess(config, sockets=sockets).run()
    else:
        server = uvicorn.Server(config)
        server.run(sockets=sockets)
        if not server.started:  # it said why (a port in use, say); exit as uvicorn.run does
            raise SystemExit(_STARTUP_FAILURE)
