"""Migrations build exactly the schema the code declares, on both databases."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect

from adapters.migrate import schema_is_current, upgrade_to_head
from adapters.orm import metadata
from adapters.sql import create_engine_for
from entrypoints import cli
from tests.integration.databases import SQL_BACKENDS
from tests.races import race


@pytest.fixture(params=SQL_BACKENDS)
def empty_engine(request: pytest.FixtureRequest) -> Iterator[Engine]:
    engine = create_engine_for(request.getfixturevalue(f"empty_{request.param}_url"))
    yield engine
    engine.dispose()


def _differences(engine: Engine) -> list[object]:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, metadata))


def test_migrating_an_empty_database_yields_exactly_the_declared_schema(
    empty_engine: Engine,
) -> None:
    assert not schema_is_current(empty_engine)
    upgrade_to_head(empty_engine)
    assert _differences(empty_engine) == []
    assert schema_is_current(empty_engine)
    tables = set(inspect(empty_engine).get_table_names())
    assert tables == {*metadata.tables, "alembic_version"}


def test_migrating_again_changes_nothing(empty_engine: Engine) -> None:
    upgrade_to_head(empty_engine)
    upgrade_to_head(empty_engine)
    assert schema_is_current(empty_engine)


def test_servers_starting_together_migrate_once(empty_engine: Engine) -> None:
    outcomes = race(4, lambda _: upgrade_to_head(empty_engine))
    assert outcomes == [None] * 4
    assert _differences(empty_engine) == []


def test_migrate_command_brings_a_new_sqlite_file_up_to_date(
    empty_sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["migrate", "--database-url", empty_sqlite_url]) == 0
    # The command's one line goes to stderr (stdout stays free for scripts).
    assert "up to date" in capsys.readouterr().err
    engine = create_engine_for(empty_sqlite_url)
    try:
        assert schema_is_current(engine)
    finally:
        engine.dispose()


def test_migrate_command_explains_an_unreachable_database(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert cli.main(["migrate", "--database-url", "postgresql://postgres@127.0.0.1:1/x"]) == 1
    assert "cannot be reached" in capsys.readouterr().err
