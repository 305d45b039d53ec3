# Lead Coach in HTTP mode (`coach serve`), installed from the wheel with the pinned dependencies of requirements.lock.
#   docker build -t lead-coach .
#   docker run --env-file .env -p 3000:3000 -v coach-data:/data lead-coach
# The same image runs the other processes: `docker run … lead-coach coach worker` or `… coach db upgrade`.

# ---- builder: the wheel, from the repository (prompts/ and migrations/ are mapped into it as bot/data/)
FROM python:3.11-slim AS builder
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
COPY pyproject.toml README.md LICENSE ./
COPY bot ./bot
COPY prompts ./prompts
COPY migrations ./migrations
RUN python -m pip wheel --no-deps --wheel-dir /wheels .

# ---- the image: the locked dependencies (hashes checked), then the wheel, in a virtual environment
FROM python:3.11-slim
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
COPY requirements.lock /tmp/requirements.lock
COPY --from=builder /wheels /tmp/wheels
RUN python -m venv /opt/coach \
    && /opt/coach/bin/pip install --require-hashes -r /tmp/requirements.lock \
    && /opt/coach/bin/pip install --no-deps /tmp/wheels/*.whl \
    && /opt/coach/bin/pip check \
    && rm -rf /tmp/wheels /tmp/requirements.lock
RUN useradd --system --uid 10001 --user-group --home-dir /data --no-create-home coach \
    && mkdir -p /data && chown coach:coach /data
ENV PATH=/opt/coach/bin:$PATH \
    HOST=0.0.0.0 \
    PORT=3000 \
    DATABASE_URL=sqlite:////data/coach.db
USER coach
WORKDIR /data
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(f\"http://127.0.0.1:{os.environ.get('PORT', '3000')}/healthz\", timeout=4)"]
CMD ["coach", "serve"]
