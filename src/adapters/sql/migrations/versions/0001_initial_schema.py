"""Users, chats, their members and messages.

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _id() -> sa.Uuid[str]:
    return sa.Uuid(as_uuid=False)


def _time() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", _id(), nullable=False),
        sa.Column("username", sa.Text(), nullable=False),
        sa.Column("username_key", sa.Text(), nullable=False),
        sa.Column("created_at", _time(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
    )
    op.create_index("ix_users_username_key", "users", ["username_key"], unique=True)
    op.create_table(
        "chats",
        sa.Column("id", _id(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("name_key", sa.Text(), nullable=False),
        sa.Column("created_at", _time(), nullable=False),
        sa.Column("last_message_at", _time(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_chats"),
    )
    op.create_index("ix_chats_name_key", "chats", ["name_key"], unique=True)
    op.create_table(
        "chat_members",
        sa.Column("chat_id", _id(), nullable=False),
        sa.Column("user_id", _id(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["chat_id"], ["chats.id"], name="fk_chat_members_chat_id_chats"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_chat_members_user_id_users"),
        sa.PrimaryKeyConstraint("chat_id", "user_id", name="pk_chat_members"),
        sa.UniqueConstraint("chat_id", "position", name="uq_chat_members_chat_id_position"),
    )
    op.create_index("ix_chat_members_user_id_chat_id", "chat_members", ["user_id", "chat_id"])
    op.create_table(
        "messages",
        sa.Column("id", _id(), nullable=False),
        sa.Column("chat_id", _id(), nullable=False),
        sa.Column("author_id", _id(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", _time(), nullable=False),
        sa.ForeignKeyConstraint(["chat_id"], ["chats.id"], name="fk_messages_chat_id_chats"),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"], name="fk_messages_author_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_messages"),
    )
    op.create_index(
        "ix_messages_chat_id_created_at_id", "messages", ["chat_id", "created_at", "id"]
    )


def downgrade() -> None:
    op.drop_table("messages")
    op.drop_table("chat_members")
    op.drop_table("chats")
    op.drop_table("users")
