"""The live stream: each message and chat keeps the place of the transaction that wrote it.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TABLES = ("messages", "chats")


def upgrade() -> None:
    # A constant default: no table rewrite on PostgreSQL, no copy on SQLite.
    # Rows written before are at place 0, before any position a stream hands out.
    for table in _TABLES:
        op.add_column(
            table, sa.Column("stream_tx", sa.BigInteger(), nullable=False, server_default="0")
        )
        op.create_index(
            f"ix_{table}_stream_tx_created_at_id", table, ["stream_tx", "created_at", "id"]
        )


def downgrade() -> None:
    for table in _TABLES:
        op.drop_index(f"ix_{table}_stream_tx_created_at_id", table_name=table)
        op.drop_column(table, "stream_tx")
