"""The in-memory adapter and a SQL adapter, driven side by side, must answer alike.

Hypothesis applies the same random operations (valid and invalid) to both,
with the same ids and the same clock, and demands identical results and
identical errors after every step and of every list at the end. Ids are
drawn so their order differs from creation order, and the clock is set back
and held still at times, so ordering ties and late messages are exercised.
On each side, every list is read as documents too, and its pages awaited on
an event loop (``PageViews``) where the side has them, which must be the
entities' JSON byte for byte (``tests.documents``).
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable
from datetime import timedelta
from operator import methodcaller
from typing import Any, ClassVar

import attrs
import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    multiple,
    rule,
    run_state_machine_as_test,
)

from adapters.memory import MemoryStore
from adapters.memory.views import MemoryPageViews
from chat_domain.batches import Pipeline
from chat_domain.errors import ChatError
from chat_domain.model import UNSET, Chat, Message, User, chat_list_key
from chat_domain.ports import UnitOfWorkFactory
from chat_domain.sends import SendPipeline
from chat_domain.views import PageViews
from entrypoints.bootstrap import Chats, Database, bootstrap
from tests.documents import chat_lists_agree, message_lists_agree
from tests.fakes import EPOCH, ListedIds, TickingClock
from tests.integration.databases import clear_tables

STEPS = 25

# Valid names from a tiny alphabet, so letter-case clashes are common; some
# that clash only after NFC or casefolding; and anything at all.
valid_usernames = st.text(alphabet="abAB", min_size=1, max_size=3) | st.sampled_from(
    ["Straße", "STRASSE", "ǅ", "ǆ", "Ǆ"]
)
valid_chat_names = st.text(alphabet="cdCD", min_size=1, max_size=4) | st.sampled_from(
    ["Café", "CAFÉ", "Cafe\u0301", "💬"]
)
any_names = st.text(max_size=3) | st.sampled_from(["x" * 129, " x", "x\n"])
texts = st.one_of(
    st.sampled_from(["hi", " ", "🎉" * 4096, "x" * 4097, "a\x00b"]), st.text(max_size=4)
)
keys = st.sampled_from([UNSET, "k1", "k2"])  # few keys: replays and reuses are common
unknown_ids = st.uuids().map(str)
malformed_ids = st.sampled_from(["abc", 42, None, ""])
clock_times = st.sampled_from([timedelta(0), timedelta(microseconds=1), timedelta(seconds=-1)])
clock_steps = st.sampled_from([timedelta(0), timedelta(milliseconds=1)])  # 0: everything ties


@attrs.define
class Side:
    chats: Chats
    clock: TickingClock
    ids: ListedIds


def _side(uow: UnitOfWorkFactory, awaited: PageViews | None) -> Side:
    clock, ids = TickingClock(), ListedIds()
    return Side(bootstrap(uow, clock=clock, ids=ids, awaited=awaited), clock, ids)


def _ties(listed: object) -> set[str]:
    """Which lists' tie rules a list exercised: two neighbours at the same time.

    Within a chat no two messages share a time, however the clock stood
    (``model.visible_at``); chats may, and then their ids order them.
    """
    if not isinstance(listed, list) or len(listed) < 2:
        return set()
    if isinstance(listed[0], Message):
        times = [message.created_at for message in listed]
        assert all(a < b for a, b in itertools.pairwise(times)), listed
        return {"message times increase"}
    if not isinstance(listed[0], Chat):
        return set()  # the outcomes of sends
    keys = [chat_list_key(chat)[:2] for chat in listed]
    return {"chat"} if any(a == b for a, b in itertools.pairwise(keys)) else set()


class MemoryAndSql(RuleBasedStateMachine):
    """Set ``database`` before running (rules cannot take pytest fixtures)."""

    database: Database
    ties_seen: ClassVar[set[str]] = set()
    users = Bundle("users")
    chats = Bundle("chats")

    def __init__(self) -> None:
        super().__init__()
        clear_tables(self.database.engine)
        memory = MemoryStore().unit_of_work
        self.sides = (
            _side(memory, MemoryPageViews(memory)),
            _side(self.database.uow, self.database.page_views()),
        )
        self.issued = 0
        self.user_ids: list[str] = []
        self.chat_ids: list[str] = []

    def _alike(
        self, call: Callable[[Chats], Any], id_rank: int | None = None, *, ids: int = 1
    ) -> Any:
        """Run ``call`` on both sides; the results (or errors) must be identical."""
        if id_rank is not None:
            for _ in range(ids):
                self.issued += 1  # unique, but ordered by rank first: not creation order
                new_id = f"{id_rank:08x}-0000-7000-8000-{self.issued:012x}"
                for side in self.sides:
                    side.ids.push(new_id)
        outcomes: list[Any] = []
        for side in self.sides:
            try:
                outcomes.append(call(side.chats))
            except ChatError as error:
                outcomes.append(error)
            finally:
                side.ids.clear()
        memory, sql = outcomes
        assert sql == memory
        assert repr(sql) == repr(memory)  # down to the tzinfo of every time
        MemoryAndSql.ties_seen |= _ties(memory)
        return memory

    @initialize(
        target=users,
        names=st.lists(valid_usernames, min_size=2, max_size=4),
        step=clock_steps,
    )
    def start(self, names: list[str], step: timedelta) -> Any:
        # Every run starts with a few users; half hold the clock still, so
        # lists are full of time ties that only the ids can order.
        for side in self.sides:
            side.clock.set(EPOCH, step=step)
        created = [self.add_user(name, rank=-n % 4) for n, name in enumerate(names)]
        user_ids = [user_id for user_id in created if isinstance(user_id, str)]
        if user_ids:
            # Two chats made at one moment (when the clock holds still): a tie
            # in the chat list that only their ids can order.
            for n, rank in enumerate((2, 1)):
                chat = self._alike(methodcaller("create_chat", f"start {n}", user_ids[:1]), rank)
                if isinstance(chat, Chat):
                    self.chat_ids.append(chat.id)
        return multiple(*user_ids)

    @rule(target=users, name=valid_usernames | any_names, rank=st.integers(0, 3))
    def add_user(self, name: object, rank: int) -> Any:
        user = self._alike(methodcaller("add_user", name), rank)
        if not isinstance(user, User):
            return multiple()
        self.user_ids.append(user.id)
        return user.id

    @rule(
        target=users,
        names=st.lists(st.sampled_from(["ann", "ANN", "bob"]) | valid_usernames, max_size=5),
        rank=st.integers(0, 3),
    )
    def add_users_together(self, names: list[str], rank: int) -> Any:
        # Concurrent users/add through one pipeline: gathered into one batch,
        # names taken before or earlier in the batch refused one by one.
        def together(chats: Chats) -> list[object]:
            add = chats.add_user
            prepared = [add.prepare(name) for name in names]
            pipeline = Pipeline(add.deliver, asyncio.to_thread)

            async def all_at_once() -> list[object]:
                return await asyncio.gather(
                    *(pipeline.send(user) for user in prepared), return_exceptions=True
                )

            return asyncio.run(all_at_once())

        outcomes = self._alike(together, rank, ids=len(names))
        made = [user.id for user in outcomes if isinstance(user, User)]
        self.user_ids.extend(made)
        return multiple(*made)

    @rule(
        target=chats,
        name=valid_chat_names,
        members=st.lists(users, min_size=1, max_size=3, unique=True),
        rank=st.integers(0, 3),
    )
    def create_chat(self, name: object, members: list[str], rank: int) -> Any:
        chat = self._alike(methodcaller("create_chat", name, members), rank)
        if not isinstance(chat, Chat):
            return multiple()
        self.chat_ids.append(chat.id)
        return chat.id

    @rule(
        target=chats,
        wanted=st.lists(
            st.tuples(
                st.sampled_from(["room", "ROOM", "hall"]) | valid_chat_names,
                st.lists(users, min_size=1, max_size=3, unique=True),
            ),
            max_size=4,
        ),
        rank=st.integers(0, 3),
    )
    def create_chats_together(self, wanted: list[tuple[str, list[str]]], rank: int) -> Any:
        # Concurrent chats/add through one pipeline, names taken within the batch too.
        def together(chats: Chats) -> list[object]:
            create = chats.create_chat
            prepared = [create.prepare(name, members) for name, members in wanted]
            pipeline = Pipeline(create.deliver, asyncio.to_thread)

            async def all_at_once() -> list[object]:
                return await asyncio.gather(
                    *(pipeline.send(chat) for chat in prepared), return_exceptions=True
                )

            return asyncio.run(all_at_once())

        # A tuple: the outcomes of a batch, not a chat list for the tie rules.
        outcomes = self._alike(lambda chats: tuple(together(chats)), rank, ids=len(wanted))
        made = [chat.id for chat in outcomes if isinstance(chat, Chat)]
        self.chat_ids.extend(made)
        return multiple(*made)

    @rule(chat=chats, author=users, text=texts, key=keys, rank=st.integers(0, 3))
    def send_message(self, chat: str, author: str, text: object, key: object, rank: int) -> None:
        given = () if key is UNSET else (key,)
        self._alike(lambda chats: chats.send_message.sent(chat, author, text, *given), rank)

    @rule(
        chat=chats,
        sends=st.lists(st.tuples(users, st.sampled_from(["hi", "yo"]), keys), max_size=6),
        rank=st.integers(0, 3),
    )
    def send_together(self, chat: str, sends: list[tuple[str, str, object]], rank: int) -> None:
        # Concurrent sends through the send pipeline: gathered into one batch.
        def together(chats: Chats) -> list[object]:
            send = chats.send_message
            messages = [
                send.prepare(chat, author, text, *(() if key is UNSET else (key,)))
                for author, text, key in sends
            ]
            pipeline = SendPipeline(send.deliver, asyncio.to_thread)

            async def all_at_once() -> list[object]:
                return await asyncio.gather(
                    *(pipeline.send(m) for m in messages), return_exceptions=True
                )

            return asyncio.run(all_at_once())

        self._alike(together, rank, ids=len(sends))

    @rule(chat=chats, members=st.lists(users, min_size=1, max_size=3, unique=True))
    def send_as_every_member(self, chat: str, members: list[str]) -> None:
        # Random authors are seldom members; this gets messages into chats.
        for author in members:
            self._alike(methodcaller("send_message", chat, author, "hi"), 0)

    @rule(user=users, limit=st.integers(1, 3))
    def list_chats(self, user: str, limit: int) -> None:
        self._alike(methodcaller("list_chats", user))
        for side in self.sides:  # and read as documents, the same on each side
            chat_lists_agree(side.chats, user, limit=limit)

    @rule(chat=chats, limit=st.integers(1, 3), pick=st.integers(0, 20))
    def list_messages(self, chat: str, limit: int, pick: int) -> None:
        whole = self._alike(methodcaller("list_messages", chat))
        cursor = whole[pick % len(whole)].id if isinstance(whole, list) and whole else chat
        for side in self.sides:
            message_lists_agree(side.chats, chat, limit=limit, cursor=cursor)

    @rule(
        chat=chats,
        limit=st.integers(1, 4),
        cursors=st.sampled_from([(), ("before",), ("after",), ("after", "before")]),
        picks=st.tuples(st.integers(0, 20), st.integers(0, 20)),
    )
    def page_messages(
        self, chat: str, limit: int, cursors: tuple[str, ...], picks: tuple[int, int]
    ) -> None:
        whole = self._alike(methodcaller("list_messages", chat))
        if not isinstance(whole, list) or (cursors and not whole):
            return
        chosen = zip(cursors, picks[: len(cursors)], strict=True)
        given = {name: whole[pick % len(whole)].id for name, pick in chosen}
        page = self._messages_page(chat, limit=limit, **given)
        unpaged = self._alike(lambda chats: chats.list_messages(chat, **given))
        if "before" not in given and "after" not in given:
            assert list(page.items) == whole[-limit:]
        elif isinstance(unpaged, list):  # the page is where the unpaged list starts or ends
            ends = unpaged[-limit:] if "after" not in given else unpaged[:limit]
            assert list(page.items) == ends

    @rule(user=users, limit=st.integers(1, 3))
    def page_chats(self, user: str, limit: int) -> None:
        self._walk_chats(user, limit)

    def _walk_chats(self, user: str, limit: int) -> None:
        whole = self._alike(methodcaller("list_chats", user))
        if not isinstance(whole, list):
            return
        page = self._chats_page(user, limit=limit)
        walked = list(page.chats)
        while page.next is not None:
            page = self._chats_page(user, limit=limit, after=page.next)
            walked += page.chats
        assert walked == whole

    def _messages_page(self, chat: str, **fields: object) -> Any:
        return self._alike(lambda chats: chats.list_messages.page(chat, **fields))

    def _chats_page(self, user: str, **fields: object) -> Any:
        return self._alike(lambda chats: chats.list_chats.page(user, **fields))

    def _walk_messages(self, chat: str, limit: int) -> None:
        whole = self._alike(methodcaller("list_messages", chat))
        if not isinstance(whole, list) or not whole:
            return
        page = self._messages_page(chat, limit=limit)
        backward = list(page.items)
        while page.has_more:
            page = self._messages_page(chat, limit=limit, before=backward[0].id)
            backward[:0] = page.items
        forward, more = whole[:1], True
        while more:
            page = self._messages_page(chat, limit=limit, after=forward[-1].id)
            forward += page.items
            more = page.has_more
        assert backward == whole == forward

    @rule(
        name=valid_chat_names | any_names,
        chat=chats | unknown_ids | malformed_ids,
        user=users | unknown_ids | malformed_ids,
        members=st.lists(users | unknown_ids | malformed_ids, max_size=4) | malformed_ids,
    )
    def ask_for_what_is_not_there(
        self, name: object, chat: object, user: object, members: object
    ) -> None:
        # One rule for the invalid calls, so valid ones still make up most steps.
        created = self._alike(methodcaller("create_chat", name, members), 0)
        if isinstance(created, Chat):
            self.chat_ids.append(created.id)
        self._alike(methodcaller("send_message", chat, user, "hi"), 0)
        self._alike(methodcaller("list_chats", user))
        self._alike(methodcaller("list_messages", chat))

    @rule(offset=clock_times, step=clock_steps)
    def set_clock(self, offset: timedelta, step: timedelta) -> None:
        for side in self.sides:
            side.clock.set(EPOCH + offset, step=step)

    def teardown(self) -> None:
        # Every list whole, and walked a page at a time (both ways for messages).
        for user_id in self.user_ids:
            self._walk_chats(user_id, limit=2)
            for side in self.sides:
                chat_lists_agree(side.chats, user_id, limit=2)
        for chat_id in self.chat_ids:
            self._walk_messages(chat_id, limit=2)


@pytest.mark.timeout(600)
def test_memory_and_sql_adapters_answer_alike(database: Database) -> None:
    MemoryAndSql.database = database
    MemoryAndSql.ties_seen = set()
    run_state_machine_as_test(MemoryAndSql, settings=settings(stateful_step_count=STEPS))
    # The clock held still: chats tied in time (ordered by id), messages never did.
    assert MemoryAndSql.ties_seen == {"message times increase", "chat"}
