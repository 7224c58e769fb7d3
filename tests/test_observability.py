"""Health checks, request ids, JSON logs and the Prometheus metrics (portal/observability.py)."""

from __future__ import annotations

import io
import json
import logging

import pytest

from portal.actors import Actor
from portal.observability import JsonFormatter

STAFF = Actor(kind="user", id="usr_1", label="admin@shop.example")
REMOTE = {"REMOTE_ADDR": "203.0.113.7"}


def test_healthz_answers_ok_without_caching(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    assert response.headers["Cache-Control"] == "no-store"
    # The app's security headers still apply.
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_readyz_is_ready_on_sqlite_without_redis(client, app):
    response = client.get("/readyz")
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {
        "status": "ready",
        "checks": {"database": "ok", "redis": "not configured", "storage": "ok"},
    }
    assert response.headers["Cache-Control"] == "no-store"
    # The probe leaves nothing behind in the upload folder.
    from pathlib import Path

    assert not any(Path(app.config["UPLOAD_ROOT"]).rglob("*.probe"))


def test_readyz_names_storage_when_uploads_cannot_be_written(client, app, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    app.config["UPLOAD_ROOT"] = str(blocker)
    app.extensions.pop("apuri.storage", None)
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["checks"]["storage"] == "error"
    assert body["checks"]["database"] == "ok"
    assert "storage" in body["errors"] and body["errors"]["storage"]


def test_readyz_names_redis_when_it_does_not_answer(client, app):
    app.config["REDIS_URL"] = "redis://:s3cret@127.0.0.1:1/0"
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["checks"]["redis"] == "error"
    assert "redis" in body["errors"]
    assert "s3cret" not in response.get_data(as_text=True)


def test_a_request_id_is_made_and_sent_back(client):
    first = client.get("/healthz").headers["X-Request-Id"]
    second = client.get("/healthz").headers["X-Request-Id"]
    assert first and second and first != second


def test_a_sane_incoming_request_id_is_kept(client):
    response = client.get("/healthz", headers={"X-Request-Id": "lb-7f3a.9_Z"})
    assert response.headers["X-Request-Id"] == "lb-7f3a.9_Z"


@pytest.mark.parametrize("incoming", ["has space", "x" * 65, "<script>", "a\u00e4b"])
def test_an_insane_incoming_request_id_is_replaced(client, incoming):
    response = client.get("/healthz", headers={"X-Request-Id": incoming})
    assert response.headers["X-Request-Id"] not in ("", incoming)


def test_a_request_refused_early_still_gets_an_id(client):
    response = client.get("/lookup?q=%00")
    assert response.status_code == 400
    assert response.headers["X-Request-Id"]


def _capture(logger: logging.Logger) -> tuple[io.StringIO, logging.Handler]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger.addHandler(handler)
    return stream, handler


def test_json_log_lines_carry_the_request_id_and_the_exception(app):
    logger = logging.getLogger("apuri.test")
    logger.setLevel(logging.INFO)
    stream, handler = _capture(logger)
    try:
        with app.test_request_context("/healthz", headers={"X-Request-Id": "req-123"}):
            app.preprocess_request()
            logger.info("hello %s", "world")
            try:
                raise ValueError("boom")
            except ValueError:
                logger.exception("failed")
        logger.warning("outside")
    finally:
        logger.removeHandler(handler)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert lines[0]["message"] == "hello world"
    assert lines[0]["request_id"] == "req-123"
    assert (lines[0]["level"], lines[0]["logger"]) == ("INFO", "apuri.test")
    assert lines[0]["time"].endswith("Z")
    assert "ValueError: boom" in lines[1]["exception"]
    assert "request_id" not in lines[2]


def test_one_access_line_per_request_with_its_fields(client, app, make_merchant):
    app.config["ACCESS_LOG"] = True
    access = logging.getLogger("apuri.access")
    access.setLevel(logging.INFO)
    stream, handler = _capture(access)
    try:
        client.get("/healthz", headers={"X-Request-Id": "acc-1"})
        client.get("/o/secret-link-token")
    finally:
        access.removeHandler(handler)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert len(lines) == 2
    first = lines[0]
    assert (first["method"], first["path"], first["status"], first["request_id"]) == ("GET", "/healthz", 200, "acc-1")
    assert isinstance(first["duration_ms"], float)
    assert "secret-link-token" not in stream.getvalue()


def test_no_access_lines_in_text_mode_by_default(client):
    access = logging.getLogger("apuri.access")
    stream, handler = _capture(access)
    try:
        client.get("/healthz")
    finally:
        access.removeHandler(handler)
    assert stream.getvalue() == ""


def test_json_mode_installs_one_root_handler(database_url, _schema):
    from portal import create_app

    root = logging.getLogger()
    before, level = list(root.handlers), root.level
    # A production app made earlier in this process (tests/test_production.py) may have left its
    # JSON handler on the root logger: start without it.
    root.handlers[:] = [h for h in before if not isinstance(h.formatter, JsonFormatter)]
    try:
        create_app("testing", SQLALCHEMY_DATABASE_URI=database_url, LOG_FORMAT="json")
        create_app("testing", SQLALCHEMY_DATABASE_URI=database_url, LOG_FORMAT="json")
        added = [h for h in root.handlers if isinstance(h.formatter, JsonFormatter)]
        assert len(added) == 1 and isinstance(added[0].formatter, JsonFormatter)
    finally:
        root.handlers[:] = before
        root.setLevel(level)


def test_metrics_count_requests_by_endpoint_and_show_refunds(client, make_merchant, make_order):
    from portal.payments import services as ledger

    order = make_order(make_merchant("kodinkone"), "1001")
    ledger.request_refund(order, 20000, "manual", "Scratch", STAFF)
    client.get("/healthz")
    client.get("/no/such/page/42")
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    assert response.headers["Cache-Control"] == "no-store"
    text = response.get_data(as_text=True)
    assert 'apuri_http_requests_total{method="GET",endpoint="healthz",status="200"} 1' in text
    assert 'apuri_http_requests_total{method="GET",endpoint="unknown",status="404"} 1' in text
    assert "/no/such/page" not in text
    assert 'apuri_http_request_duration_seconds_bucket{endpoint="healthz",le="+Inf"} 1' in text
    assert 'apuri_http_request_duration_seconds_count{endpoint="healthz"} 1' in text
    assert "apuri_job_queue_depth 0" in text
    assert 'apuri_refunds{status="succeeded"} 1' in text
    assert 'apuri_refunds{status="failed"} 0' in text


def test_metrics_queue_depth_is_minus_one_when_redis_does_not_answer(client, app):
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"
    assert "apuri_job_queue_depth -1" in client.get("/metrics").get_data(as_text=True)


def test_metrics_without_a_token_only_from_this_machine(client):
    assert client.get("/metrics", environ_overrides=REMOTE).status_code == 403
    assert client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.7"}).status_code == 403
    assert client.get("/metrics", environ_overrides={"REMOTE_ADDR": "::1"}).status_code == 200


def test_metrics_with_a_token_need_it(client, app):
    app.config["METRICS_TOKEN"] = "tok-123"
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    answered = client.get("/metrics", headers={"Authorization": "Bearer tok-123"}, environ_overrides=REMOTE)
    assert answered.status_code == 200
    assert "apuri_http_requests_total" in answered.get_data(as_text=True)
