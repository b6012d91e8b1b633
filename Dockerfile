# Descent Lab: one Streamlit server process per container.
#   docker build -t descent-lab .
#   docker run --rm -p 8501:8501 descent-lab        -> http://localhost:8501
# For a class of 30+, run two containers behind nginx (deploy/nginx.conf, docs/HOSTING.md).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN useradd --create-home --uid 10001 app
WORKDIR /app

# Dependencies first, at the exact versions tested (requirements.lock, made by bin/lock.py from
# requirements.txt's ranges): this layer is reused until the lock changes.
COPY requirements.lock .
RUN pip install -r requirements.lock

# The app itself (see .dockerignore), with .streamlit/config.toml for the hosted settings.
COPY --chown=app:app streamlit_app.py pyproject.toml ./
COPY --chown=app:app .streamlit ./.streamlit
COPY --chown=app:app app ./app
COPY --chown=app:app surfaces ./surfaces
COPY --chown=app:app optimizers ./optimizers

USER app
EXPOSE 8501

# python:slim has no curl: ask Streamlit's health endpoint with the standard library.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request as u; r = u.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4); sys.exit(r.read() != b'ok')"]

CMD ["python", "-m", "streamlit", "run", "streamlit_app.py", \
     "--server.address=0.0.0.0", "--server.port=8501"]
