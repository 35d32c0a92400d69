"""A small MNS data-plane server on 127.0.0.1 that the real aliyun-mns-sdk talks to.

It answers SendMessage and BatchSendMessage (``POST /queues/<name>/messages``) and PublishMessage
(``POST /topics/<name>/messages``) as MNS does: XML in, ``201`` with ``<MessageId>`` and
``<MessageBodyMD5>`` out, MNS's ``<Error>`` XML with the documented code and status otherwise
(``QueueNotExist`` / ``TopicNotExist`` 404, ``MissingAuthorizationHeader`` 400, ``MalformedXML`` 400,
``InvalidArgument`` 400 for an oversized message). The signature is not verified, but a request without
``Authorization: MNS <id>:<signature>`` is refused.

Fault knobs: ``fail_next(n)`` answers the next n sends with ``503 ServiceUnavailable`` (or any status,
code and message); ``latency_s`` delays every answer; ``trickle_s`` sends every answer one byte at a time,
this long apart (a server that answers, but far too slowly); ``stop()`` makes connections be refused (open
keep-alive connections are cut too) and ``start()`` brings the server back on the same port.
``tls=(cert, key)`` serves HTTPS.

    with MnsServer(queues=["alerts"], topics=["playback"]) as mns:
        ...  # PLAYGATE_MNS_ENDPOINT=mns.endpoint
        assert json.loads(mns.messages("alerts")[0])["type"] == "playgate.qc.alert"

Queue bodies are stored as received; ``messages()`` base64-decodes them when ``queue_base64`` is true
(the SDK's and playgate's default), ``raw_messages()`` returns them as sent.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import hashlib
import io
import itertools
import re
import socket
import ssl
import sys
import threading
import time
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from xml.sax.saxutils import escape

XMLNS = "http://mns.aliyuncs.com/doc/v1/"
MAX_MESSAGE_BYTES = 65536
MAX_BATCH = 16
_PATH = re.compile(r"^/(queues|topics)/([^/?]+)/messages/?(?:\?.*)?$")
_AUTH = re.compile(r"^MNS [^\s:]+:\S+$")


@dataclass
class Received:
    """One message as the server stored it."""

    kind: str  # "queue" | "topic"
    name: str
    message_id: str
    body: str  # the MessageBody text as sent (base64 for an encoding queue)
    tag: str = ""
    headers: dict[str, str] = field(default_factory=dict)


class _MnsError(Exception):
    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class MnsServer:
    def __init__(
        self,
        queues: list[str] | tuple[str, ...] = (),
        topics: list[str] | tuple[str, ...] = (),
        *,
        port: int = 0,
        queue_base64: bool = True,
        max_message_bytes: int = MAX_MESSAGE_BYTES,
        tls: tuple[str, str] | None = None,
    ) -> None:
        self.queues = set(queues)
        self.tls = tls  # (certificate file, key file): serve HTTPS
        self.topics = set(topics)
        self.queue_base64 = queue_base64
        self.max_message_bytes = max_message_bytes
        self.port = port
        self.latency_s = 0.0  # added before every answer: slow networks, client timeouts
        self.trickle_s = 0.0  # pause between the bytes of an answer: a server that never quite answers
        self.requests = 0
        self._received: list[Received] = []
        self._fail_next: list[tuple[int, str, str]] = []
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle -----------------------------------------------------------------------------------
    @property
    def endpoint(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    def start(self) -> str:
        if self._httpd is not None:
            return self.endpoint
        handler = type("Handler", (_Handler,), {"server_state": self})
        self._httpd = _Server(("127.0.0.1", self.port), handler)
        self.port = self._httpd.server_address[1]
        if self.tls:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*self.tls)
            self._httpd.socket = context.wrap_socket(self._httpd.socket, server_side=True)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, args=(0.05,), name="mns-server", daemon=True
        )
        self._thread.start()
        return self.endpoint

    def stop(self) -> None:
        """Stop serving: new connections are refused until ``start()`` (same port)."""
        if self._httpd is None:
            return
        self._httpd.shutdown()
        self._httpd.server_close()
        self._httpd.drop_connections()  # keep-alive connections must fail too, as when MNS is down
        if self._thread:
            self._thread.join(timeout=5)
        self._httpd = self._thread = None

    def __enter__(self) -> MnsServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- knobs and assertions ------------------------------------------------------------------------
    def fail_next(
        self,
        count: int,
        *,
        status: int = 503,
        code: str = "ServiceUnavailable",
        message: str = "The service is temporarily unavailable.",
    ) -> None:
        """Answer the next ``count`` well-formed, signed requests with this MNS error."""
        with self._lock:
            self._fail_next.extend([(status, code, message)] * count)

    def add_queue(self, name: str) -> None:
        self.queues.add(name)

    def add_topic(self, name: str) -> None:
        self.topics.add(name)

    def received(self, name: str | None = None) -> list[Received]:
        with self._lock:
            return [r for r in self._received if name is None or r.name == name]

    def raw_messages(self, name: str) -> list[str]:
        return [r.body for r in self.received(name)]

    def messages(self, name: str) -> list[str]:
        """Bodies sent to a queue or topic, in arrival order, decoded as a consumer would see them."""
        return [self._decoded(r) for r in self.received(name)]

    def _decoded(self, record: Received) -> str:
        if record.kind == "queue" and self.queue_base64:
            return base64.b64decode(record.body, validate=True).decode("utf-8")
        return record.body

    def clear(self) -> None:
        with self._lock:
            self._received.clear()

    # --- the data plane ------------------------------------------------------------------------------
    def handle(self, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, str]:
        """One request → (status, XML). Raises _MnsError for MNS error answers."""
        with self._lock:
            self.requests += 1
        if self.latency_s:
            time.sleep(self.latency_s)
        match = _PATH.match(path)
        if method != "POST" or not match:
            raise _MnsError(400, "InvalidRequestURL", f"Http request URL format invalid: {method} {path}")
        if not _AUTH.match(headers.get("authorization", "")):
            raise _MnsError(400, "MissingAuthorizationHeader", "Authorization header is required.")
        with self._lock:
            fault = self._fail_next.pop(0) if self._fail_next else None
        if fault:
            raise _MnsError(*fault)
        section, name = match.groups()
        kind = "queue" if section == "queues" else "topic"
        known = self.queues if kind == "queue" else self.topics
        if name not in known:
            code = "QueueNotExist" if kind == "queue" else "TopicNotExist"
            raise _MnsError(404, code, f"The {kind} name you provided is not exist.")
        root = _parse(body)
        if kind == "queue" and _local(root.tag) == "Messages":
            return 201, self._batch(name, root, headers)
        record = self._store(kind, name, _message_fields(root), headers)
        return 201, _message_xml(record)

    def _batch(self, name: str, root: ET.Element, headers: dict[str, str]) -> str:
        items = [_message_fields(m) for m in root if _local(m.tag) == "Message"]
        if not 1 <= len(items) <= MAX_BATCH:
            raise _MnsError(
                400, "InvalidArgument", f"The count of messages should be between 1 and {MAX_BATCH}."
            )
        total = sum(len(i["MessageBody"].encode("utf-8")) for i in items)
        if total > self.max_message_bytes:
            raise _MnsError(
                400, "InvalidArgument", f"The total size of messages exceeds {self.max_message_bytes}."
            )
        records = [self._store("queue", name, item, headers) for item in items]
        inner = "".join(_message_xml(r, declaration=False) for r in records)
        return f'<?xml version="1.0" encoding="UTF-8"?><Messages xmlns="{XMLNS}">{inner}</Messages>'

    def _store(self, kind: str, name: str, fields: dict[str, str], headers: dict[str, str]) -> Received:
        body = fields.get("MessageBody", "")
        size = len(body.encode("utf-8"))
        if not 1 <= size <= self.max_message_bytes:
            raise _MnsError(
                400,
                "InvalidArgument",
                f"The value of MessageBody should between 1 and {self.max_message_bytes} bytes.",
            )
        record = Received(
            kind=kind,
            name=name,
            message_id=f"{time.time_ns():016X}-{next(self._ids):08X}",
            body=body,
            tag=fields.get("MessageTag", ""),
            headers=dict(headers),
        )
        with self._lock:
            self._received.append(record)
        return record


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _parse(body: bytes) -> ET.Element:
    try:
        return ET.fromstring(body)
    except ET.ParseError as error:
        raise _MnsError(400, "MalformedXML", f"The XML you provided was not well-formed: {error}") from None


def _message_fields(element: ET.Element) -> dict[str, str]:
    if _local(element.tag) != "Message":
        raise _MnsError(400, "MalformedXML", f"Expected a Message element, got {_local(element.tag)}.")
    return {_local(child.tag): child.text or "" for child in element}


def _message_xml(record: Received, *, declaration: bool = True) -> str:
    md5 = hashlib.md5(record.body.encode("utf-8")).hexdigest().upper()
    ns = "" if not declaration else f' xmlns="{XMLNS}"'
    xml = (
        f"<Message{ns}><MessageId>{record.message_id}</MessageId>"
        f"<MessageBodyMD5>{md5}</MessageBodyMD5></Message>"
    )
    return f'<?xml version="1.0" encoding="UTF-8"?>{xml}' if declaration else xml


def _error_xml(error: _MnsError, request_id: str, host: str) -> str:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><Error xmlns="{XMLNS}"><Code>{escape(error.code)}</Code>'
        f"<Message>{escape(error.message)}</Message><RequestId>{request_id}</RequestId>"
        f"<HostId>{escape(host)}</HostId></Error>"
    )


class _Server(ThreadingHTTPServer):
    allow_reuse_address = True
    daemon_threads = True

    def __init__(self, *args: Any) -> None:
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(*args)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A connection dropped by ``stop()`` or by the client is normal here; anything else is printed."""
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)

    def drop_connections(self) -> None:
        with self.connections_lock:
            connections, self.connections = list(self.connections), set()
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    server_state: MnsServer
    protocol_version = "HTTP/1.1"  # keep-alive, as the SDK expects

    def setup(self) -> None:
        super().setup()
        # headers and body leave in two writes: without this, Nagle + delayed ACK add 40 ms per request
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self.server.connections_lock:
            self.server.connections.add(self.connection)

    def finish(self) -> None:
        with self.server.connections_lock:
            self.server.connections.discard(self.connection)
        super().finish()

    def do_POST(self) -> None:
        self._serve("POST")

    def do_GET(self) -> None:
        self._serve("GET")

    def _serve(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        request_id = uuid.uuid4().hex.upper()[:24]
        try:
            status, xml = self.server_state.handle(method, self.path, headers, body)
        except _MnsError as error:
            status, xml = error.status, _error_xml(error, request_id, self.server_state.endpoint)
        payload = xml.encode("utf-8")
        trickle_s = self.server_state.trickle_s
        if trickle_s:
            held = io.BytesIO()
            wire, self.wfile = self.wfile, held
        self.send_response(status)
        self.send_header("Content-Type", "text/xml;charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("x-mns-request-id", request_id)
        self.send_header("x-mns-version", "2015-06-06")
        self.end_headers()
        self.wfile.write(payload)
        if trickle_s:
            answer, self.wfile = held.getvalue(), wire
            for index in range(len(answer)):
                self.wfile.write(answer[index : index + 1])
                self.wfile.flush()
                time.sleep(trickle_s)

    def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
        return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Serve a local MNS data plane on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=8791)
    parser.add_argument("--queue", action="append", default=[], help="a queue name (repeatable)")
    parser.add_argument("--topic", action="append", default=[], help="a topic name (repeatable)")
    args = parser.parse_args(argv)
    server = MnsServer(args.queue, args.topic, port=args.port)
    print(f"MNS data plane on {server.start()} (queues: {args.queue}, topics: {args.topic}); Ctrl-C stops")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
