# Fapiao's server image: `docker build -t fapiao .`; deploy/compose.yaml runs it with PostgreSQL and Redis.
# Two stages: the build stage installs Fapiao into a virtual environment (pinned by the lock), the runtime stage
# copies only that environment onto a clean slim image and runs it as an unprivileged user.
#
#   docker run fapiao db upgrade                  # migrations, once per release (a separate command)
#   docker run -p 8080:8080 fapiao                # serve (`serve --host 0.0.0.0` without --no-migrate: migrate on start)
#   docker run fapiao worker                      # webhook delivery and retention pruning
#
# Settings are FAPIAO_* environment variables (README "Settings"); production needs at least
# FAPIAO_DATABASE_URL and FAPIAO_SECRET_KEY. The data directory (/var/lib/fapiao) holds uploaded documents.

ARG PYTHON=python:3.11-slim

FROM ${PYTHON} AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/fapiao
WORKDIR /src
COPY requirements.lock pyproject.toml README.md ./
COPY src ./src
# The lock pins every dependency (pip checks its hashes when it lists them); Fapiao itself then goes in without
# resolving anything again.
RUN /opt/fapiao/bin/pip install -r requirements.lock \
 && /opt/fapiao/bin/pip install --no-deps . \
 && /opt/fapiao/bin/fapiao --help > /dev/null

FROM ${PYTHON}
RUN groupadd --system --gid 10001 fapiao \
 && useradd --system --uid 10001 --gid fapiao --home-dir /var/lib/fapiao --create-home --shell /usr/sbin/nologin fapiao
COPY --from=build /opt/fapiao /opt/fapiao
ENV PATH=/opt/fapiao/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    FAPIAO_DATA_DIR=/var/lib/fapiao \
    FAPIAO_PROFILE=production
USER fapiao
WORKDIR /var/lib/fapiao
VOLUME /var/lib/fapiao
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=2)"]
ENTRYPOINT ["fapiao"]
# --no-migrate: several replicas must not race to migrate; run `db upgrade` first (compose's `migrate` service).
# A single container may drop it and migrate on start.
CMD ["serve", "--host", "0.0.0.0", "--port", "8080", "--no-migrate"]
