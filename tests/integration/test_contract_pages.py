"""Pages of both lists and user look-ups, on every adapter, through the use cases."""

from __future__ import annotations

import threading
import uuid

import pytest

from chat_domain.errors import (
    ChatNotFound,
    DuplicateUser,
    Invalid,
    InvalidCursor,
    MessageNotFound,
    UserNotFound,
)
from chat_domain.model import Chat, Message
from entrypoints.bootstrap import Chats
from tests.races import race


def _chat_with(chats: Chats, count: int) -> tuple[str, str, list[Message]]:
    alice = chats.add_user("alice").id
    chat = chats.create_chat("long", [alice]).id
    return alice, chat, [chats.send_message(chat, alice, f"message {n}") for n in range(count)]


def test_a_limit_alone_is_the_newest_messages_oldest_first(chats: Chats) -> None:
    _, chat, sent = _chat_with(chats, 7)
    page = chats.list_messages.page(chat, limit=3)
    assert (list(page.items), page.has_more) == (sent[4:], True)
    page = chats.list_messages.page(chat, limit=7.0)  # JSON has one kind of number
    assert (list(page.items), page.has_more) == (sent, False)


def test_before_and_after_pages_walk_to_either_end(chats: Chats) -> None:
    _, chat, sent = _chat_with(chats, 7)
    page = chats.list_messages.page(chat, limit=3, before=sent[4].id)
    assert (list(page.items), page.has_more) == (sent[1:4], True)
    page = chats.list_messages.page(chat, limit=3, before=sent[1].id)
    assert (list(page.items), page.has_more) == (sent[:1], False)
    page = chats.list_messages.page(chat, limit=3, after=sent[1].id)
    assert (list(page.items), page.has_more) == (sent[2:5], True)
    page = chats.list_messages.page(chat, limit=3, after=sent[3].id)
    assert (list(page.items), page.has_more) == (sent[4:], False)


def test_with_both_cursors_a_page_is_the_first_after_after(chats: Chats) -> None:
    _, chat, sent = _chat_with(chats, 7)
    page = chats.list_messages.page(chat, limit=2, after=sent[0].id, before=sent[5].id)
    assert (list(page.items), page.has_more) == (sent[1:3], True)
    page = chats.list_messages.page(chat, limit=4, after=sent[0].id, before=sent[5].id)
    assert (list(page.items), page.has_more) == (sent[1:5], False)
    page = chats.list_messages.page(chat, limit=4, after=sent[5].id, before=sent[0].id)
    assert (list(page.items), page.has_more) == ([], False)


def test_a_cursor_without_a_limit_selects_everything_on_its_side(chats: Chats) -> None:
    _, chat, sent = _chat_with(chats, 5)
    assert chats.list_messages(chat, after=sent[1].id) == sent[2:]
    assert chats.list_messages(chat, before=sent[3].id) == sent[:3]
    assert chats.list_messages(chat, after=sent[0].id, before=sent[4].id) == sent[1:4]


def test_walking_pages_either_way_gives_back_the_whole_list(chats: Chats) -> None:
    _, chat, sent = _chat_with(chats, 11)
    backward: list[Message] = []
    page = chats.list_messages.page(chat, limit=4)
    backward[:0] = page.items
    while page.has_more:
        page = chats.list_messages.page(chat, limit=4, before=backward[0].id)
        backward[:0] = page.items
    forward = list(chats.list_messages.page(chat, limit=4, before=sent[4].id).items)[:1]
    page = chats.list_messages.page(chat, limit=3, after=forward[0].id)
    forward += page.items
    while page.has_more:
        page = chats.list_messages.page(chat, limit=3, after=forward[-1].id)
        forward += page.items
    assert backward == sent == forward


def test_a_cursor_of_another_chat_or_of_nothing_is_not_found(chats: Chats) -> None:
    alice, chat, sent = _chat_with(chats, 2)
    other = chats.create_chat("other", [alice]).id
    elsewhere = chats.send_message(other, alice, "elsewhere")
    ghost = str(uuid.uuid4())
    for field, cursor in (("before", elsewhere.id), ("after", ghost)):
        with pytest.raises(MessageNotFound) as raised:
            chats.list_messages.page(chat, limit=5, **{field: cursor})
        assert (raised.value.field, raised.value.code) == (field, "message_not_found")
    with pytest.raises(ChatNotFound):
        chats.list_messages.page(ghost, limit=5, before=sent[0].id)
    with pytest.raises(ChatNotFound):
        chats.list_messages.page(ghost, limit=5)
    with pytest.raises(Invalid) as malformed:
        chats.list_messages.page(chat, limit=5, after="abc")
    assert malformed.value.field == "after"


@pytest.mark.parametrize("limit", [0, 1001, -1, "5", True, 1.5, None, [5]])
def test_a_limit_outside_1_to_1000_or_not_a_whole_number_is_invalid(
    chats: Chats, limit: object
) -> None:
    alice, chat, _ = _chat_with(chats, 1)
    for call in (
        lambda: chats.list_messages.page(chat, limit=limit),
        lambda: chats.list_chats.page(alice, limit=limit),
    ):
        with pytest.raises(Invalid) as raised:
            call()
        assert (raised.value.code, raised.value.field) == ("invalid_field", "limit")


def test_chat_pages_walk_the_contract_s_order(chats: Chats) -> None:
    alice = chats.add_user("alice").id
    for n in range(7):
        chat = chats.create_chat(f"chat {n}", [alice])
        if n % 2:
            chats.send_message(chat.id, alice, "hi")
    whole = chats.list_chats(alice)
    walked: list[Chat] = []
    page = chats.list_chats.page(alice, limit=3)
    walked += page.chats
    while page.next is not None:
        page = chats.list_chats.page(alice, limit=3, after=page.next)
        walked += page.chats
    assert walked == whole
    assert chats.list_chats.page(alice, limit=7).next is None


def test_a_chat_list_walk_never_repeats_a_chat_that_gets_messages_during_it(chats: Chats) -> None:
    alice = chats.add_user("alice").id
    created = [chats.create_chat(f"chat {n}", [alice]) for n in range(6)]
    for chat in created[::2]:
        chats.send_message(chat.id, alice, "hi")
    page = chats.list_chats.page(alice, limit=2)
    seen = [c.id for c in page.chats]
    while page.next is not None:
        for chat in created:  # every chat jumps to the top while the walk goes on
            chats.send_message(chat.id, alice, "again")
        page = chats.list_chats.page(alice, limit=2, after=page.next)
        seen += [c.id for c in page.chats]
    assert len(seen) == len(set(seen))
    assert chats.list_chats.page(alice, limit=2).chats[0].id == created[-1].id


def test_a_chat_cursor_of_another_user_or_of_nothing_is_invalid(chats: Chats) -> None:
    alice, bob = chats.add_user("alice").id, chats.add_user("bob").id
    for n in range(3):
        chats.create_chat(f"chat {n}", [alice, bob])
    cursor = chats.list_chats.page(alice, limit=1).next
    assert cursor is not None
    assert chats.list_chats.page(alice, limit=1, after=cursor).chats
    for bad in (cursor[:-1], cursor + "A", "x" * len(cursor), 42, None, "é" * len(cursor)):
        with pytest.raises(InvalidCursor) as raised:
            chats.list_chats.page(alice, after=bad)
        assert (raised.value.code, raised.value.field) == ("invalid_cursor", "after")
    with pytest.raises(InvalidCursor):
        chats.list_chats.page(bob, after=cursor)


def test_users_are_looked_up_by_id_by_name_in_any_case_and_many_in_order(chats: Chats) -> None:
    alice, zoe = chats.add_user("Alice"), chats.add_user("Zoe\u0301")
    assert chats.look_up_users.by_id(alice.id.upper()) == alice
    assert chats.look_up_users.by_name("aLICE") == alice
    assert chats.look_up_users.by_name("ZO\u00c9") == zoe
    assert chats.look_up_users.by_ids([zoe.id, alice.id]) == [zoe, alice]
    ghosts = [str(uuid.uuid4()) for _ in range(2)]
    with pytest.raises(UserNotFound) as raised:
        chats.look_up_users.by_ids([ghosts[0], alice.id, ghosts[1]])
    assert raised.value == UserNotFound(ghosts, field="users")
    with pytest.raises(UserNotFound) as one:
        chats.look_up_users.by_id(ghosts[0])
    assert one.value.field == "user"
    with pytest.raises(UserNotFound) as named:
        chats.look_up_users.by_name("bob")
    assert (named.value.field, named.value.code) == ("username", "user_not_found")
    with pytest.raises(DuplicateUser):
        chats.look_up_users.by_ids([alice.id, alice.id.upper()])
    with pytest.raises(Invalid):
        chats.look_up_users.by_ids([alice.id] * 1001)


def test_a_reader_asking_for_what_comes_after_its_newest_misses_nothing(chats: Chats) -> None:
    alice = chats.add_user("alice").id
    chat = chats.create_chat("busy", [alice]).id
    first = chats.send_message(chat, alice, "start")
    writers, each = 8, 25
    done = threading.Event()
    collected: list[Message] = [first]

    def read() -> None:
        while True:
            finished = done.is_set()
            collected.extend(chats.list_messages(chat, after=collected[-1].id))
            if finished:
                return

    reader = threading.Thread(target=read)
    reader.start()
    try:
        outcomes = race(
            writers, lambda n: [chats.send_message(chat, alice, f"{n}") for _ in range(each)]
        )
    finally:
        done.set()
        reader.join()
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert len(collected) == 1 + writers * each
    assert collected == chats.list_messages(chat)
