"""Arbitrary JSON and arbitrary bytes at every method: a documented answer, never a 500.

A refused request must leave the store exactly as it was; an accepted one
must have written something (an add) or nothing (a get).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.sql.migrate import upgrade_to_head
from entrypoints.bootstrap import open_database
from tests.integration.reliability.client import Api, database_api, memory_api

FIELDS = {
    "/users/add": ("username",),
    "/chats/add": ("name", "users"),
    "/messages/add": ("chat", "author", "text"),
    "/chats/get": ("user",),
    "/messages/get": ("chat",),
}
SUCCESS = {"/users/add": 201, "/chats/add": 201, "/messages/add": 201}


@pytest.fixture(scope="module", params=["memory", "sqlite"])
def seeded(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Api, list[str]]]:
    """An API with two users and a chat, whose ids the strategies mix in."""
    with contextlib.ExitStack() as stack:
        if request.param == "memory":
            api = stack.enter_context(memory_api())
        else:
            url = f"sqlite:///{tmp_path_factory.mktemp('fuzz')}/chat.db"
            database = open_database(url)
            upgrade_to_head(database)
            database.dispose()
            api = stack.enter_context(database_api(url))
        alice, bob = api.add_user("alice"), api.add_user("bob")
        chat = api.add_chat("seed", [alice, bob])
        yield api, [alice, bob, chat]


json_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=70)
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


def field_values(name: str, known: list[str]) -> st.SearchStrategy[Any]:
    """Values of the field's own shape most of the time, anything JSON otherwise."""
    ids = st.sampled_from(known) | st.uuids().map(str) | st.sampled_from(known).map(str.upper)
    shaped = {
        "users": st.lists(ids, min_size=1, max_size=4),
        "username": st.text(min_size=1, max_size=70),
        "name": st.text(min_size=1, max_size=140),
        "text": st.text(min_size=1, max_size=70),
    }.get(name, ids)
    return st.one_of(shaped, shaped, json_values)


@st.composite
def bodies(draw: st.DrawFn, path: str, known: list[str]) -> Any:
    """Mostly objects with the method's fields (some missing, some extra), sometimes anything."""
    if draw(st.integers(0, 9)) == 0:
        return draw(json_values)
    names = [n for n in FIELDS[path] if draw(st.integers(0, 7))]
    body = {name: draw(field_values(name, known)) for name in names}
    if draw(st.integers(0, 9)) == 0:
        body[draw(st.text(max_size=8))] = draw(json_values)
    return body


def check_answer(api: Api, path: str, raw: bytes) -> None:
    before = api.snapshot()
    status, answer = api.post_raw(path, raw)
    after = api.snapshot()
    if status < 400:
        assert status == SUCCESS.get(path, 200), answer
        if path in SUCCESS:
            assert after != before
        else:
            assert isinstance(answer, list)
            assert after == before
        return
    assert 400 <= status < 500, answer
    assert answer["status"] == status
    assert isinstance(answer["code"], str)
    assert after == before, (path, answer)


_fuzz = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


@pytest.mark.parametrize("path", list(FIELDS))
@_fuzz
@given(data=st.data())
def test_arbitrary_json_gets_a_documented_answer(
    seeded: tuple[Api, list[str]], path: str, data: st.DataObject
) -> None:
    api, known = seeded
    body = data.draw(bodies(path, known))
    check_answer(api, path, json.dumps(body).encode())


@pytest.mark.parametrize("path", list(FIELDS))
@_fuzz
@given(raw=st.binary(max_size=200) | st.text(max_size=200).map(str.encode))
def test_arbitrary_bytes_get_a_documented_answer(
    seeded: tuple[Api, list[str]], path: str, raw: bytes
) -> None:
    check_answer(seeded[0], path, raw)
