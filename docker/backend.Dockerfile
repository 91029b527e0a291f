# The todo API (FastAPI on uvicorn). Build context: the repo root.
#   docker build -f docker/backend.Dockerfile .
# Both stages start from PYTHON_BASE so a locally built Python image can stand in
# for the upstream default. Only python3 is assumed (no `python`, no system pip).
ARG PYTHON_BASE=python:3.11-slim

# A venv with exactly the locked runtime dependencies, and the app's sources.
FROM ${PYTHON_BASE} AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
COPY apps/backend/requirements.lock /tmp/requirements.lock
# PEM certificates pip trusts besides the base image's, for networks that intercept TLS,
# e.g. --build-arg EXTRA_CA_CERTS="$(cat /usr/local/share/ca-certificates/*.crt)".
# Declared in this stage only: it never reaches the final image.
ARG EXTRA_CA_CERTS=""
# --no-deps: the lock file is the whole closure; pip check proves it is complete.
# Wheels only: the final image has no compiler, so nothing may need one.
# pip and setuptools leave afterwards: nothing installs at runtime.
# Bytecode is compiled once, with hashes instead of mtimes, so it is reproducible and
# never rewritten (the chart mounts the root filesystem read-only).
RUN if [ -n "$EXTRA_CA_CERTS" ]; then \
      { cat /etc/ssl/certs/ca-certificates.crt; printf '%s\n' "$EXTRA_CA_CERTS"; } >/tmp/ca.pem; \
      export PIP_CERT=/tmp/ca.pem; \
    fi \
 && python3 -m venv /opt/venv \
 && /opt/venv/bin/pip install --no-deps --only-binary=:all: --no-compile -r /tmp/requirements.lock \
 && /opt/venv/bin/pip check \
 && /opt/venv/bin/pip uninstall -q -y pip setuptools \
 && python3 -m compileall -q -j 0 --invalidation-mode unchecked-hash /opt/venv
COPY apps/backend/todo_api /app/todo_api
RUN python3 -m compileall -q --invalidation-mode unchecked-hash /app

FROM ${PYTHON_BASE} AS runtime
# SQLITE_PATH: used when DATABASE_URL is not set; /data is the volume the chart mounts.
ENV PATH=/opt/venv/bin:$PATH \
    SQLITE_PATH=/data/todos.db
COPY --from=build /opt/venv /opt/venv
COPY --from=build /app /app
# Code stays root-owned (read-only to the app); only /data is the app's to write.
RUN install -d -o 10001 -g 10001 /data
WORKDIR /app
USER 10001:10001
EXPOSE 8000
CMD ["uvicorn", "todo_api.main:app", "--host", "0.0.0.0", "--port", "8000"]
