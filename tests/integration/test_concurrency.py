"""Races end in the documented answer on SQLite and PostgreSQL alike."""

from __future__ import annotations

from chat_domain.errors import UsernameTaken
from chat_domain.model import message_list_key
from entrypoints.bootstrap import Database, bootstrap
from tests.races import race


def test_sixteen_racers_for_one_username_give_one_user_and_fifteen_conflicts(
    database: Database,
) -> None:
    chats = bootstrap(database.uow)
    outcomes = race(16, lambda n: chats.add_user("Racer" if n % 2 else "RACER"))
    users = [o for o in outcomes if not isinstance(o, Exception)]
    conflicts = [o for o in outcomes if isinstance(o, UsernameTaken)]
    assert (len(users), len(conflicts)) == (1, 15), outcomes
    (winner,) = users
    chat = chats.create_chat("proof", [winner.id])
    assert chats.list_chats(winner.id) == [chat]


def test_concurrent_sends_keep_every_message_in_order(database: Database) -> None:
    chats = bootstrap(database.uow)
    authors = [chats.add_user(f"author_{n}") for n in range(8)]
    chat = chats.create_chat("busy", [author.id for author in authors])

    def send_hundred(n: int) -> list[str]:
        return [chats.send_message(chat.id, authors[n].id, f"{n}:{k}").id for k in range(100)]

    outcomes = race(8, send_hundred)
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    listed = chats.list_messages(chat.id)
    assert len(listed) == 800
    assert {m.id for m in listed} == {i for o in outcomes if isinstance(o, list) for i in o}
    assert listed == sorted(listed, key=message_list_key)
    for n in range(8):  # each author's messages in the order that author sent them
        mine = [m.text for m in listed if m.author == authors[n].id]
        assert mine == [f"{n}:{k}" for k in range(100)]
    (listed_chat,) = chats.list_chats(authors[0].id)
    assert listed_chat.last_message_at == listed[-1].created_at
