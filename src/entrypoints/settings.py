"""The server's settings: the only module that reads the environment.

Each setting comes, first match wins, from a command-line flag, the
environment, a ``.env`` file in the working directory, or its default.
``.env`` files are read with python-dotenv, which knows the quoting,
``export`` and comment rules people write them with; the values are merged
here and never written into the process environment.

A wrong value raises ``SettingsError`` with one line naming the setting, the
value and what would be right, for the command line to print.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path

import attrs
from dotenv import dotenv_values

DEFAULT_DATABASE_URL = "sqlite:///var/chat.db"
LOG_LEVELS = ("critical", "error", "warning", "info", "debug")
LOG_FORMATS = ("text", "json")
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class SettingsError(ValueError):
    """A setting has a value the server cannot start with."""


@attrs.frozen
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    port: int = 9000
    host: str = "127.0.0.1"
    workers: int = 1
    allowed_hosts: tuple[str, ...] = ("*",)
    log_level: str = "info"
    log_format: str = "text"
    debug: bool = False
    max_body_bytes: int = 1024 * 1024
    metrics_dir: str | None = None
    metrics_host: str = "127.0.0.1"
    metrics_port: int | None = None
    cors_origins: tuple[str, ...] = ()


def _url(value: str) -> str:
    # Only the scheme is checked here; opening the database reads the rest.
    scheme = value.partition(":")[0].lower()
    if scheme.split("+")[0] in ("sqlite", "postgresql", "postgres") and "://" in value:
        return value
    # Only the scheme is echoed: the rest may hold a password.
    raise ValueError(f"must be a sqlite:/// or postgresql:// URL, not a {scheme or '?'}: URL")


def _int_in(low: int, high: int) -> Callable[[str], int]:
    def parse(value: str) -> int:
        text = value.strip()
        if not text.isdigit() or not low <= int(text) <= high:
            raise ValueError(f"must be a whole number from {low} to {high}, not {value!r}")
        return int(text)

    return parse


def _one_of(choices: tuple[str, ...]) -> Callable[[str], str]:
    def parse(value: str) -> str:
        if value.strip().lower() not in choices:
            raise ValueError(f"must be one of {', '.join(choices)}, not {value!r}")
        return value.strip().lower()

    return parse


def _bool(value: str) -> bool:
    text = value.strip().lower()
    if text not in _TRUE | _FALSE:
        raise ValueError(f"must be true or false, not {value!r}")
    return text in _TRUE


def _hosts(value: str) -> tuple[str, ...]:
    hosts = tuple(h.strip().lower() for h in value.split(",") if h.strip())
    if not hosts:
        raise ValueError("must list at least one host name, or * for any")
    for host in hosts:
        wildcard_ok = host == "*" or (host.startswith("*.") and "*" not in host[2:])
        if "*" in host and not wildcard_ok:
            raise ValueError(f"wildcards must look like *.example.com, not {host!r}")
    return hosts


def _origins(value: str) -> tuple[str, ...]:
    # An origin is what a browser sends in `Origin`: scheme, host and port, no
    # path. Browsers send it in lowercase, so the list is kept that way.
    origins = tuple(o.strip().lower().rstrip("/") for o in value.split(",") if o.strip())
    for origin in origins:
        if origin == "*":
            continue
        scheme, sep, rest = origin.partition("://")
        if scheme not in ("http", "https") or not sep or not rest or "/" in rest or "*" in rest:
            raise ValueError(
                f"must list origins such as https://chat.example.com or * for any, not {origin!r}"
            )
    return origins


def _directory(value: str) -> str:
    if not value.strip():
        raise ValueError("must be a directory path")
    return value.strip()


def _host(value: str) -> str:
    if not value.strip():
        raise ValueError("must be an address to listen on, such as 127.0.0.1 or 0.0.0.0")
    return value.strip()


@attrs.frozen
class Option:
    """One setting: its environment variable, command-line flag and parser."""

    env: str
    attr: str
    parse: Callable[[str], object]
    help: str
    switch: bool = False  # a flag that may stand alone to mean "true"

    @property
    def flag(self) -> str:
        return "--" + self.attr.replace("_", "-")


OPTIONS: tuple[Option, ...] = (
    Option("DATABASE_URL", "database_url", _url, "sqlite:///PATH or postgresql://..."),
    Option("RUNSERVER_PORT", "port", _int_in(1, 65535), "TCP port to serve on"),
    Option("HOST", "host", _host, "address to listen on"),
    Option("WORKERS", "workers", _int_in(1, 512), "server processes"),
    Option("ALLOWED_HOSTS", "allowed_hosts", _hosts, "comma-separated Host names, * for any"),
    Option(
        "CORS_ORIGINS",
        "cors_origins",
        _origins,
        "comma-separated origins whose web pages may call the API, * for any (unset: none)",
    ),
    Option("LOG_LEVEL", "log_level", _one_of(LOG_LEVELS), "/".join(LOG_LEVELS)),
    Option("LOG_FORMAT", "log_format", _one_of(LOG_FORMATS), "text or json"),
    Option("DEBUG", "debug", _bool, "show tracebacks in 500 answers, never in production", True),
    Option("MAX_BODY_BYTES", "max_body_bytes", _int_in(1, 2**31), "largest request body"),
    Option(
        "METRICS_DIR",
        "metrics_dir",
        _directory,
        "directory the workers share /metrics through (WORKERS > 1; a temporary one if unset)",
    ),
    Option("METRICS_HOST", "metrics_host", _host, "address of the operators' listener"),
    Option(
        "METRICS_PORT",
        "metrics_port",
        _int_in(1, 65535),
        "port of the operators' listener, which alone serves /metrics (unset: the public one)",
    ),
)


def load_settings(
    flags: Mapping[str, str | None] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    env_file: str | Path | None = ".env",
) -> Settings:
    """Settings from flags (keyed by attribute), the environment and ``env_file``."""
    environ = os.environ if environ is None else environ
    from_file = dotenv_values(env_file) if env_file and Path(env_file).is_file() else {}
    values: dict[str, object] = {}
    for option in OPTIONS:
        raw = (flags or {}).get(option.attr)
        source = option.flag
        if raw is None:
            raw, source = environ.get(option.env), option.env
        if raw is None:
            raw, source = from_file.get(option.env), f"{option.env} (in {env_file})"
        if raw is None:
            continue
        try:
            values[option.attr] = option.parse(raw)
        except ValueError as error:
            raise SettingsError(f"{source} {error}") from None
    settings = Settings(**values)  # type: ignore[arg-type]
    if settings.metrics_port is not None and settings.metrics_port == settings.port:
        raise SettingsError(
            f"METRICS_PORT must differ from RUNSERVER_PORT ({settings.port}):"
            " it is a listener of its own"
        )
    return settings
