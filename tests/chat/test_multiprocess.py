"""Two app processes, one database, one Redis: two agents and two buyers chat at once across
them, every stream gets every message in order and exactly once — through the streams' own
ends every few seconds, and after a forced reconnect to the *other* process with Last-Event-ID.

The servers are real gunicorn processes (the project's gunicorn.conf.py, gthread), sharing the
test's database (the SQLite file, or PostgreSQL with DATABASE_URL) and Redis db 9 with a channel
prefix of this run's own. Their streams re-read the database only every 30 s by themselves, so a
message that arrives within a second came through Redis. Skips, saying why, without Redis."""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest

from portal.buyers.access import order_link
from portal.chat.models import ChatMessage
from portal.extensions import db
from tests.chat.conftest import PASSWORD
from tests.conftest import csrf_from

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("CHAT_TEST_REDIS_URL", "redis://127.0.0.1:6379/9")
STREAM_SECONDS = 6  # each stream ends this often: the readers reconnect as EventSource does
ROUNDS = 6


def _redis_or_skip():
    try:
        from redis import Redis

        client = Redis.from_url(REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
        client.ping()
        return client
    except Exception as exc:  # noqa: BLE001
        pytest.skip(f"needs Redis at {REDIS_URL} ({type(exc).__name__}: {exc})")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def two_servers(app, database_url, tmp_path):
    """Two gunicorn processes serving the test's database, woken through Redis."""
    redis = _redis_or_skip()
    gunicorn = Path(sys.executable).with_name("gunicorn")
    if not gunicorn.exists():
        pytest.skip("gunicorn is not installed in this environment")
    prefix = f"apuri-test-{uuid.uuid4().hex[:8]}:chat:"
    processes, urls, logs = [], [], []
    for name in ("a", "b"):
        port = _free_port()
        env = {
            **os.environ,
            "APURI_ENV": "development",
            "DATABASE_URL": database_url,
            "REDIS_URL": REDIS_URL,
            "SECRET_KEY": app.config["SECRET_KEY"],  # the test signs the buyers' links
            "APURI_INSTANCE_DIR": str(tmp_path / f"instance-{name}"),
            "UPLOAD_ROOT": str(tmp_path / "uploads"),
            "RATELIMIT_ENABLED": "false",
            "RATELIMIT_STORAGE_URI": "memory://",
            "GUNICORN_BIND": f"127.0.0.1:{port}",
            "GUNICORN_WORKERS": "1",
            "GUNICORN_THREADS": "8",
            "CHAT_BUS_PREFIX": prefix,
            "CHAT_STREAM_SECONDS": str(STREAM_SECONDS),
            "CHAT_POLL_SECONDS": "30",
            "CHAT_RETRY_MS": "200",
            "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        }
        log = (tmp_path / f"server-{name}.log").open("w")
        logs.append(log)
        processes.append(
            subprocess.Popen(
                [str(gunicorn), "-c", "gunicorn.conf.py", "wsgi:app"],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        )
        urls.append(f"http://127.0.0.1:{port}")
    import requests

    try:
        deadline = time.monotonic() + 60
        for url, process in zip(urls, processes, strict=True):
            while True:
                if process.poll() is not None:
                    pytest.fail(f"{url} did not start:\n" + (tmp_path / "server-a.log").read_text()[-3000:])
                try:
                    if requests.get(url + "/healthz", timeout=1).ok:
                        break
                except requests.RequestException:
                    pass
                if time.monotonic() > deadline:
                    pytest.fail(f"{url} did not answer in 60 s")
                time.sleep(0.2)
        yield urls
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
        for log in logs:
            log.close()
        # What the servers queued for RQ workers in our db (the e-mails of the chats' tickets).
        for key in redis.scan_iter("rq:*"):
            redis.delete(key)
        print("server logs:", *(tmp_path / f"server-{n}.log" for n in "ab"))


class Reader:
    """An EventSource in a thread: reconnects whenever the stream ends, with Last-Event-ID,
    to whichever server it is pointed at now; records every message it receives."""

    def __init__(self, browser, base: str, path: str, name: str):
        self.browser, self.base, self.path, self.name = browser, base, path, name
        self.last = 0
        self.messages: list[dict] = []  # {"seq", "text", "at", "via"}
        self.connections: list[str] = []
        self.closed = threading.Event()
        self._stop = threading.Event()
        self._response = None
        self._pause = 0.0
        self.thread = threading.Thread(target=self._run, name=f"reader-{name}", daemon=True)
        self.thread.start()

    def drop(self, then_to: str, pause: float) -> None:
        """Cut the connection now; come back after ``pause`` to ``then_to`` (the other server)."""
        self._pause = pause
        self.base = then_to
        response = self._response
        if response is not None:
            # shutdown() wakes the thread blocked reading the socket (close() alone would not).
            sock = getattr(getattr(response.raw, "connection", None), "sock", None)
            if sock is not None:
                sock.shutdown(socket.SHUT_RDWR)
            else:
                response.close()

    def stop(self) -> None:
        self._stop.set()
        self.drop(self.base, 0)
        self.thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stop.is_set() and not self.closed.is_set():
            if self._pause:
                time.sleep(self._pause)
                self._pause = 0.0
            base = self.base
            try:
                headers = {"Last-Event-ID": str(self.last)} if self.last else {}
                with self.browser.get(base + self.path, headers=headers, stream=True, timeout=30) as response:
                    self._response = response
                    if response.status_code == 204:
                        self.closed.set()
                        return
                    response.raise_for_status()
                    self.connections.append(base)
                    self._read(response, base)
            except Exception:  # noqa: BLE001  (a dropped connection: reconnect, as EventSource does)
                pass
            finally:
                self._response = None
            time.sleep(0.2)  # the retry: the servers say 200 ms

    def _read(self, response, base: str) -> None:
        event: dict = {}
        for line in response.iter_lines(chunk_size=1, decode_unicode=True):
            if line == "":
                if event.get("event") == "message":
                    data = json.loads(event["data"])
                    assert int(event["id"]) == data["seq"]
                    self.messages.append(
                        {"seq": data["seq"], "text": data["text"], "at": time.monotonic(), "via": base}
                    )
                    self.last = data["seq"]
                elif event.get("event") == "closed":
                    self.closed.set()
                event = {}
                continue
            if line.startswith(":"):
                continue
            field, _, value = line.partition(": ")
            event[field] = value


def _buyer_starts_a_chat(requests, base: str, order) -> tuple[object, str]:
    browser = requests.Session()
    link = order_link(order)
    browser.get(base + link[link.index("/o/") :], timeout=10)
    browser.post(f"{base}/s/kodinkone/assistant", data={"q": "Hello", "order": order.number}, timeout=10)
    browser.post(f"{base}/s/kodinkone/assistant", data={"q": "I want to talk to a person"}, timeout=10)
    page = browser.get(f"{base}/s/kodinkone/assistant", timeout=10).text
    started = browser.post(
        f"{base}/s/kodinkone/assistant/chat", data={"csrf_token": csrf_from(page)}, allow_redirects=False, timeout=10
    )
    assert started.status_code == 302, started.text[:500]
    return browser, started.headers["Location"].rsplit("/", 1)[-1]


def _agent_signs_in(requests, base: str, email: str):
    browser = requests.Session()
    form = browser.get(f"{base}/staff/login", timeout=10).text
    signed = browser.post(
        f"{base}/staff/login",
        data={"csrf_token": csrf_from(form), "email": email, "password": PASSWORD},
        allow_redirects=False,
        timeout=10,
    )
    assert signed.status_code == 302, signed.text[:500]
    return browser


def _post(browser, token: str, base: str, path: str, text: str, posted: dict) -> None:
    sent = time.monotonic()
    answer = browser.post(
        base + path, data={"csrf_token": token, "message": text}, headers={"Accept": "application/json"}, timeout=10
    )
    assert answer.status_code == 200, answer.text[:500]
    assert answer.json()["ok"]
    posted[text] = (sent, base)


def test_two_processes_two_agents_two_buyers_every_message_in_order_exactly_once(
    app, two_servers, order, second_order, anna, ville, online
):
    import requests

    a, b = two_servers
    online(anna, ville)
    db.session.commit()

    buyer1, chat1 = _buyer_starts_a_chat(requests, a, order)
    buyer2, chat2 = _buyer_starts_a_chat(requests, b, second_order)
    agent1 = _agent_signs_in(requests, b, anna.email)
    agent2 = _agent_signs_in(requests, a, ville.email)
    queue = agent1.get(f"{b}/console/chats", timeout=10).text
    assert agent1.post(f"{b}/console/chats/{chat1}/take", data={"csrf_token": csrf_from(queue)}, timeout=10).ok
    queue = agent2.get(f"{a}/console/chats?shop=kodinkone", timeout=10).text
    taken = agent2.post(
        f"{a}/console/chats/{chat2}/take?shop=kodinkone", data={"csrf_token": csrf_from(queue)}, timeout=10
    )
    assert taken.ok

    # Each side's page gives its CSRF token (the session cookie carries it: either process takes it).
    token = {
        name: csrf_from(browser.get(url, timeout=10).text)
        for name, browser, url in (
            ("b1", buyer1, f"{b}/s/kodinkone/chat/{chat1}"),
            ("b2", buyer2, f"{a}/s/kodinkone/chat/{chat2}"),
            ("a1", agent1, f"{a}/console/chats/{chat1}"),
            ("a2", agent2, f"{b}/console/chats/{chat2}?shop=kodinkone"),
        )
    }

    # Streams on the other process than the one each side writes to.
    readers = {
        "buyer1": Reader(buyer1, b, f"/s/kodinkone/chat/{chat1}/events", "buyer1"),
        "agent1": Reader(agent1, a, f"/console/chats/{chat1}/events", "agent1"),
        "buyer2": Reader(buyer2, a, f"/s/kodinkone/chat/{chat2}/events", "buyer2"),
        "agent2": Reader(agent2, b, f"/console/chats/{chat2}/events?shop=kodinkone", "agent2"),
    }
    time.sleep(1.5)  # every reader is connected and has replayed the start

    posted: dict[str, tuple[float, str]] = {}
    writers = [  # each writes to one process, each reads from the other
        (buyer1, a, f"/s/kodinkone/chat/{chat1}/messages", "b1"),
        (agent1, b, f"/console/chats/{chat1}/messages", "a1"),
        (buyer2, b, f"/s/kodinkone/chat/{chat2}/messages", "b2"),
        (agent2, a, f"/console/chats/{chat2}/messages?shop=kodinkone", "a2"),
    ]
    dropped: set[str] = set()

    def conversation(first: int, last: int) -> None:
        for round_ in range(first, last):
            threads = [
                threading.Thread(target=_post, args=(browser, token[who], base, path, f"{who} says {round_}", posted))
                for browser, base, path, who in writers
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=20)
            time.sleep(0.4)

    conversation(0, ROUNDS // 2)
    # Forced reconnect: buyer 1 and agent 2 lose their connection, miss messages meanwhile, and
    # come back to the other process with the last id they saw.
    for name, other in (("buyer1", a), ("agent2", a)):
        readers[name].drop(then_to=other, pause=2.5)
        dropped.add(name)
    time.sleep(0.3)
    conversation(ROUNDS // 2, ROUNDS)
    time.sleep(3.5)

    # The agents end both chats; every stream sees the end and closes.
    for browser, who, url in (
        (agent1, "a1", f"{a}/console/chats/{chat1}/end"),
        (agent2, "a2", f"{b}/console/chats/{chat2}/end?shop=kodinkone"),
    ):
        assert browser.post(url, data={"csrf_token": token[who], "outcome": "solved"}, timeout=10).ok
    for reader in readers.values():
        assert reader.closed.wait(15), f"{reader.name} did not see the end"
        reader.stop()

    db.session.expire_all()
    for chat_id, names in ((chat1, ("buyer1", "agent1")), (chat2, ("buyer2", "agent2"))):
        stored = list(db.session.scalars(select_messages(chat_id)))
        assert [m.seq for m in stored] == list(range(1, len(stored) + 1))
        for name in names:
            seen = readers[name].messages
            assert [m["seq"] for m in seen] == [m.seq for m in stored], name  # all, in order, once
            assert len({m["via"] for m in seen}) == 2 or name not in dropped, readers[name].connections
    db.session.commit()
    for name in dropped:
        assert readers[name].connections[-1] == a

    # Latency through Redis: a message written on one process reaches a stream on the other in
    # well under a second (the streams' own re-read is 30 s away; a stream's end every 6 s
    # could only explain a few).
    latencies = []
    for name, reader in readers.items():
        if name in dropped:
            continue
        for message in reader.messages:
            sent = posted.get(message["text"])
            if sent is not None and sent[1] != message["via"]:
                latencies.append(message["at"] - sent[0])
    print("cross-process latencies (s):", [round(x, 3) for x in sorted(latencies)])
    print("connections:", {name: reader.connections for name, reader in readers.items()})
    assert latencies, "no message was timed"
    assert statistics.median(latencies) < 1.0, sorted(latencies)


def select_messages(chat_id: str):
    from sqlalchemy import select

    return select(ChatMessage).where(ChatMessage.session_id == chat_id).order_by(ChatMessage.seq)
