# The chat service: `docker build -t chat .` then see compose.yaml.
# Two stages: the build stage's pip and caches stay out of the final image.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY src ./src
RUN python -m venv /opt/venv \
    && /opt/venv/bin/pip install --no-cache-dir --disable-pip-version-check .

FROM python:3.11-slim
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HOST=0.0.0.0 \
    RUNSERVER_PORT=9000 \
    DATABASE_URL=sqlite:////data/chat.db
RUN useradd --system --uid 10001 --user-group --home-dir /data --create-home chat
COPY --from=build /opt/venv /opt/venv
USER chat
WORKDIR /data
EXPOSE 9000
# The slim image has no curl; the standard library can ask just as well.
HEALTHCHECK --interval=10s --timeout=3s --start-period=15s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/health/live' % os.environ.get('RUNSERVER_PORT', '9000'), timeout=2)"]
# What `make run` does: bring the schema up to date, then serve.
CMD ["sh", "-c", "chat-server migrate && exec chat-server serve"]
