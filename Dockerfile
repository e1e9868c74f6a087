# Production-like image: migrations run on start (one at a time across replicas: an advisory
# lock), then the server. Postgres via deploy/compose.yaml. The bases are build arguments:
# deploy/build-image.sh builds both from a locally debootstrapped Debian when the public images
# cannot be pulled.
ARG PYTHON_BASE=python:3.11-slim-bookworm
ARG NODE_BASE=node:20-bookworm-slim

# --- the PWA's npm dependencies (jsQR, ...), from the lockfile ------------------------------
FROM ${NODE_BASE} AS pwa-deps
# Set (with the file mounted) only by a build behind a TLS-intercepting proxy; not kept.
ARG NODE_EXTRA_CA_CERTS
WORKDIR /build
COPY pwa/package.json pwa/package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --loglevel=error

# --- the app -------------------------------------------------------------------------------
FROM ${PYTHON_BASE}
ARG PIP_CERT

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PATROL_UPLOAD_DIR=/data/uploads \
    PORT=8000 \
    PYTHONPATH=/srv/patrol \
    PATH=/opt/venv/bin:$PATH

WORKDIR /srv/patrol

# pg_dump / pg_restore / psql for `patrol backup` and `patrol restore` (Debian bookworm's are
# Postgres 15, the server's major version in deploy/compose.yaml).
RUN apt-get update -qq \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql-client \
    && rm -rf /var/lib/apt/lists/*

# Pinned dependencies first (requirements.lock, with hashes), so code changes reuse the layer.
COPY requirements.lock ./
RUN python3 -m venv /opt/venv \
    && pip install --require-hashes --no-deps -r requirements.lock

COPY app/ app/
COPY alembic.ini ./
COPY migrations/ migrations/
COPY pwa/ pwa/
COPY --from=pwa-deps /build/node_modules/ pwa/node_modules/

RUN useradd --system --uid 10001 --home-dir /srv/patrol --shell /usr/sbin/nologin patrol \
    && mkdir -p /data/uploads /backups \
    && chown -R patrol:patrol /data /backups
USER patrol

VOLUME ["/data"]
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD python3 -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '8000'), timeout=4)" || exit 1

# The `patrol` command run from the copied source tree (PYTHONPATH), beside alembic.ini,
# migrations/ and pwa/; nothing to build. `serve` listens on $PORT.
ENTRYPOINT ["sh", "-c", "python3 -m app.cli db upgrade && exec python3 -m app.cli serve --host 0.0.0.0"]
