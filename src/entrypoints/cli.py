"""The ``chat-server`` command.

``chat-server migrate --database-url URL`` brings the database's schema up
to date (the server does this too when it starts).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from adapters.migrate import upgrade_to_head
from chat_domain.errors import Unavailable
from entrypoints.bootstrap import open_database


def _migrate(args: argparse.Namespace) -> int:
    try:
        database = open_database(args.database_url)
        try:
            upgrade_to_head(database.engine)
        finally:
            database.dispose()
    except (ValueError, Unavailable) as error:
        cause = str(error.__cause__ or "").strip().splitlines()
        reason = f" ({cause[0]})" if cause else ""
        print(f"chat-server migrate: {error}{reason}", file=sys.stderr)
        return 1
    print("the database schema is up to date")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="chat-server", description="The chat service.")
    commands = parser.add_subparsers(dest="command", required=True)
    migrate = commands.add_parser("migrate", help="apply the database migrations the schema lacks")
    migrate.add_argument(
        "--database-url",
        required=True,
        help="postgresql://user@host/database or sqlite:///path/to/file.db",
    )
    migrate.set_defaults(run=_migrate)
    args = parser.parse_args(argv)
    result: int = args.run(args)
    return result
