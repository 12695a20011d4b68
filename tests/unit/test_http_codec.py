"""The HTTP layer's JSON in and out: strict parsing, exact times, fuzzed bodies."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chat_domain.documents import chat_json, format_time, message_json
from chat_domain.errors import ChatError
from chat_domain.model import Chat, Message
from entrypoints.http.body import parse_json, parse_request
from entrypoints.http.methods import METHODS
from entrypoints.http.serialize import dumps
from tests.strategies import json_values


@pytest.mark.parametrize(
    ("when", "text"),
    [
        (datetime(2026, 11, 27, 5, 1, 39, 849357, tzinfo=UTC), "2026-11-27T05:01:39.849357Z"),
        (datetime(2026, 11, 27, 5, 1, 39, tzinfo=UTC), "2026-11-27T05:01:39.000000Z"),
        (datetime(2026, 11, 27, 5, 1, 39, 5), "2026-11-27T05:01:39.000005Z"),
        (
            datetime(2026, 11, 27, 7, 1, 39, 1, tzinfo=timezone(timedelta(hours=2))),
            "2026-11-27T05:01:39.000001Z",
        ),
    ],
    ids=["utc", "whole-second", "naive-is-utc", "offset"],
)
def test_times_are_utc_with_six_digits_and_z(when: datetime, text: str) -> None:
    assert format_time(when) == text


def test_answers_are_compact_utf8() -> None:
    assert dumps({"text": "héllo", "n": [1, None]}) == '{"text":"héllo","n":[1,null]}'.encode()


def test_plain_json_parses() -> None:
    assert parse_json(b' {"a": [1, 2.5, true, null, "\\u00e9"]} ') == {
        "a": [1, 2.5, True, None, "é"]
    }


@given(st.binary(max_size=200))
def test_any_bytes_are_parsed_or_refused_with_a_chat_error(raw: bytes) -> None:
    codes = {"invalid_json", "invalid_body", "missing_field", "unknown_field", None}
    for method in METHODS:
        code = None
        try:
            parse_request(raw, method)
        except ChatError as error:
            code = error.code
        assert code in codes


@given(json_values)
def test_any_json_value_is_taken_or_refused_with_a_chat_error(value: object) -> None:
    # The stdlib writes NaN and Infinity as bare words, which the parser must refuse.
    raw = json.dumps(value).encode()
    for method in METHODS:
        try:
            body = parse_request(raw, method)
        except ChatError:
            continue
        assert set(body) == {field.name for field in method.fields}


_texts = st.text(st.characters(exclude_categories=["Cs"]), min_size=1)
_times = st.datetimes(timezones=st.just(UTC))


@given(text=_texts, name=_texts, when=_times, last=st.none() | _times, key=st.none() | _texts)
def test_entities_are_written_exactly_as_the_encoder_writes_their_fields(
    text: str, name: str, when: datetime, last: datetime | None, key: str | None
) -> None:
    ids = [str(uuid.UUID(int=n)) for n in range(3)]
    message = Message(ids[0], ids[1], ids[2], text, when, key)
    fields = {"id": ids[0], "chat": ids[1], "author": ids[2], "text": text}
    expected = dumps({**fields, "created_at": format_time(when), "client_msg_id": key}).decode()
    assert message_json(message) == expected
    chat = Chat(ids[0], name, (ids[1], ids[2]), when, last)
    expected = dumps(
        {
            "id": ids[0],
            "name": name,
            "users": [ids[1], ids[2]],
            "created_at": format_time(when),
            "last_message_at": None if last is None else format_time(last),
        }
    ).decode()
    assert chat_json(chat) == expected
