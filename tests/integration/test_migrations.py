"""Migrations build exactly the schema the code declares, on both databases."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect

from adapters.sql import Database, open_database
from adapters.sql.migrate import schema_is_current, upgrade_to_head
from adapters.sql.tables import metadata
from entrypoints import cli
from tests.integration.databases import SQL_BACKENDS
from tests.races import race


@pytest.fixture(params=SQL_BACKENDS)
def empty(request: pytest.FixtureRequest) -> Iterator[Database]:
    database = open_database(request.getfixturevalue(f"empty_{request.param}_url"))
    yield database
    database.dispose()


def _differences(engine: Engine) -> list[object]:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, metadata))


def test_migrating_an_empty_database_yields_exactly_the_declared_schema(
    empty: Database,
) -> None:
    assert not schema_is_current(empty)
    upgrade_to_head(empty)
    assert _differences(empty.engine) == []
    assert schema_is_current(empty)
    tables = set(inspect(empty.engine).get_table_names())
    assert tables == {*metadata.tables, "alembic_version"}


def test_migrating_again_changes_nothing(empty: Database) -> None:
    upgrade_to_head(empty)
    upgrade_to_head(empty)
    assert schema_is_current(empty)


def test_servers_starting_together_migrate_once(empty: Database) -> None:
    outcomes = race(4, lambda _: upgrade_to_head(empty))
    assert outcomes == [None] * 4
    assert _differences(empty.engine) == []


def test_migrate_command_brings_a_new_sqlite_file_up_to_date(
    empty_sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["migrate", "--database-url", empty_sqlite_url]) == 0
    # The command's one line goes to stderr (stdout stays free for scripts).
    assert "up to date" in capsys.readouterr().err
    database = open_database(empty_sqlite_url)
    try:
        assert schema_is_current(database)
    finally:
        database.dispose()


def test_migrate_command_explains_an_unreachable_database(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert cli.main(["migrate", "--database-url", "postgresql://postgres@127.0.0.1:1/x"]) == 1
    assert "cannot be reached" in capsys.readouterr().err
