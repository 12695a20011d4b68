"""The ``chat-server`` command: ``serve`` and ``migrate``.

Every setting is also a flag (``--port 9100`` beats ``RUNSERVER_PORT``);
see ``entrypoints.settings``. A wrong setting or an unreachable database
stops the command with one line on stderr and exit status 2 or 1.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

from chat_domain.errors import Unavailable
from entrypoints.settings import OPTIONS, Settings, SettingsError, load_settings

PROG = "chat-server"
MIGRATE_OPTIONS = ("database_url", "log_level", "log_format")


def _serve(settings: Settings) -> int:
    from entrypoints.server import serve

    serve(settings)
    return 0


def _migrate(settings: Settings) -> int:
    from adapters.sql.migrate import upgrade_to_head
    from entrypoints.bootstrap import open_database
    from entrypoints.logs import configure_logging

    configure_logging(settings.log_level, settings.log_format)
    database = open_database(settings.database_url)
    try:
        upgrade_to_head(database)
    finally:
        database.dispose()
    print("the database schema is up to date", file=sys.stderr)
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=PROG, description="The chat service.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    serve = commands.add_parser("serve", help="serve the HTTP API until stopped")
    migrate = commands.add_parser("migrate", help="bring the database schema up to date")
    for option in OPTIONS:
        targets = [serve] + ([migrate] if option.attr in MIGRATE_OPTIONS else [])
        switch: dict[str, Any] = {"nargs": "?", "const": "true"} if option.switch else {}
        for command in targets:
            command.add_argument(
                option.flag,
                dest=option.attr,
                metavar="VALUE",
                help=f"{option.help} [{option.env}]",
                **switch,
            )
    serve.set_defaults(run=_serve)
    migrate.set_defaults(run=_migrate)
    return parser


def _one_line(error: BaseException) -> str:
    """The error and its first cause, on one line."""
    cause = str(error.__cause__ or "").strip().splitlines()
    return f"{error}" + (f": {cause[0]}" if cause else "")


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    flags = {o.attr: getattr(args, o.attr, None) for o in OPTIONS}
    try:
        settings = load_settings(flags)
    except SettingsError as error:
        print(f"{PROG} {args.command}: {error}", file=sys.stderr)
        return 2
    try:
        result: int = args.run(settings)
    except (
        ValueError,
        OSError,
        Unavailable,
    ) as error:  # a bad URL, an unwritable path, no database
        print(f"{PROG} {args.command}: {_one_line(error)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return result
