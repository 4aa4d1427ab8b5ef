# syntax=docker/dockerfile:1
# The gateway and worker image: gunicorn serving civic.platform.app:create_app(),
# or `civic worker` / `civic db upgrade` with another command (docker-compose.yml).
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# --- build: a virtualenv holding the runtime dependencies and the project ----------
FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src

# Dependencies get their own layer, rebuilt only when the lock or the dependency
# list changes. requirements.lock also pins the dev tools (pytest, mypy, ruff...);
# installing pyproject's runtime dependencies with the lock as constraints keeps
# those out of the image while every package gets the lock's exact version.
COPY requirements.lock pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > runtime-requirements.txt \
    && pip install -r runtime-requirements.txt -c requirements.lock

# The DSFR, the pages' design system, from the npm lock (npm from Debian; the package is
# plain CSS, scripts and fonts). Only what the pages load goes to the runtime image:
# its CSS, scripts, fonts, icons and favicons (8 MB of the package's 88).
COPY frontend/package.json frontend/package-lock.json ./frontend/
RUN apt-get update -qq \
    && apt-get install -y -qq --no-install-recommends npm >/dev/null \
    && npm ci --prefix frontend --omit=dev --ignore-scripts --no-audit --no-fund \
    && dsfr=/opt/frontend/node_modules/@gouvfr/dsfr \
    && mkdir -p $dsfr/dist \
    && cp frontend/node_modules/@gouvfr/dsfr/package.json $dsfr/ \
    && cd frontend/node_modules/@gouvfr/dsfr/dist \
    && cp -r dsfr.min.css dsfr.module.min.js dsfr.nomodule.min.js fonts icons favicon $dsfr/dist/

COPY README.md ./
COPY platform ./platform
COPY services ./services
COPY connectors/civic ./connectors/civic
# --no-deps: everything was installed from the lock above; pip check proves it.
RUN pip install --no-deps . && pip check

# --- runtime: the virtualenv, the configuration, a user without privileges ---------
FROM ${PYTHON_IMAGE} AS runtime
# CIVIC_CONFIG_DIR: the installed package is not in a repository checkout, so
# settings are told where config/<env>.toml is. MALLOC_ARENA_MAX: two malloc heaps
# for a worker's threads instead of up to 8 a core, each keeping what it freed
# (README, Performance: worker_rss_no_recycle).
ENV PATH=/opt/venv/bin:$PATH \
    MALLOC_ARENA_MAX=2 \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    CIVIC_BIND=0.0.0.0:8000 \
    CIVIC_CONFIG_DIR=/app/config \
    CIVIC_FRONTEND_DIR=/app/frontend
RUN groupadd --system --gid 10001 civic \
    && useradd --system --uid 10001 --gid civic --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin civic
WORKDIR /app
# Code and configuration stay owned by root: the process cannot rewrite them.
COPY --from=build /opt/venv /opt/venv
COPY --from=build /opt/frontend /app/frontend
COPY config ./config
COPY alembic.ini ./
COPY migrations ./migrations

USER 10001:10001
EXPOSE 8000
# The slim image has no curl; the standard library does the probe. urlopen raises
# (exit 1) on a refused connection, a timeout or any status >= 400.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]
# /dev/shm: gunicorn's worker heartbeat files on a tmpfs, not the overlay filesystem.
CMD ["gunicorn", "-c", "config/gunicorn.conf.py", "--bind", "0.0.0.0:8000", \
     "--worker-tmp-dir", "/dev/shm", "civic.platform.app:create_app()"]
