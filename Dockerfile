# The opsplatform app image: one stateless process; state lives in PostgreSQL.
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
RUN apt-get update && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 postgresql-client curl \
    && rm -rf /var/lib/apt/lists/*
RUN useradd --create-home --uid 10001 opsplatform
WORKDIR /app
COPY pyproject.toml constraints.txt README.md ./
COPY opsplatform ./opsplatform
RUN pip install -c constraints.txt -e .
COPY migrations ./migrations
COPY templates ./templates
COPY seed ./seed
COPY alembic.ini babel.cfg ./
USER opsplatform
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=5s --retries=5 CMD curl -fsS http://127.0.0.1:8000/health || exit 1
# Migrate, refresh reference data (idempotent), then serve.
CMD ["sh", "-c", "opsplatform db upgrade && opsplatform reference load && opsplatform serve --host 0.0.0.0 --port 8000"]
