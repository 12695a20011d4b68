"""Alembic revisions, oldest first; each file holds one step of the schema."""
