"""Production plumbing: health checks, request ids, JSON logs and Prometheus metrics.

Everything is registered by ``init_observability(app)`` (called from ``create_app``):

* ``GET /healthz``: the process is up (touches nothing else).
* ``GET /readyz``: the database, Redis (when REDIS_URL is set) and the upload storage answer;
  503 naming the failing check otherwise.
* Every request gets an id (a sane incoming ``X-Request-Id`` or a new one) on ``g.request_id``,
  sent back in ``X-Request-Id`` and written on every log line of the request.
* ``LOG_FORMAT=json``: one JSON object per log line on the root logger, plus one access line
  per request on the ``apuri.access`` logger (also with ``ACCESS_LOG=1`` in text mode).
* ``GET /metrics``: Prometheus text format 0.0.4, hand-rolled (no client library).

The metrics live in the memory of one process. With several gunicorn workers each worker
counts (and serves) only its own requests, and a scrape reaches whichever worker answers: the
request counters and histograms are per worker, a known limitation. The gauges (job queue
depth, refunds by status) are read from Redis and the database at scrape time, so they are
right whichever worker answers.

Access to /metrics: with METRICS_TOKEN set, ``Authorization: Bearer <token>`` is required
(401 otherwise); without it, only requests from this machine (127.0.0.1 or ::1, and not
forwarded by a proxy) are answered (403 otherwise).
"""

from __future__ import annotations

import bisect
import hmac
import itertools
import json
import logging
import os
import re
import secrets
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from flask import Flask, Response, current_app, g, has_request_context, jsonify, request
from flask.globals import _cv_app, _cv_request

from portal.extensions import csrf, db

log = logging.getLogger(__name__)
access_log = logging.getLogger("apuri.access")

_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
_METRICS_KEY = "apuri.metrics"
_HANDLER_MARK = "_apuri_json_handler"
DURATION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
REFUND_STATUSES = ("pending", "succeeded", "failed")
# URL parts that are bearer secrets (buyer links, invitations, surveys): never written to a log.
_SECRET_ARGS = ("token",)
PROBE_TIMEOUT_SECONDS = 1.0


def init_observability(app: Flask) -> None:
    app.extensions[_METRICS_KEY] = Metrics()
    for rule, view in (("/healthz", healthz), ("/readyz", readyz), ("/metrics", metrics)):
        app.add_url_rule(rule, view.__name__, view, methods=["GET"])
        csrf.exempt(view)
    # First of all before_request functions: a request refused by an earlier one (400 for a NUL
    # character) still gets an id and is timed.
    app.before_request_funcs.setdefault(None, []).insert(0, _start_request)
    app.after_request(_finish_request)
    if app.config.get("LOG_FORMAT", "text") == "json":
        _install_json_logging()


# --- request ids, timing, access log -----------------------------------------------------------


class _RequestIds:
    """Unique request ids without a system call per request: a random prefix per process (made
    again in a forked child) and a counter. Unique, not secret: they only tie log lines together."""

    def __init__(self) -> None:
        self.reset()
        os.register_at_fork(after_in_child=self.reset)

    def reset(self) -> None:
        self._prefix = secrets.token_hex(10)
        self._counter = itertools.count()

    def next(self) -> str:
        return f"{self._prefix}{next(self._counter):012x}"


_request_ids = _RequestIds()


def _start_request() -> None:
    # The context objects are taken once (each proxy access costs a context-variable lookup):
    # these two functions run on every request, the order page's included.
    app_ctx = _cv_app.get()
    incoming = _cv_request.get().request.headers.get("X-Request-Id")
    app_ctx.g.request_started = time.perf_counter()
    app_ctx.g.request_id = incoming if incoming and _REQUEST_ID.fullmatch(incoming) else _request_ids.next()


def _finish_request(response: Response) -> Response:
    app_ctx = _cv_app.get()
    req = _cv_request.get().request
    app, request_g = app_ctx.app, app_ctx.g
    request_id = getattr(request_g, "request_id", None) or _request_ids.next()
    response.headers["X-Request-Id"] = request_id
    started = getattr(request_g, "request_started", None)
    duration = time.perf_counter() - started if started is not None else 0.0
    app.extensions[_METRICS_KEY].observe_request(req.method, req.endpoint or "unknown", response.status_code, duration)
    config = app.config
    if config.get("LOG_FORMAT") == "json" or config.get("ACCESS_LOG"):
        path = _loggable_path()
        duration_ms = round(duration * 1000, 1)
        access_log.info(
            "%s %s %s %.1fms",
            req.method,
            path,
            response.status_code,
            duration_ms,
            extra={"method": req.method, "path": path, "status": response.status_code, "duration_ms": duration_ms},
        )
    return response


def _loggable_path() -> str:
    path = request.path
    for name in _SECRET_ARGS:
        value = (request.view_args or {}).get(name)
        if value:
            path = path.replace(str(value), "[redacted]")
    return path


# --- JSON logs ---------------------------------------------------------------------------------

_STANDARD_ATTRIBUTES = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime", "taskName"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (ISO, UTC), level, logger, message, request_id (inside a
    request), exception (when there is one) and any ``extra`` fields of the record."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict = {
            "time": datetime.fromtimestamp(record.created, UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if has_request_context() and g.get("request_id"):
            entry["request_id"] = g.request_id
        for key, value in record.__dict__.items():
            if key not in _STANDARD_ATTRIBUTES and not key.startswith("_") and key not in entry:
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def _install_json_logging() -> None:
    """One JSON handler on the root logger (stderr), installed once per process however many
    apps are made; the level comes from LOG_LEVEL (default INFO)."""
    root = logging.getLogger()
    if not any(getattr(handler, _HANDLER_MARK, False) for handler in root.handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(JsonFormatter())
        setattr(handler, _HANDLER_MARK, True)
        root.addHandler(handler)
    root.setLevel(os.environ.get("LOG_LEVEL", "INFO").upper())


# --- health checks -----------------------------------------------------------------------------


def _no_store(response: Response, status: int = 200) -> tuple[Response, int]:
    response.headers["Cache-Control"] = "no-store"
    return response, status


def healthz():
    return _no_store(jsonify(status="ok"))


def readyz():
    checks: dict[str, str] = {}
    errors: dict[str, str] = {}
    for name, probe in (("database", _check_database), ("redis", _check_redis), ("storage", _check_storage)):
        try:
            checks[name] = probe()
        except Exception as exc:  # every failure is an answer here, never a 500
            log.warning("readiness check %s failed", name, exc_info=True)
            checks[name] = "error"
            errors[name] = _short_error(exc)
    if errors:
        return _no_store(jsonify(status="unavailable", checks=checks, errors=errors), 503)
    return _no_store(jsonify(status="ready", checks=checks))


def _check_database() -> str:
    try:
        db.session.execute(db.text("SELECT 1"))
    finally:
        db.session.rollback()
    return "ok"


def _redis():
    from redis import Redis

    return Redis.from_url(
        current_app.config["REDIS_URL"],
        socket_connect_timeout=PROBE_TIMEOUT_SECONDS,
        socket_timeout=PROBE_TIMEOUT_SECONDS,
    )


def _check_redis() -> str:
    if not current_app.config.get("REDIS_URL"):
        return "not configured"
    connection = _redis()
    try:
        connection.ping()
    finally:
        connection.close()
    return "ok"


def _check_storage() -> str:
    from portal.storage import LocalStorage, get_storage

    storage = get_storage()
    key = storage.save(b"ok", ".probe")
    storage.delete(key)
    if isinstance(storage, LocalStorage):
        # Leave no empty "ab/cd/" folders behind from the probes (best effort: a folder an
        # upload is using is not empty and stays).
        folder = (storage.root / key).parent
        for directory in (folder, folder.parent):
            try:
                Path(directory).rmdir()
            except OSError:
                break
    return "ok"


_CREDENTIALS = re.compile(r"(\w+://)[^@\s/]*@")


def _short_error(exc: Exception) -> str:
    """The error's kind and the first line of its message, short and without URL credentials."""
    cause = getattr(exc, "orig", None) or exc  # SQLAlchemy wraps the driver's error
    text = (str(cause).strip().splitlines() or [""])[0]
    text = _CREDENTIALS.sub(r"\1***@", text)[:160]
    return f"{type(cause).__name__}: {text}" if text else type(cause).__name__


# --- metrics -----------------------------------------------------------------------------------


class Metrics:
    """Request counters and a duration histogram for one app in one process (see the module
    docstring for what that means with several workers). Thread-safe: gunicorn's gthread
    workers serve requests on several threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests: dict[tuple[str, str, str], int] = {}
        # endpoint → [count per bucket (not cumulative) + one for +Inf, sum, count]
        self.durations: dict[str, list] = {}

    def observe_request(self, method: str, endpoint: str, status: int, seconds: float) -> None:
        with self._lock:
            key = (method, endpoint, str(status))
            self.requests[key] = self.requests.get(key, 0) + 1
            series = self.durations.get(endpoint)
            if series is None:
                series = self.durations[endpoint] = [[0] * (len(DURATION_BUCKETS) + 1), 0.0, 0]
            index = bisect.bisect_left(DURATION_BUCKETS, seconds)  # the first bound >= seconds
            series[0][index] += 1
            series[1] += seconds
            series[2] += 1

    def render(self) -> list[str]:
        with self._lock:
            requests = sorted(self.requests.items())
            durations = sorted((endpoint, (list(s[0]), s[1], s[2])) for endpoint, s in self.durations.items())
        lines = [
            "# HELP apuri_http_requests_total HTTP requests answered by this process.",
            "# TYPE apuri_http_requests_total counter",
        ]
        for (method, endpoint, status), count in requests:
            lines.append(f"apuri_http_requests_total{_labels(method=method, endpoint=endpoint, status=status)} {count}")
        lines += [
            "# HELP apuri_http_request_duration_seconds Time to answer a request, by endpoint.",
            "# TYPE apuri_http_request_duration_seconds histogram",
        ]
        for endpoint, (buckets, total, count) in durations:
            cumulative = 0
            for bound, n in zip((*DURATION_BUCKETS, "+Inf"), buckets, strict=True):
                cumulative += n
                le = bound if isinstance(bound, str) else _number(bound)
                lines.append(
                    f"apuri_http_request_duration_seconds_bucket{_labels(endpoint=endpoint, le=le)} {cumulative}"
                )
            lines.append(f"apuri_http_request_duration_seconds_sum{_labels(endpoint=endpoint)} {_number(total)}")
            lines.append(f"apuri_http_request_duration_seconds_count{_labels(endpoint=endpoint)} {count}")
        return lines


def _labels(**labels: str) -> str:
    def escape(value: str) -> str:
        return str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")

    return "{" + ",".join(f'{name}="{escape(value)}"' for name, value in labels.items()) + "}"


def _number(value: float) -> str:
    return repr(float(value))


def _queue_depth() -> int:
    """Jobs waiting on the RQ queue; 0 when jobs run inline, -1 when Redis cannot be asked."""
    if not current_app.config.get("REDIS_URL"):
        return 0
    try:
        from rq import Queue

        connection = _redis()
        try:
            return Queue("apuri", connection=connection).count  # the queue portal/jobs.py uses
        finally:
            connection.close()
    except Exception:
        log.warning("metrics: could not read the job queue length", exc_info=True)
        return -1


def _refunds_by_status() -> dict[str, int] | None:
    from sqlalchemy import func, select

    from portal.payments.models import Refund

    try:
        rows = db.session.execute(select(Refund.status, func.count()).group_by(Refund.status)).all()
    except Exception:
        log.warning("metrics: could not count refunds", exc_info=True)
        return None
    finally:
        db.session.rollback()
    counts = dict.fromkeys(REFUND_STATUSES, 0)
    counts.update({status: count for status, count in rows})
    return counts


def _metrics_allowed() -> Response | None:
    """None when the caller may read /metrics, else the refusal."""
    token = current_app.config.get("METRICS_TOKEN")
    if token:
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), str(token).encode()):
            return None
        refusal = Response("unauthorized\n", 401, mimetype="text/plain")
        refusal.headers["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return refusal
    # Without a token: this machine only. A request a reverse proxy forwarded arrives from
    # 127.0.0.1 too, so one that carries forwarding headers is refused as well.
    forwarded = any(request.headers.get(h) for h in ("X-Forwarded-For", "Forwarded", "X-Real-Ip"))
    if request.remote_addr in ("127.0.0.1", "::1") and not forwarded:
        return None
    return Response("forbidden\n", 403, mimetype="text/plain")


def metrics():
    refusal = _metrics_allowed()
    if refusal is not None:
        refusal.headers["Cache-Control"] = "no-store"
        return refusal
    lines = current_app.extensions[_METRICS_KEY].render()
    lines += [
        "# HELP apuri_job_queue_depth Jobs waiting on the RQ queue (0: jobs run inline; -1: Redis did not answer).",
        "# TYPE apuri_job_queue_depth gauge",
        f"apuri_job_queue_depth {_queue_depth()}",
    ]
    refunds = _refunds_by_status()
    if refunds is not None:
        lines += ["# HELP apuri_refunds Refunds in the ledger by status.", "# TYPE apuri_refunds gauge"]
        lines += [f"apuri_refunds{_labels(status=status)} {count}" for status, count in sorted(refunds.items())]
    from portal.jobs.parking import counts_or_none

    jobs = counts_or_none()
    if jobs is not None:
        lines += [
            "# HELP apuri_jobs_parked Background jobs out of attempts, waiting for a person (console: Background jobs).",
            "# TYPE apuri_jobs_parked gauge",
            f"apuri_jobs_parked {jobs.parked}",
            "# HELP apuri_jobs_waiting Failed background jobs kept in the database, by status.",
            "# TYPE apuri_jobs_waiting gauge",
            f"apuri_jobs_waiting{_labels(status='retrying')} {jobs.retrying}",
            f"apuri_jobs_waiting{_labels(status='parked')} {jobs.parked}",
        ]
    response = Response("\n".join(lines) + "\n", 200)
    response.headers["Content-Type"] = "text/plain; version=0.0.4; charset=utf-8"
    response.headers["Cache-Control"] = "no-store"
    return response
