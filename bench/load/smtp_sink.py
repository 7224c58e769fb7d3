"""A local SMTP server for the load test: accepts every message and writes one JSON line per
message (recipient, subject, the attachments' types and names), so that run.sh can check that
each approved return's e-mail carried its slip. Nothing is delivered anywhere.

    .venv/bin/python bench/load/smtp_sink.py --port 18025 --log /tmp/apuri-load/mail.jsonl
"""

from __future__ import annotations

import argparse
import json
import signal
import threading
from email import message_from_bytes, policy


class Recorder:
    def __init__(self, path: str):
        self.path = path
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        message = message_from_bytes(envelope.content, policy=policy.default)
        attachments = [
            {"type": part.get_content_type(), "filename": part.get_filename()} for part in message.iter_attachments()
        ]
        line = {
            "to": envelope.rcpt_tos,
            "subject": str(message.get("Subject", "")),
            "attachments": attachments,
            "bytes": len(envelope.content),
        }
        with self.lock, open(self.path, "a", encoding="utf-8") as out:
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
        return "250 OK"


def main() -> None:
    from aiosmtpd.controller import Controller

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--log", required=True)
    args = parser.parse_args()
    open(args.log, "w").close()
    controller = Controller(Recorder(args.log), hostname="127.0.0.1", port=args.port)
    controller.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main()
