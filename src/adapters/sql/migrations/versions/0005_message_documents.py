"""The message list's read view: each message keeps its JSON document, written once.

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

# Each message as chat_domain.documents.message_json writes it, from its columns:
# to_json escapes a string as the service's writer does, to_char keeps six digits.
_POSTGRES_FILL = """
UPDATE messages SET document = '{"id":"' || id::text || '","chat":"' || chat_id::text
    || '","author":"' || author_id::text || '","text":' || to_json(text)::text
    || ',"created_at":"'
    || to_char(timezone('UTC', created_at), 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
    || '","client_msg_id":' || coalesce(to_json(client_msg_id)::text, 'null') || '}'
"""


def _sqlite_id(column: str) -> str:
    # 32 hex digits as stored, to the canonical 8-4-4-4-12 form.
    cuts = ((1, 8), (9, 4), (13, 4), (17, 4), (21, 12))
    return " || '-' || ".join(f"substr({column}, {start}, {length})" for start, length in cuts)


# Times are stored as "YYYY-MM-DD HH:MM:SS.ffffff" UTC text; json_quote escapes as
# the service's writer does.
_SQLITE_FILL = f"""
UPDATE messages SET document = '{{"id":"' || {_sqlite_id("id")}
    || '","chat":"' || {_sqlite_id("chat_id")}
    || '","author":"' || {_sqlite_id("author_id")}
    || '","text":' || json_quote(text)
    || ',"created_at":"' || substr(created_at, 1, 10) || 'T' || substr(created_at, 12, 15)
    || 'Z","client_msg_id":' || coalesce(json_quote(client_msg_id), 'null') || '}}'
"""


def upgrade() -> None:
    # Nullable, without a default: adding it rewrites nothing, and a server of the
    # version before, still running, stores NULL, which the reads write for it.
    op.add_column("messages", sa.Column("document", sa.Text(), nullable=True))
    postgres = op.get_bind().dialect.name == "postgresql"
    op.execute(_POSTGRES_FILL if postgres else _SQLITE_FILL)


def downgrade() -> None:
    op.drop_column("messages", "document")
