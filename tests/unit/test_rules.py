"""One test (or a few) beside each input rule of the contract."""

from __future__ import annotations

import unicodedata

import pytest

from chat_domain import rules
from chat_domain.errors import DuplicateUser, Invalid

ID = "0193a5c4-6b2e-7cf1-9d4e-3a1f2b7c8d90"


def _invalid(func: object, value: object) -> Invalid:
    assert callable(func)
    with pytest.raises(Invalid) as info:
        func(value)
    return info.value


def test_id_in_any_letter_case_is_returned_lowercase() -> None:
    assert rules.parse_id(ID.upper(), "chat") == ID


@pytest.mark.parametrize(
    "value",
    [42, None, "abc", "", ID[:-1], ID + "0", "{" + ID + "}", ID.replace("-", ""), [ID], " " + ID],
)
def test_malformed_id_is_invalid_and_names_the_field(value: object) -> None:
    with pytest.raises(Invalid) as info:
        rules.parse_id(value, "author")
    assert info.value.field == "author"
    assert info.value.code == "invalid_field"


def test_username_is_normalised_to_nfc() -> None:
    decomposed = "Zoe\u0301"
    assert rules.clean_username(decomposed) == unicodedata.normalize("NFC", decomposed)


def test_username_keeps_the_letter_case_given() -> None:
    assert rules.clean_username("Alice") == "Alice"


@pytest.mark.parametrize("length", [1, 64])
def test_username_of_1_to_64_characters_is_accepted(length: int) -> None:
    assert len(rules.clean_username("ж" * length)) == length


def test_username_length_counts_characters_after_nfc() -> None:
    # 64 composed characters, written decomposed as 128 code points.
    assert len(rules.clean_username("e\u0301" * 64)) == 64


@pytest.mark.parametrize("value", ["", "a" * 65])
def test_username_outside_1_to_64_characters_is_invalid(value: str) -> None:
    assert _invalid(rules.clean_username, value).field == "username"


@pytest.mark.parametrize(
    "value", ["a b", "a\tb", "a\u00a0b", "a\u2003b", "a\nb", "a\x07b", "a\x7fb"]
)
def test_username_with_whitespace_or_control_character_is_invalid(value: str) -> None:
    assert _invalid(rules.clean_username, value).field == "username"


@pytest.mark.parametrize(
    "func",
    [rules.clean_username, rules.clean_chat_name, rules.clean_text],
    ids=lambda f: f.__name__,
)
@pytest.mark.parametrize("value", ["a\x00b", "a\ud800b", "\udfff", 5, None, ["a"], b"abc"])
def test_nul_lone_surrogates_and_non_strings_are_invalid_everywhere(
    func: object, value: object
) -> None:
    assert _invalid(func, value).code == "invalid_field"


def test_name_keys_ignore_letter_case() -> None:
    assert rules.name_key("Alice") == rules.name_key("aLICE")
    assert rules.name_key("Straße") == rules.name_key("STRASSE")


def test_name_keys_ignore_unicode_composition() -> None:
    assert rules.name_key("Zoe\u0301") == rules.name_key("Zo\u00e9")


@pytest.mark.parametrize("length", [1, 128])
def test_chat_name_of_1_to_128_characters_is_accepted(length: int) -> None:
    assert len(rules.clean_chat_name("x" * length)) == length


@pytest.mark.parametrize("value", ["", "x" * 129])
def test_chat_name_outside_1_to_128_characters_is_invalid(value: str) -> None:
    assert _invalid(rules.clean_chat_name, value).field == "name"


def test_chat_name_may_hold_inner_spaces() -> None:
    assert rules.clean_chat_name("team chat 2") == "team chat 2"


@pytest.mark.parametrize("value", [" team", "team ", "\tteam", "team\u3000", " "])
def test_chat_name_with_leading_or_trailing_whitespace_is_invalid(value: str) -> None:
    assert _invalid(rules.clean_chat_name, value).field == "name"


@pytest.mark.parametrize("value", ["team\nchat", "team\x1bchat"])
def test_chat_name_with_control_character_is_invalid(value: str) -> None:
    assert _invalid(rules.clean_chat_name, value).field == "name"


def test_text_is_kept_exactly_as_sent() -> None:
    text = "  hi\n\tthere  e\u0301 "
    assert rules.clean_text(text) == text


def test_text_of_4096_emoji_is_accepted() -> None:
    assert len(rules.clean_text("😀" * 4096)) == 4096


@pytest.mark.parametrize("value", ["", "x" * 4097, "😀" * 4097])
def test_text_outside_1_to_4096_characters_is_invalid(value: str) -> None:
    assert _invalid(rules.clean_text, value).field == "text"


@pytest.mark.parametrize("value", [" ", "\n\t ", "\u3000\u2003"])
def test_blank_text_is_invalid(value: str) -> None:
    assert _invalid(rules.clean_text, value).field == "text"


def test_members_keep_their_order_and_are_lowercased() -> None:
    b = ID.replace("8d90", "8d91")
    assert rules.clean_members([b.upper(), ID]) == (b, ID)


@pytest.mark.parametrize("value", [[], (), "not a list", None, {"a": ID}])
def test_members_must_be_a_non_empty_array(value: object) -> None:
    assert _invalid(rules.clean_members, value).field == "users"


def test_malformed_member_id_names_its_position() -> None:
    assert _invalid(rules.clean_members, [ID, "nope"]).field == "users[1]"


def test_same_member_twice_is_a_duplicate_user_even_in_another_letter_case() -> None:
    with pytest.raises(DuplicateUser) as info:
        rules.clean_members([ID, ID.upper()])
    assert info.value.code == "duplicate_user"
    assert info.value.field == "users[1]"
    assert ID in info.value.detail


@pytest.mark.parametrize(
    "value",
    [
        "\u200b",
        "\u3164",
        "\ufeffalice",
        "ad\u200bmin",
        "alice\u202e",
        "\u2066bob\u2069",
        "a\u00adb",
    ],
)
def test_username_with_an_invisible_character_is_invalid(value: str) -> None:
    assert _invalid(rules.clean_username, value).field == "username"


@pytest.mark.parametrize(
    "value",
    [
        "\U0001f468\u200d\U0001f469\u200d\U0001f467",  # a family: emoji joined by U+200D
        "\u2764\ufe0f",  # a heart in emoji style
        "\U0001f3f3\ufe0f\u200d\U0001f308",  # the rainbow flag
        "\U0001f468\U0001f3fd\u200d\U0001f4bb",  # with a skin tone
        "1\ufe0f\u20e3",  # a keycap
    ],
)
def test_username_may_join_emoji_with_u200d_and_u_fe0f(value: str) -> None:
    assert rules.clean_username(value) == value


@pytest.mark.parametrize(
    "value", ["a\u200db", "\u200d\U0001f468", "\U0001f468\u200d", "a\ufe0f", "\ufe0f"]
)
def test_username_joiner_or_variation_selector_outside_an_emoji_is_invalid(value: str) -> None:
    assert _invalid(rules.clean_username, value).field == "username"


@pytest.mark.parametrize("value", ["team\u202echat", "\u2067team", "team\u200e"])
def test_chat_name_with_a_bidirectional_control_is_invalid(value: str) -> None:
    assert _invalid(rules.clean_chat_name, value).field == "name"


@pytest.mark.parametrize("value", ["\u200b", "\u3164\u3164", "\u200b \u200b"])
def test_chat_name_of_only_invisible_characters_is_invalid(value: str) -> None:
    assert _invalid(rules.clean_chat_name, value).field == "name"


def test_chat_name_may_hold_invisible_characters_beside_visible_ones() -> None:
    # A zero-width non-joiner is how Persian writes some words.
    assert rules.clean_chat_name("\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645")


@pytest.mark.parametrize("value", ["\u200b", "\u200b\n\u200b", "\ufeff \u2060", "\x07"])
def test_text_of_only_invisible_characters_is_blank(value: str) -> None:
    assert _invalid(rules.clean_text, value).field == "text"


def test_text_keeps_invisible_characters_beside_visible_ones() -> None:
    assert rules.clean_text("a\u200bb\u202e") == "a\u200bb\u202e"
