"""PostgreSQL: its engine and pool, the silence deadline, prepared statements, its writes."""

from __future__ import annotations

from adapters.sql.postgres.dialect import PostgresDialect

__all__ = ["PostgresDialect"]
