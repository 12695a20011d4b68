"""The page rules and the message-time rule, pure: no store behind them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chat_domain.errors import InvalidCursor
from chat_domain.model import Chat, chat_list_key, visible_at
from chat_domain.pages import chat_cursor, cut, read_chat_cursor
from tests.fakes import EPOCH

TICK = timedelta(microseconds=1)


def test_a_message_takes_the_clock_s_time_when_it_is_later_than_the_newest() -> None:
    assert visible_at(EPOCH, None) == EPOCH
    assert visible_at(EPOCH, EPOCH - TICK) == EPOCH


def test_a_message_comes_just_after_the_newest_when_the_clock_is_behind_or_equal() -> None:
    assert visible_at(EPOCH, EPOCH) == EPOCH + TICK
    assert visible_at(EPOCH - timedelta(hours=1), EPOCH) == EPOCH + TICK


def test_a_page_is_cut_at_its_limit_and_says_whether_more_lay_beyond() -> None:
    page = cut([1, 2, 3], 2)
    assert (list(page.items), page.has_more) == ([1, 2], True)
    page = cut([3, 2, 1], 2, turn_around=True)
    assert (list(page.items), page.has_more) == ([2, 3], True)
    page = cut([1, 2], 2)
    assert (list(page.items), page.has_more) == ([1, 2], False)
    assert cut([1, 2, 3], None).has_more is False


_times = st.datetimes(
    min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.just(UTC)
)


@given(user=st.uuids(), chat=st.uuids(), created=_times, last=st.none() | _times)
def test_a_chat_cursor_gives_back_the_place_it_was_made_from(
    user: uuid.UUID, chat: uuid.UUID, created: datetime, last: datetime | None
) -> None:
    listed = Chat(str(chat), "c", (), created, last)
    cursor = chat_cursor(str(user), listed)
    assert cursor.isascii()
    assert "=" not in cursor
    assert read_chat_cursor(cursor, str(user)) == chat_list_key(listed)


@given(st.text(max_size=80) | st.integers() | st.none())
def test_anything_but_a_cursor_is_an_invalid_cursor(cursor: object) -> None:
    with pytest.raises(InvalidCursor):
        read_chat_cursor(cursor, str(uuid.uuid4()))
