"""gunicorn settings: ``gunicorn -c gunicorn.conf.py wsgi:app``.

Threads, not processes, carry the concurrency: the buyer pages wait on the database, and
each worker keeps its own in-memory page cache warm. Every setting can come from the environment.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS") or os.environ.get("WEB_CONCURRENCY") or 2)
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
worker_class = "gthread"
# A reverse proxy in front logs the requests; gunicorn logging them too only costs time.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 10
keepalive = 5
# The app is loaded in each worker (no preload): database connections are never shared across
# a fork.
preload_app = False
