"""The lists' read views: each message keeps its JSON document, each chat the part of
its document that never changes (all but ``last_message_at``), both written once.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As chat_domain.documents.message_json and chat_head_json write them, from the
# columns: to_json escapes a string as the service's writer does, to_char keeps
# six digits, users_json (0004) holds the members as listed.
_POSTGRES_TIME = "to_char(timezone('UTC', {}), 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"
_POSTGRES_FILLS = (
    f"""
UPDATE messages SET document = '{{"id":"' || id::text || '","chat":"' || chat_id::text
    || '","author":"' || author_id::text || '","text":' || to_json(text)::text
    || ',"created_at":"' || {_POSTGRES_TIME.format("created_at")}
    || '","client_msg_id":' || coalesce(to_json(client_msg_id)::text, 'null') || '}}'
""",
    f"""
UPDATE chats SET document_head = '{{"id":"' || id::text || '","name":' || to_json(name)::text
    || ',"users":[' || users_json || '],"created_at":"' || {_POSTGRES_TIME.format("created_at")}
    || '"'
""",
)


def _sqlite_id(column: str) -> str:
    # 32 hex digits as stored, to the canonical 8-4-4-4-12 form.
    cuts = ((1, 8), (9, 4), (13, 4), (17, 4), (21, 12))
    return " || '-' || ".join(f"substr({column}, {start}, {length})" for start, length in cuts)


# Times are stored as "YYYY-MM-DD HH:MM:SS.ffffff" UTC text; json_quote escapes as
# the service's writer does.
_SQLITE_TIME = "substr(created_at, 1, 10) || 'T' || substr(created_at, 12, 15) || 'Z'"
_SQLITE_FILLS = (
    f"""
UPDATE messages SET document = '{{"id":"' || {_sqlite_id("id")}
    || '","chat":"' || {_sqlite_id("chat_id")}
    || '","author":"' || {_sqlite_id("author_id")}
    || '","text":' || json_quote(text)
    || ',"created_at":"' || {_SQLITE_TIME}
    || '","client_msg_id":' || coalesce(json_quote(client_msg_id), 'null') || '}}'
""",
    f"""
UPDATE chats SET document_head = '{{"id":"' || {_sqlite_id("id")}
    || '","name":' || json_quote(name) || ',"users":[' || users_json
    || '],"created_at":"' || {_SQLITE_TIME} || '"'
""",
)


def upgrade() -> None:
    # Nullable, without a default: adding them rewrites nothing, and a server of
    # the version before, still running, stores NULL, which the reads write for it.
    op.add_column("messages", sa.Column("document", sa.Text(), nullable=True))
    op.add_column("chats", sa.Column("document_head", sa.Text(), nullable=True))
    postgres = op.get_bind().dialect.name == "postgresql"
    for fill in _POSTGRES_FILLS if postgres else _SQLITE_FILLS:
        op.execute(fill)


def downgrade() -> None:
    op.drop_column("chats", "document_head")
    op.drop_column("messages", "document")
