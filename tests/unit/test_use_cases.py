"""Every use case on the in-memory adapters: results and every error."""

from __future__ import annotations

from datetime import timedelta

import pytest

from adapters.memory import MemoryStore
from chat_domain.errors import (
    ChatNameTaken,
    ChatNotFound,
    DuplicateUser,
    Invalid,
    NotAMember,
    UsernameTaken,
    UserNotFound,
)
from entrypoints.bootstrap import Chats
from tests.fakes import TickingClock

NOBODY = "0193a5c4-6b2e-7cf1-9d4e-3a1f2b7c8d90"


def test_add_user_returns_the_user_with_id_and_time(chats: Chats) -> None:
    user = chats.add_user("alice")
    assert user.username == "alice"
    assert user.created_at.tzinfo is not None
    assert len(user.id) == 36


def test_add_user_with_taken_name_in_other_case_is_conflict(chats: Chats) -> None:
    chats.add_user("Alice")
    with pytest.raises(UsernameTaken) as info:
        chats.add_user("aLiCe")
    assert info.value.code == "username_taken"
    assert "aLiCe" in info.value.detail


def test_add_user_with_invalid_name_is_invalid(chats: Chats) -> None:
    with pytest.raises(Invalid):
        chats.add_user("two words")


def test_create_chat_keeps_member_order(chats: Chats) -> None:
    a, b, c = (chats.add_user(n).id for n in ("a", "b", "c"))
    chat = chats.create_chat("trio", [c, a, b])
    assert chat.users == (c, a, b)
    assert chat.last_message_at is None


def test_create_chat_with_one_member_is_allowed(chats: Chats) -> None:
    a = chats.add_user("solo").id
    assert chats.create_chat("notes", [a]).users == (a,)


def test_create_chat_with_taken_name_in_other_case_is_conflict(chats: Chats) -> None:
    a = chats.add_user("a").id
    chats.create_chat("Team", [a])
    with pytest.raises(ChatNameTaken) as info:
        chats.create_chat("TEAM", [a])
    assert info.value.code == "chat_name_taken"


def test_create_chat_with_unknown_members_lists_every_missing_id(chats: Chats) -> None:
    a = chats.add_user("a").id
    other = NOBODY.replace("8d90", "8d91")
    with pytest.raises(UserNotFound) as info:
        chats.create_chat("team", [NOBODY, a, other])
    assert info.value.user_ids == (NOBODY, other)
    assert info.value.field == "users"
    assert NOBODY in info.value.detail
    assert other in info.value.detail


def test_create_chat_with_one_unknown_member_names_its_position(chats: Chats) -> None:
    a = chats.add_user("a").id
    with pytest.raises(UserNotFound) as info:
        chats.create_chat("team", [a, NOBODY])
    assert info.value.field == "users[1]"


def test_create_chat_with_duplicate_member_is_refused(chats: Chats) -> None:
    a = chats.add_user("a").id
    with pytest.raises(DuplicateUser):
        chats.create_chat("team", [a, a])


def test_send_returns_the_message(chats: Chats) -> None:
    a = chats.add_user("a").id
    chat = chats.create_chat("team", [a]).id
    message = chats.send_message(chat, a, " hi ")
    assert (message.chat, message.author, message.text) == (chat, a, " hi ")


def test_send_advances_the_chats_last_message_time(chats: Chats) -> None:
    a = chats.add_user("a").id
    chat = chats.create_chat("team", [a]).id
    message = chats.send_message(chat, a, "hi")
    (listed,) = chats.list_chats(a)
    assert listed.last_message_at == message.created_at


def test_send_by_non_member_is_forbidden(chats: Chats) -> None:
    a, b = chats.add_user("a").id, chats.add_user("b").id
    chat = chats.create_chat("team", [a]).id
    with pytest.raises(NotAMember) as info:
        chats.send_message(chat, b, "hi")
    assert info.value.field == "author"
    assert info.value.code == "not_a_member"


def test_send_to_unknown_chat_is_chat_not_found(chats: Chats) -> None:
    a = chats.add_user("a").id
    with pytest.raises(ChatNotFound) as info:
        chats.send_message(NOBODY, a, "hi")
    assert info.value.field == "chat"


def test_send_by_unknown_author_is_user_not_found(chats: Chats) -> None:
    a = chats.add_user("a").id
    chat = chats.create_chat("team", [a]).id
    with pytest.raises(UserNotFound) as info:
        chats.send_message(chat, NOBODY, "hi")
    assert info.value.field == "author"


@pytest.mark.parametrize(("field", "position"), [("chat", 0), ("author", 1), ("text", 2)])
def test_send_with_malformed_argument_names_the_field(
    chats: Chats, field: str, position: int
) -> None:
    a = chats.add_user("a").id
    args: list[object] = [chats.create_chat("team", [a]).id, a, "hi"]
    args[position] = 7
    with pytest.raises(Invalid) as info:
        chats.send_message(*args)
    assert info.value.field == field


def test_list_chats_puts_newest_message_first_then_newest_empty_chat(
    chats: Chats, clock: TickingClock
) -> None:
    a = chats.add_user("a").id
    old_empty, quiet, busy, new_empty = (
        chats.create_chat(name, [a]).id for name in ("old-empty", "quiet", "busy", "new-empty")
    )
    chats.send_message(quiet, a, "first")
    chats.send_message(busy, a, "second")
    assert [c.id for c in chats.list_chats(a)] == [busy, quiet, new_empty, old_empty]


def test_list_chats_breaks_ties_by_larger_id(chats: Chats, clock: TickingClock) -> None:
    a = chats.add_user("a").id
    clock.step = timedelta(0)
    first, second = chats.create_chat("one", [a]).id, chats.create_chat("two", [a]).id
    assert [c.id for c in chats.list_chats(a)] == sorted([first, second], reverse=True)
    chats.send_message(first, a, "x")
    chats.send_message(second, a, "y")
    assert [c.id for c in chats.list_chats(a)] == sorted([first, second], reverse=True)


def test_list_chats_shows_only_the_users_chats(chats: Chats) -> None:
    a, b = chats.add_user("a").id, chats.add_user("b").id
    mine = chats.create_chat("mine", [a, b]).id
    chats.create_chat("theirs", [b])
    assert [c.id for c in chats.list_chats(a)] == [mine]


def test_list_chats_of_user_without_chats_is_empty(chats: Chats) -> None:
    assert chats.list_chats(chats.add_user("a").id) == []


def test_list_chats_of_unknown_user_is_user_not_found(chats: Chats) -> None:
    with pytest.raises(UserNotFound) as info:
        chats.list_chats(NOBODY)
    assert info.value.field == "user"


def test_list_messages_is_oldest_first_with_ties_to_smaller_id(
    chats: Chats, clock: TickingClock
) -> None:
    a = chats.add_user("a").id
    chat = chats.create_chat("team", [a]).id
    early = chats.send_message(chat, a, "1").id
    clock.step = timedelta(0)
    tied = [chats.send_message(chat, a, str(n)).id for n in range(3)]
    assert [m.id for m in chats.list_messages(chat)] == [early, *sorted(tied)]


def test_list_messages_of_empty_chat_is_empty(chats: Chats) -> None:
    a = chats.add_user("a").id
    assert chats.list_messages(chats.create_chat("team", [a]).id) == []


def test_list_messages_of_unknown_chat_is_chat_not_found(chats: Chats) -> None:
    with pytest.raises(ChatNotFound):
        chats.list_messages(NOBODY)


def test_failed_chat_creation_leaves_nothing(chats: Chats, store: MemoryStore) -> None:
    a = chats.add_user("a").id
    with pytest.raises(UserNotFound):
        chats.create_chat("team", [a, NOBODY])
    assert store.chats == {}
    assert chats.list_chats(a) == []
    chats.create_chat("team", [a])  # the name was not taken by the failure


def test_failed_send_leaves_nothing(chats: Chats, store: MemoryStore) -> None:
    a, b = chats.add_user("a").id, chats.add_user("b").id
    chat = chats.create_chat("team", [a]).id
    with pytest.raises(NotAMember):
        chats.send_message(chat, b, "hi")
    assert chats.list_messages(chat) == []
    assert chats.list_chats(a)[0].last_message_at is None


def test_failed_user_creation_leaves_nothing(chats: Chats, store: MemoryStore) -> None:
    chats.add_user("alice")
    with pytest.raises(UsernameTaken):
        chats.add_user("ALICE")
    assert len(store.users) == 1
