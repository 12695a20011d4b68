"""The lists read as documents are the entities' JSON, for any data, on every adapter.

Hypothesis makes small worlds of arbitrary users, chats and messages (any
Unicode text the rules accept, times from year 1 on, with and without
microseconds, with keys or none) and reads every list both ways, whole, in
pages and from cursors, the pages also as awaited (``PageViews``) where the
adapter has them (in memory, PostgreSQL); the state machine does the same while it compares
the adapters with each other.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from functools import partial

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.memory import MemoryStore
from adapters.memory.views import MemoryPageViews
from adapters.sql import open_database
from chat_domain import rules
from chat_domain.errors import ChatError
from chat_domain.ports import UnitOfWorkFactory
from chat_domain.views import PageViews
from entrypoints.bootstrap import Chats, bootstrap
from tests.documents import chat_lists_agree, message_lists_agree
from tests.fakes import SequentialIds, TickingClock
from tests.integration.databases import SQL_BACKENDS, clear_tables
from tests.strategies import texts, usernames


def _accepted(rule: Callable[[object], object]) -> Callable[[str], bool]:
    def accepted(value: str) -> bool:
        try:
            rule(value)
        except ChatError:
            return False
        return True

    return accepted


chat_names = st.text(min_size=1, max_size=12).filter(_accepted(rules.clean_chat_name))
client_msg_ids = st.none() | st.text(min_size=1, max_size=12).filter(
    _accepted(rules.clean_client_msg_id)
)
# Any time, and whole seconds (no fraction to write: six zeros all the same).
times = st.datetimes(
    min_value=datetime(1, 1, 1), max_value=datetime(9000, 1, 1), timezones=st.just(UTC)
) | st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2027, 1, 1), timezones=st.just(UTC)
).map(lambda t: t.replace(microsecond=0))


@attrs.frozen
class World:
    users: list[str]
    chats: list[tuple[str, list[int], datetime]]  # name, members (picks of users), time
    messages: list[tuple[int, int, str, str | None, datetime]]  # chat, author, text, key
    limit: int
    cursor: int  # which message the cursors name


worlds = st.builds(
    World,
    users=st.lists(usernames, min_size=1, max_size=3),
    chats=st.lists(
        st.tuples(chat_names, st.lists(st.integers(0, 2), min_size=1, max_size=3), times),
        min_size=1,
        max_size=3,
    ),
    messages=st.lists(
        st.tuples(st.integers(0, 2), st.integers(0, 2), texts, client_msg_ids, times),
        max_size=8,
    ),
    limit=st.integers(1, 3),
    cursor=st.integers(0, 7),
)

Stores = Callable[[], tuple[UnitOfWorkFactory, PageViews | None]]


def _memory() -> tuple[UnitOfWorkFactory, PageViews | None]:
    uow = MemoryStore().unit_of_work
    return uow, MemoryPageViews(uow)


@pytest.fixture(params=["memory", *SQL_BACKENDS])
def stores(request: pytest.FixtureRequest) -> Iterator[Stores]:
    """Empty stores of one adapter, one for each example, with their awaited pages."""
    if request.param == "memory":
        yield _memory
        return
    database = open_database(request.getfixturevalue(f"{request.param}_database_url"))

    def emptied() -> tuple[UnitOfWorkFactory, PageViews | None]:
        clear_tables(database.engine)
        return database.uow, database.page_views()

    yield emptied
    database.dispose()


def _attempt(call: Callable[[], str]) -> str | None:
    try:
        return call()
    except ChatError:
        return None  # a name taken in another case, a sender not a member: refused alike


def _fill(
    chats: Chats, clock: TickingClock, world: World
) -> tuple[list[str], list[str], list[str]]:
    """The world's users, chats and messages, each stored at its own time if accepted."""
    users = [u for name in world.users if (u := _attempt(partial(_new_user, chats, name)))]
    made: list[str] = []
    for name, picks, when in world.chats:
        clock.set(when, step=timedelta(0))
        members = list(dict.fromkeys(users[pick % len(users)] for pick in picks))
        if chat := _attempt(partial(_new_chat, chats, name, members)):
            made.append(chat)
    sent: list[str] = []
    for chat_pick, author_pick, text, key, when in world.messages:
        clock.set(when, step=timedelta(0))
        chat, author = made[chat_pick % len(made)], users[author_pick % len(users)]
        if message := _attempt(partial(_send, chats, chat, author, text, key)):
            sent.append(message)
    return users, made, sent


def _new_user(chats: Chats, name: str) -> str:
    return chats.add_user(name).id


def _new_chat(chats: Chats, name: str, members: list[str]) -> str:
    return chats.create_chat(name, members).id


def _send(chats: Chats, chat: str, author: str, text: str, key: str | None) -> str:
    keyed = {} if key is None else {"client_msg_id": key}
    return chats.send_message(chat, author, text, **keyed).id


# Each example empties its store first (``stores``), so the fixture is safe to share.
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(world=worlds)
def test_every_list_read_as_documents_is_the_entities_json(stores: Stores, world: World) -> None:
    clock = TickingClock()
    uow, awaited = stores()
    chats = bootstrap(uow, clock=clock, ids=SequentialIds(), awaited=awaited)
    users, made, sent = _fill(chats, clock, world)
    for user in users:
        chat_lists_agree(chats, user, limit=world.limit)
    for chat in made:
        cursor = sent[world.cursor % len(sent)] if sent else chat
        message_lists_agree(chats, chat, limit=world.limit, cursor=cursor)
