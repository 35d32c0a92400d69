"""A local HTTP receiver on 127.0.0.1 for the HTTP sinks: it records every request and answers as told.

``Receiver()`` answers 200 ``{"errcode": 0, "code": 0}`` (what DingTalk, WeCom and Lark say when a
message is sent). ``script(answer, …)`` queues answers for the next requests (an outage, a 429, a slow
answer, a robot's error code); ``fail_rate`` fails that share of requests with 503; ``tls`` (a server
``ssl.SSLContext``) serves HTTPS with the caller's certificate. Verifying signatures is the caller's
business (the tests verify each documented signature independently).
"""

from __future__ import annotations

import json
import random
import ssl
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

HOST = "127.0.0.1"
OK = {"errcode": 0, "errmsg": "ok", "code": 0, "msg": "success"}


@dataclass(frozen=True)
class Answer:
    status: int = 200
    body: Any = field(default_factory=lambda: dict(OK))
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0


@dataclass(frozen=True)
class Received:
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names
    body: bytes
    status: int  # what the receiver answered
    at: float

    def json(self) -> Any:
        return json.loads(self.body)


class Receiver:
    def __init__(
        self,
        *,
        fail_rate: float = 0.0,
        seed: int | None = None,
        ok: Answer | None = None,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self.fail_rate = fail_rate
        self.ok = ok or Answer()
        self.requests: list[Received] = []
        self._script: list[Answer] = []
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self._server = _Server((HOST, 0), _Handler)
        self._server.receiver = self
        self.tls = tls
        if tls is not None:  # HTTPS with the caller's certificate
            self._server.socket = tls.wrap_socket(self._server.socket, server_side=True)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True, name="receiver")

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://{HOST}:{self._server.server_address[1]}"

    def script(self, *answers: Answer) -> Receiver:
        with self._lock:
            self._script.extend(answers)
        return self

    def accepted(self) -> list[Received]:
        with self._lock:
            return [r for r in self.requests if 200 <= r.status < 300]

    def answer(self) -> Answer:
        with self._lock:
            if self._script:
                return self._script.pop(0)
            if self.fail_rate and self._random.random() < self.fail_rate:
                return Answer(503, {"message": "injected failure"})
            return self.ok

    def record(self, received: Received) -> None:
        with self._lock:
            self.requests.append(received)

    def start(self) -> Receiver:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> Receiver:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    receiver: Receiver


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        answer = self.server.receiver.answer()
        payload = answer.body if isinstance(answer.body, bytes) else json.dumps(answer.body).encode()
        parts = urlsplit(self.path)
        self.server.receiver.record(
            Received(
                path=parts.path,
                query=dict(parse_qsl(parts.query, keep_blank_values=True)),
                headers={k.lower(): v for k, v in self.headers.items()},
                body=body,
                status=answer.status,
                at=time.time(),
            )
        )
        if answer.delay_s:  # recorded on arrival: a client that gave up on the answer still sent it
            time.sleep(answer.delay_s)
        try:
            self.send_response(answer.status)
            for name, value in {"Content-Type": "application/json", **answer.headers}.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        pass
