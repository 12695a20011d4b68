"""The storage ports over SQL (SQLAlchemy Core): portable parts here, a package per dialect."""

from __future__ import annotations

from adapters.sql.database import Database, open_database

__all__ = ["Database", "open_database"]
