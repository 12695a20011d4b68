"""Properties that must hold for every input, checked with Hypothesis."""

from __future__ import annotations

import contextlib
import unicodedata
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from adapters.memory import MemoryStore
from chat_domain.errors import ChatError, ChatNameTaken, UsernameTaken
from chat_domain.model import Chat
from entrypoints.bootstrap import Chats, bootstrap
from tests.fakes import SequentialIds, TickingClock
from tests.strategies import anything, texts, usernames


def _fresh(clock: TickingClock | None = None) -> Chats:
    return bootstrap(MemoryStore().unit_of_work, clock=clock or TickingClock(), ids=SequentialIds())


def _expected_chat_order(chats: list[Chat]) -> list[str]:
    # Written out from the contract's words, independently of model.chat_list_key.
    with_messages = [c for c in chats if c.last_message_at is not None]
    without = [c for c in chats if c.last_message_at is None]
    with_messages.sort(key=lambda c: c.id, reverse=True)
    with_messages.sort(key=lambda c: c.last_message_at or c.created_at, reverse=True)
    without.sort(key=lambda c: c.id, reverse=True)
    without.sort(key=lambda c: c.created_at, reverse=True)
    return [c.id for c in with_messages + without]


@given(
    chat_count=st.integers(1, 5),
    # Each send: which chat, and how far the clock moves first (0 makes ties).
    sends=st.lists(st.tuples(st.integers(0, 4), st.sampled_from([0, 1, 1000])), max_size=40),
    text=texts,
)
def test_any_interleaving_of_sends_lists_exactly_what_was_sent_in_contract_order(
    chat_count: int, sends: list[tuple[int, int]], text: str
) -> None:
    clock = TickingClock(step=timedelta(0))
    chats = _fresh(clock)
    author = chats.add_user("author").id
    chat_ids = [chats.create_chat(f"chat{n}", [author]).id for n in range(chat_count)]
    sent: dict[str, list[tuple[datetime, str]]] = {c: [] for c in chat_ids}
    for index, micros in sends:
        clock.set(clock.now() + timedelta(microseconds=micros))
        message = chats.send_message(chat_ids[index % chat_count], author, text)
        sent[message.chat].append((message.created_at, message.id))

    for chat_id in chat_ids:
        listed = [(m.created_at, m.id) for m in chats.list_messages(chat_id)]
        assert listed == sorted(sent[chat_id])  # oldest first, ties to the smaller id
    listed_chats = chats.list_chats(author)
    assert sorted(c.id for c in listed_chats) == sorted(chat_ids)
    assert [c.id for c in listed_chats] == _expected_chat_order(listed_chats)
    for chat in listed_chats:
        newest = max((t for t, _ in sent[chat.id]), default=None)
        assert chat.last_message_at == newest


def _same_name(a: str, b: str) -> bool:
    return unicodedata.normalize("NFC", a).casefold() == unicodedata.normalize("NFC", b).casefold()


def _name_adder(chats: Chats, kind: str) -> Callable[[str], object]:
    if kind == "username":
        return chats.add_user
    member = [chats.add_user("member").id]
    return lambda name: chats.create_chat(name, member)


def _second_name_collides(first: str, second: str, kind: str = "username") -> bool:
    add = _name_adder(_fresh(), kind)
    add(first)
    try:
        add(second)
    except (UsernameTaken, ChatNameTaken):
        return True
    return False


@pytest.mark.parametrize("kind", ["username", "chat name"])
@given(first=usernames, second=usernames)
def test_two_names_collide_exactly_when_equal_after_nfc_and_casefold(
    kind: str, first: str, second: str
) -> None:
    assert _second_name_collides(first, second, kind) == _same_name(first, second)


@given(name=usernames, data=st.data())
def test_a_name_collides_with_its_other_letter_cases_and_compositions(
    name: str, data: st.DataObject
) -> None:
    variant = data.draw(
        st.sampled_from([name.upper(), name.lower(), name.swapcase(), name.casefold()])
    )
    variant = unicodedata.normalize(data.draw(st.sampled_from(["NFC", "NFD"])), variant)
    # An upper-cased name may grow past 64 characters; that is another rule.
    assume(len(unicodedata.normalize("NFC", variant)) <= 64)
    assert _second_name_collides(name, variant) == _same_name(name, variant)


@given(a=anything, b=anything, c=anything)
def test_any_value_given_to_any_use_case_ends_in_a_result_or_a_domain_error(
    a: object, b: object, c: object
) -> None:
    chats = _fresh()
    user = chats.add_user("member").id
    chat = chats.create_chat("room", [user]).id
    calls: list[Callable[[], object]] = [
        lambda: chats.add_user(a),
        lambda: chats.create_chat(a, b),
        lambda: chats.create_chat("x", [user, a]),
        lambda: chats.send_message(a, b, c),
        lambda: chats.send_message(chat, user, a),
        lambda: chats.send_message(chat, a, "hi"),
        lambda: chats.list_chats(a),
        lambda: chats.list_messages(a),
    ]
    for call in calls:
        with contextlib.suppress(ChatError):
            call()
