"""The HTTP entry point: the ASGI app, its endpoints, codecs, problems and OpenAPI."""

from __future__ import annotations

from entrypoints.http.app import ChatApp, create_app

__all__ = ["ChatApp", "create_app"]
