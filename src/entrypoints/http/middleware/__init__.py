"""The HTTP app's middleware, pure ASGI: the exchange (id, log, metrics), paths,
listeners, trusted hosts, CORS and refusals."""
