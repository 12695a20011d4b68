"""SQLite: its engine, and the writer's turn at the database file."""

from __future__ import annotations

from adapters.sql.sqlite.dialect import SqliteDialect

__all__ = ["SqliteDialect"]
