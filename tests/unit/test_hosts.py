"""The Host header's parse and the ALLOWED_HOSTS match, against hostile strings."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from entrypoints.http.middleware.hosts import host_allowed, parse_host

ALLOWED = ("chat.example.com", "*.api.example.com")

# Each of these was served by a check that cut the port at the last ":" and
# matched wildcards with endswith.
BYPASSES = [
    "evil.com/.api.example.com",
    "evil.com?.api.example.com",
    "evil.com#.api.example.com",
    "chat.example.com:x@evil.com",
    "chat.example.com:1/evil",
    "evil.com@chat.example.com",
    "chat.example.com:80:80",
    "chat.example.com:",
    ".api.example.com",
    "a..api.example.com",
    "api.example.com",
    "chat.example.com\x00",
    "chat.example.com ",
    "[::1",
    "[::1]x",
    "[chat.example.com]",
    "",
]


@pytest.mark.parametrize("value", BYPASSES)
def test_a_malformed_or_unlisted_host_is_not_allowed(value: str) -> None:
    host = parse_host(value)
    assert host is None or not host_allowed(host, ALLOWED), value


@pytest.mark.parametrize(
    ("value", "host"),
    [
        ("chat.example.com", "chat.example.com"),
        ("CHAT.Example.com:9000", "chat.example.com"),
        ("eu.api.example.com", "eu.api.example.com"),
        ("a.b.api.example.com:443", "a.b.api.example.com"),
    ],
)
def test_a_listed_host_with_or_without_a_port_is_allowed(value: str, host: str) -> None:
    assert parse_host(value) == host
    assert host_allowed(host, ALLOWED)


def test_addresses_parse_bracketed_ipv6_included() -> None:
    assert parse_host("127.0.0.1:9000") == "127.0.0.1"
    assert parse_host("[::1]:9000") == "[::1]"
    assert parse_host("[2001:DB8::1]") == "[2001:db8::1]"
    assert parse_host("::1") is None


_separators = st.sampled_from([*"/?#@:[]\\ %\t", "\r\n", "\x00"])


@given(
    before=st.text(max_size=12),
    separator=_separators,
    after=st.sampled_from(["chat.example.com", ".api.example.com", "x.api.example.com"]),
)
def test_a_listed_name_behind_any_separator_is_never_allowed(
    before: str, separator: str, after: str
) -> None:
    value = f"{before}{separator}{after}"
    host = parse_host(value)
    if host is not None:
        # What parsed is a name (and port) of plain host characters; only a real
        # subdomain of a listed name may pass.
        assert not set(host) & set("/?#@\\ %\t\r\n\x00"), value
        if host_allowed(host, ALLOWED):
            assert host == "chat.example.com" or host.endswith(".api.example.com"), value
            assert ".." not in host
            assert not host.startswith(".")


@given(st.text(max_size=40))
def test_anything_allowed_is_a_listed_name_or_a_subdomain_of_whole_labels(value: str) -> None:
    host = parse_host(value)
    if host is not None and host_allowed(host, ALLOWED):
        labels = host.removesuffix(".api.example.com").split(".")
        assert host == "chat.example.com" or all(labels), value
