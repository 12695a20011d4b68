"""What one benchmark run measures: data shapes, servers, concurrency, durations.

``FULL`` is ``make bench`` (fits in ten minutes on two cores); ``SMOKE`` is
``make bench-smoke`` (a few seconds per server, tiny data, every method and
baseline still exercised) so CI keeps the harness from rotting.
"""

from __future__ import annotations

import attrs

# The five methods of the contract, in the order the reports list them.
METHODS = ("users/add", "chats/add", "messages/add", "chats/get", "messages/get")

# Sends to one busy group chat: every connection posts to the same chat as
# another of its members (v2), beside ``messages/add``, spread over many chats.
SENDS = ("messages/add", "messages/add-busy")

# Pages of 50 (v2): each of the three kinds of message page on the 1,000- and on
# the 200,000-message chat, and a chat page of the 1,000-chat user and of a user
# in a crowd of chats. Compared with each other, and with the bare HTTP ceiling.
PAGES = (
    "messages/page",
    "messages/page-big",
    "messages/before",
    "messages/before-big",
    "messages/after",
    "messages/after-big",
    "chats/page",
    "chats/page-crowded",
)

# The chat pages run at a few connections whatever the target's: the crowded
# user's page is ~50 ms of database work, so at 32 connections requests queue
# past the pool's 2 s wait and are answered 503 (overload, as documented),
# which the bench counts as failures. Both chat pages run alike, so their
# costs compare.
PAGE_CONNECTIONS = {"chats/page": 4, "chats/page-crowded": 4}

# Each method's hand-written ceiling (see bench/baselines.py).
CEILING_OF = {
    "users/add": "write",
    "chats/add": "write",
    "messages/add": "write",
    "messages/add-busy": "write-busy",
    "chats/get": "read-chats",
    "messages/get": "read-messages",
    **dict.fromkeys(PAGES, "http"),
}

# The path and request body each baseline is driven with.
BASELINE_LOADS = {
    "http": "messages/add",
    "write": "messages/add",
    "write-busy": "messages/add-busy",
    "read-chats": "chats/get",
    "read-messages": "messages/get",
}


@attrs.frozen
class DataShape:
    """How much data a database is seeded with, and the shapes the methods read."""

    name: str
    users: int
    chats: int
    messages: int
    busy_user_chats: int  # the chats of the user /chats/get lists
    page_messages: int  # the messages of the chat /messages/get lists
    big_chat_messages: int  # the chat whose whole list must stream in flat memory
    crowded_user_chats: int  # the chats of the user whose first chat page is timed
    group_members: int = 64  # the members of the busy group chat the busy sends go to


@attrs.frozen
class Target:
    """One server configuration measured against one database."""

    label: str
    backend: str  # "postgresql" or "sqlite"
    data: DataShape
    workers: int
    connections: tuple[int, ...]
    methods: tuple[str, ...] = (*METHODS, "messages/add-busy")
    baselines: tuple[str, ...] = ()  # ceilings measured beside it (PostgreSQL only)
    memory_probe: bool = False  # stream the big chat and watch the server's RSS
    page_connections: tuple[int, ...] = ()  # the concurrency the PAGES are measured at
    profiled: tuple[str, ...] = ()  # methods whose CPU is sampled (bench/profile.py)


@attrs.frozen
class Plan:
    name: str
    duration_s: float
    targets: tuple[Target, ...]  # the first is the one the targets are judged on
    focus_connections: int  # the concurrency the targets are judged at
    small: str | None = None  # the target on small data, for the flat-cost comparison

    @property
    def shapes(self) -> tuple[DataShape, ...]:
        seen: dict[str, DataShape] = {}
        for target in self.targets:
            seen.setdefault(target.data.name, target.data)
        return tuple(seen.values())


LARGE = DataShape(
    name="large",
    users=10_000,
    chats=20_000,
    messages=1_000_000,
    busy_user_chats=1_000,
    page_messages=1_000,
    big_chat_messages=200_000,
    crowded_user_chats=50_000,
)
# Same result sizes as LARGE with a hundredth of the messages: the flat-cost comparison.
SMALL = DataShape(
    name="small",
    users=1_000,
    chats=2_000,
    messages=10_000,
    busy_user_chats=1_000,
    page_messages=1_000,
    big_chat_messages=2_000,
    crowded_user_chats=1_000,
)
TINY = DataShape(
    name="tiny",
    users=60,
    chats=50,
    messages=600,
    busy_user_chats=20,
    page_messages=50,
    big_chat_messages=300,
    crowded_user_chats=200,
)

ALL_BASELINES = ("http", "write", "write-busy", "read-chats", "read-messages")

# The list methods and a page, sampled at the focus concurrency on one worker.
PROFILED = ("messages/get", "chats/get", "messages/page")

SQLITE_READS_BEFORE = {"chats/get": 35.0, "messages/get": 55.0}
"""SQLite's lists (small data, one worker, 32 connections, req/s) before they were read
as documents: the full run of 2026-11-27 (docs/performance.md), the last that measured them."""

FULL = Plan(
    name="full",
    duration_s=5.0,
    focus_connections=32,
    small="pg-small-1w",
    targets=(
        Target(
            "pg-1w",
            "postgresql",
            LARGE,
            workers=1,
            connections=(1, 32, 128),
            baselines=ALL_BASELINES,
            memory_probe=True,
            page_connections=(1, 32, 128),
            profiled=PROFILED,
        ),
        Target("pg-2w", "postgresql", LARGE, workers=2, connections=(32,), baselines=ALL_BASELINES),
        Target("pg-small-1w", "postgresql", SMALL, workers=1, connections=(32,)),
        Target("sqlite-1w", "sqlite", SMALL, workers=1, connections=(32,)),
    ),
)

SMOKE = Plan(
    name="smoke",
    duration_s=1.0,
    focus_connections=4,
    targets=(
        Target(
            "pg-1w",
            "postgresql",
            TINY,
            workers=1,
            connections=(4,),
            baselines=ALL_BASELINES,
            memory_probe=True,
            page_connections=(4,),
            profiled=PROFILED,
        ),
        Target("sqlite-1w", "sqlite", TINY, workers=1, connections=(4,)),
    ),
)
