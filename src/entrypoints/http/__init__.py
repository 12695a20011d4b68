"""The HTTP entry point: the Starlette app, its endpoints, codecs, problems and OpenAPI."""

from __future__ import annotations

from entrypoints.http.app import create_app

__all__ = ["create_app"]
