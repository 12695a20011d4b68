"""Migrations build exactly the schema the code declares, on both databases."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, insert, inspect

from adapters.sql import Database, open_database
from adapters.sql.migrate import alembic_config, schema_is_current, upgrade_to_head
from adapters.sql.tables import chat_members, chats, messages, metadata, users
from chat_domain.documents import chat_json, message_json
from chat_domain.model import Sent
from entrypoints import cli
from entrypoints.bootstrap import bootstrap
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


# Escapes and characters outside the BMP: the stored documents are written by SQL.
_OLD_TEXT = 'before "quoted" \\ \n\t é \u2028 \U0001f642'


def test_a_database_of_the_first_schema_keeps_its_data_and_gains_what_came_since(
    empty: Database,
) -> None:
    with empty.dialect.migrating() as connection:
        command.upgrade(alembic_config(connection, batch=empty.dialect.alters_by_copy), "0001")
    user, other, chat, message = (str(uuid.uuid4()) for _ in range(4))
    when = datetime(2026, 11, 27, tzinfo=UTC)
    with empty.engine.begin() as connection:  # only the first schema's columns
        for user_id, name in ((user, "old"), (other, "older")):
            connection.execute(
                insert(users).values(id=user_id, username=name, username_key=name, created_at=when)
            )
        connection.execute(
            insert(chats).values(
                id=chat, name="old", name_key="old", created_at=when, last_message_at=when
            )
        )
        for position, member in enumerate((other, user)):  # not in the order of their ids
            connection.execute(
                insert(chat_members).values(chat_id=chat, user_id=member, position=position)
            )
        connection.execute(
            insert(messages).values(
                id=message, chat_id=chat, author_id=user, text=_OLD_TEXT, created_at=when
            )
        )
    assert not schema_is_current(empty)
    upgrade_to_head(empty)
    assert _differences(empty.engine) == []
    service = bootstrap(empty.uow)
    (old,) = service.list_messages(chat)
    assert (old.text, old.client_msg_id) == (_OLD_TEXT, None)
    # The message list's read view lists the old message as its entity is written.
    assert list(service.list_messages.document_page(chat, limit=5).items) == [message_json(old)]
    first = service.send_message.sent(chat, user, "after", "k")
    assert service.send_message.sent(chat, user, "after", "k") == Sent(first.message, replayed=True)
    # The chat list's read view lists the old chat's members as its entity does.
    (listed,) = service.list_chats(user)
    assert listed.users == (other, user)
    assert list(service.list_chats.documents(user).chats) == [chat_json(listed)]
