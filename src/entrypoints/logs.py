"""Logging set-up: one configuration for our loggers and the server's.

The same ``dictConfig`` is handed to uvicorn, which applies it in every
worker process it starts, so all processes log alike. ``json`` writes one
object per line for log collectors; ``text`` is for people.
"""

from __future__ import annotations

import json
import logging
import logging.config
from datetime import UTC, datetime
from typing import Any

from chat_domain.documents import format_time

ACCESS_LOGGER = "chat.access"
# Attributes of a record that the access log and error log add via ``extra``.
EXTRA_FIELDS = ("method", "path", "status", "duration_ms", "request_id")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": format_time(datetime.fromtimestamp(record.created, UTC)),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in EXTRA_FIELDS:
            if name in record.__dict__:
                entry[name] = record.__dict__[name]
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def logging_config(level: str, log_format: str) -> dict[str, Any]:
    formatter: dict[str, Any] = (
        {"()": f"{__name__}.JsonFormatter"}
        if log_format == "json"
        else {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}
    )
    # One handler, on the root: our loggers and uvicorn's propagate to it at
    # the chosen level, while other libraries speak only from WARNING up.
    logger = {"level": level.upper()}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"main": formatter},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "main",
                "stream": "ext://sys.stderr",
            }
        },
        "loggers": {
            "chat": logger,
            "uvicorn": logger,
            # Our access log replaces uvicorn's (it adds the request id).
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
        },
        "root": {"handlers": ["stderr"], "level": "WARNING"},
    }


def configure_logging(level: str, log_format: str) -> None:
    logging.config.dictConfig(logging_config(level, log_format))
