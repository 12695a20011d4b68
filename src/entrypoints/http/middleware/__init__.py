"""The HTTP app's middleware, pure ASGI: request log, trusted hosts, metrics."""
