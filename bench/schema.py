"""Where the product keeps its rows: the one place the bench knows table and column names.

The seeder writes the data set through these column lists and the baselines
run these statements, so a change to the product's schema is mirrored here
and nowhere else in bench/.
"""

from __future__ import annotations

# Column order of each table as the seeder's COPY streams fill it.
USERS = ("users", ("id", "username", "username_key", "created_at"))
CHATS = (
    "chats",
    ("id", "name", "name_key", "created_at", "last_message_at", "users_json", "document_head"),
)
MEMBERS = ("chat_members", ("chat_id", "user_id", "position"))
MESSAGES = ("messages", ("id", "chat_id", "author_id", "text", "created_at", "document"))

# The single-write ceiling: one INSERT, no checks, autocommit.
INSERT_MESSAGE = (
    "INSERT INTO messages (id, chat_id, author_id, text, created_at) VALUES (%s, %s, %s, %s, now())"
)

# The read ceilings: the rows of /messages/get and /chats/get, in the contract's order.
SELECT_MESSAGES = (
    "SELECT id, chat_id, author_id, text, created_at FROM messages "
    "WHERE chat_id = %s ORDER BY created_at, id"
)
SELECT_CHATS = (
    "SELECT c.id, c.name, c.created_at, c.last_message_at,"
    " array_agg(m.user_id::text ORDER BY m.position) "
    "FROM chat_members mine JOIN chats c ON c.id = mine.chat_id "
    "JOIN chat_members m ON m.chat_id = c.id "
    "WHERE mine.user_id = %s GROUP BY c.id "
    "ORDER BY c.last_message_at DESC NULLS LAST,"
    " CASE WHEN c.last_message_at IS NULL THEN c.created_at END DESC, c.id DESC"
)
