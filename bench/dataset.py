"""A realistic, deterministic data set of a given shape, generated as rows.

Everything is derived from one seed, so two runs seed the same data. Rows
come out in streams (users, chats, members, messages) that the loaders write
with COPY (PostgreSQL) or executemany (SQLite); the messages stream is lazy so
a million of them never sit in memory at once.

Times are consistent with the contract: every chat is created before its
first message, messages of a chat come in time order, ids are UUIDv7 whose
time prefix is their row's time, and a chat's ``last_message_at`` is the time
of its newest message (``None`` for a chat without any).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import attrs

from bench.plan import DataShape

_CHATTER = (
    "hello there how are you doing today the meeting moved to friday please review my change"
    " see you soon thanks a lot lunch coffee deploy release tests green build broke again"
    " fixed it ship it later tomorrow morning sounds good ok"
)
_WORDS = _CHATTER.split()

UserRow = tuple[str, str, datetime]  # id, username, created_at
ChatRow = tuple[str, str, datetime, datetime | None]  # id, name, created_at, last_message_at
MemberRow = tuple[str, str, int]  # chat id, user id, position
MessageRow = tuple[str, str, str, str, datetime]  # id, chat, author, text, created_at


def uuid7(when: datetime, rng: random.Random) -> str:
    """A UUIDv7 string with ``when``'s milliseconds as its time prefix."""
    millis = int(when.timestamp() * 1000)
    value = (millis << 80) | (0x7 << 76) | (rng.getrandbits(12) << 64)
    value |= (0b10 << 62) | rng.getrandbits(62)
    h = f"{value:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


@attrs.frozen
class Handles:
    """The ids the load scripts drive the methods with."""

    users: tuple[str, ...]  # members for /chats/add
    sends: tuple[tuple[str, str], ...]  # (chat, author) pairs for /messages/add
    busy_user: str  # member of ``busy_user_chats`` chats, for /chats/get
    crowded_user: str  # member of ``crowded_user_chats`` chats more, for a chat page
    page_chat: str  # holds ``page_messages`` messages, for /messages/get
    big_chat: str  # holds ``big_chat_messages`` messages, for the memory probe
    group_sends: tuple[tuple[str, str], ...] = ()  # (group chat, member) for busy sends

    def write(self, path: Path) -> None:
        """One ``kind id...`` line per handle, the format bench/lua/driver.lua reads."""
        lines = [f"busy_user {self.busy_user}", f"page_chat {self.page_chat}"]
        lines.append(f"crowded_user {self.crowded_user}")
        lines.append(f"big_chat {self.big_chat}")
        lines += [f"user {user}" for user in self.users]
        lines += [f"send {chat} {author}" for chat, author in self.sends]
        lines += [f"group_send {chat} {author}" for chat, author in self.group_sends]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")


class Dataset:
    """The rows of one data shape. Chat 0..B-1 hold the busy user; chat B is the
    page chat, chat B+1 the big chat; the other messages land on random chats.
    Past the shape's chats come the crowded user's, without messages (a chat
    page's cost is the walk over the user's memberships, whatever they hold)."""

    def __init__(self, shape: DataShape, *, seed: int = 5, now: datetime | None = None) -> None:
        self.shape = shape
        self._seed = seed
        end = (now or datetime.now(UTC)) - timedelta(minutes=1)
        self._start = end - timedelta(days=30)
        self._chats_end = self._start + timedelta(days=1)
        self._msg_step = (end - self._chats_end) / max(shape.messages, 1)
        rng = random.Random(seed)
        self.user_ids = [uuid7(self._user_time(i), rng) for i in range(shape.users)]
        self.chat_ids = [uuid7(self._chat_time(i), rng) for i in range(shape.chats)]
        self._members = [self._pick_members(i, rng) for i in range(shape.chats)]
        self._chat_of_message = self._assign_messages(rng)
        crowd = random.Random(seed + 3)  # apart, so the data above stays as it was
        for i in range(shape.chats, shape.chats + shape.crowded_user_chats):
            self.chat_ids.append(uuid7(self._chat_time(i), crowd))
            self._members.append((1, crowd.randrange(2, shape.users)))
        # Last, the busy group chat: many members, no messages yet.
        self.group_chat = len(self.chat_ids)
        self.chat_ids.append(uuid7(self._chat_time(self.group_chat), crowd))
        self._members.append(tuple(range(2, 2 + min(shape.group_members, shape.users - 2))))
        self._last_message = {chat: k for k, chat in enumerate(self._chat_of_message)}

    @property
    def busy_chats(self) -> int:
        return self.shape.busy_user_chats

    def _user_time(self, i: int) -> datetime:
        return self._start + timedelta(seconds=i)

    def _chat_time(self, i: int) -> datetime:
        return self._start + timedelta(hours=6, seconds=i)

    def _message_time(self, k: int) -> datetime:
        return self._chats_end + self._msg_step * k

    def _pick_members(self, chat: int, rng: random.Random) -> tuple[int, ...]:
        other = rng.randrange(1, self.shape.users)
        if chat < self.busy_chats:
            return (0, other)
        first = rng.randrange(1, self.shape.users)
        while other == first:
            other = rng.randrange(1, self.shape.users)
        return (first, other)

    def _assign_messages(self, rng: random.Random) -> list[int]:
        shape = self.shape
        page, big = self.busy_chats, self.busy_chats + 1
        rest = shape.messages - shape.page_messages - shape.big_chat_messages
        # One busy chat in ten stays silent, so /chats/get orders both kinds.
        others = [c for c in range(shape.chats) if c not in (page, big) and c % 10 != 9]
        chats = [page] * shape.page_messages + [big] * shape.big_chat_messages
        chats += rng.choices(others, k=rest)
        rng.shuffle(chats)
        return chats

    def users(self) -> Iterator[UserRow]:
        for i, user_id in enumerate(self.user_ids):
            yield (user_id, f"user_{i}", self._user_time(i))

    def chats(self) -> Iterator[ChatRow]:
        for i, chat_id in enumerate(self.chat_ids):
            last = self._last_message.get(i)
            last_at = None if last is None else self._message_time(last)
            yield (chat_id, f"chat_{i}", self._chat_time(i), last_at)

    def member_ids(self, chat: int) -> list[str]:
        """The ids of chat number ``chat``'s members, in its order."""
        return [self.user_ids[user] for user in self._members[chat]]

    def members(self) -> Iterator[MemberRow]:
        for i, chat_id in enumerate(self.chat_ids):
            for position, user in enumerate(self._members[i]):
                yield (chat_id, self.user_ids[user], position)

    def messages(self) -> Iterator[MessageRow]:
        rng = random.Random(self._seed + 1)
        words = _WORDS
        for k, chat in enumerate(self._chat_of_message):
            when = self._message_time(k)
            author = self.user_ids[rng.choice(self._members[chat])]
            text = " ".join(rng.choices(words, k=rng.randint(2, 20)))
            yield (uuid7(when, rng), self.chat_ids[chat], author, text, when)

    def handles(self, *, sends: int = 2_000) -> Handles:
        rng = random.Random(self._seed + 2)
        pairs: list[tuple[str, str]] = []
        # Sends skip the page and big chats, so the lists the reads time keep their size.
        readable = (self.busy_chats, self.busy_chats + 1)
        while len(pairs) < min(sends, self.shape.chats - 2):
            chat = rng.randrange(self.shape.chats)
            if chat in readable:
                continue
            pairs.append((self.chat_ids[chat], self.user_ids[rng.choice(self._members[chat])]))
        return Handles(
            users=tuple(self.user_ids[: min(len(self.user_ids), 2_000)]),
            sends=tuple(pairs),
            busy_user=self.user_ids[0],
            crowded_user=self.user_ids[1],
            page_chat=self.chat_ids[self.busy_chats],
            big_chat=self.chat_ids[self.busy_chats + 1],
            group_sends=tuple(
                (self.chat_ids[self.group_chat], self.user_ids[member])
                for member in self._members[self.group_chat]
            ),
        )
