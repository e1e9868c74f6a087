# Production-like image: migrations run on start, then the server; Postgres via docker-compose.yml.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PATROL_UPLOAD_DIR=/data/uploads \
    PORT=8000 \
    PYTHONPATH=/srv/patrol

WORKDIR /srv/patrol

# Dependencies first so code changes do not reinstall them.
COPY pyproject.toml README.md ./
COPY app/ app/
RUN pip install .

COPY alembic.ini ./
COPY migrations/ migrations/
COPY pwa/ pwa/

RUN useradd --system --uid 10001 --home-dir /srv/patrol --shell /usr/sbin/nologin patrol \
    && mkdir -p /data/uploads \
    && chown -R patrol:patrol /data
USER patrol

VOLUME ["/data"]
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '8000'), timeout=4)" || exit 1

# PYTHONPATH puts the copied source tree first, so `patrol` finds alembic.ini, migrations/
# and pwa/ beside the app package. `patrol serve` listens on $PORT.
ENTRYPOINT ["sh", "-c", "patrol db upgrade && exec patrol serve --host 0.0.0.0"]
