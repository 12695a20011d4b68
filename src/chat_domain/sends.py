"""Sends delivered together: many messages in one unit of work, one commit (group commit).

``deliver`` is the one way messages are stored, alone or many at once; each
message keeps its own answer. ``SendPipeline`` gathers the sends of
concurrent callers on an event loop into such batches (``batches``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from chat_domain.batches import Pipeline, deliver_each
from chat_domain.errors import ClientMsgIdReused
from chat_domain.model import Message, Sent
from chat_domain.ports import UnitOfWork, UnitOfWorkFactory

Outcome = Sent | Exception
"""What became of one send: what it stored, or why not."""

SendPipeline = Pipeline[Message, Sent]


def replay(original: Message, message: Message) -> Outcome:
    """The answer to ``message``, sent with the key that stored ``original``: the
    original as a replay for the same text, else ``ClientMsgIdReused``."""
    if original.text == message.text:
        return Sent(original, replayed=True)
    return ClientMsgIdReused(original.client_msg_id or "", original.id)


def deliver(uow: UnitOfWorkFactory, messages: Sequence[Message]) -> list[Outcome]:
    """Store ``messages`` in one unit of work with one commit; an outcome for each.

    A refusal (not a member, a reused key) is that message's own outcome
    (``batches.deliver_each`` says what happens to a batch that fails whole).
    """
    return deliver_each(uow, messages, _append)


def _append(unit: UnitOfWork, message: Message) -> Callable[[], Outcome]:
    stored = unit.messages.append(message)
    return lambda: stored.outcome
