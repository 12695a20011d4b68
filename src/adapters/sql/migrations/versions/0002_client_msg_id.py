"""Retry-safe sends: each message keeps its sender's key, unique per chat and author.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_KEYED = sa.text("client_msg_id IS NOT NULL")


def upgrade() -> None:
    # A nullable column without a default: no table rewrite on PostgreSQL, and
    # an ALTER TABLE ADD COLUMN (no copy) on SQLite. The index is partial, so
    # it holds only the messages sent with a key.
    op.add_column("messages", sa.Column("client_msg_id", sa.Text(), nullable=True))
    op.create_index(
        "ix_messages_chat_id_author_id_client_msg_id",
        "messages",
        ["chat_id", "author_id", "client_msg_id"],
        unique=True,
        postgresql_where=_KEYED,
        sqlite_where=_KEYED,
    )


def downgrade() -> None:
    op.drop_index("ix_messages_chat_id_author_id_client_msg_id", table_name="messages")
    op.drop_column("messages", "client_msg_id")
