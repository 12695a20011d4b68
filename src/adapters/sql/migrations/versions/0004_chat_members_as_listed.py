"""The chat list's read view: each chat keeps its members as its document lists them.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Each chat's members in order, as '"id","id"': what chat_domain.documents.members_json
# writes (a canonical id needs no escaping).
_POSTGRES_FILL = """
UPDATE chats SET users_json = listed.users_json
FROM (
    SELECT chat_id, string_agg('"' || user_id::text || '"', ',' ORDER BY position) AS users_json
    FROM chat_members GROUP BY chat_id
) AS listed
WHERE chats.id = listed.chat_id
"""


def upgrade() -> None:
    op.add_column("chats", sa.Column("users_json", sa.Text(), nullable=False, server_default=""))
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute(_POSTGRES_FILL)
        return
    # SQLite keeps ids as 32 hex digits: written in canonical form here, chat by chat.
    members: dict[str, list[str]] = {}
    rows = bind.execute(
        sa.text("SELECT chat_id, user_id FROM chat_members ORDER BY chat_id, position")
    )
    for chat_id, user_id in rows:
        members.setdefault(chat_id, []).append(f'"{uuid.UUID(user_id)}"')
    update = sa.text("UPDATE chats SET users_json = :users_json WHERE id = :id")
    for chat_id, listed in members.items():
        bind.execute(update, {"users_json": ",".join(listed), "id": chat_id})


def downgrade() -> None:
    op.drop_column("chats", "users_json")
