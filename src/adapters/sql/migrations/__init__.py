"""Alembic migrations for the service's schema (run them with ``adapters.migrate``)."""
