"""The transport's HTTP/1.1 against a real socket server that answers in each way a front end may:
chunked, read-to-close, interim 1xx, Connection: close, a kept-alive connection the server dropped while
idle, and answers that are not HTTP or stop short."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Iterator

import pytest

from playgate.ice.credentials import Credentials
from playgate.ice.http1 import BadAnswer, Connection, Disconnected, split_host_port
from playgate.ice.transport import Transport

BODY = json.dumps({"RequestId": "R-1", "MediaInfo": {"MediaId": "m-1"}}).encode()


class RawServer:
    """Answers the n-th request with ``script[n]`` (raw bytes); ``close_after`` lists requests after
    which it closes the connection. ``hold=True``: no answer until the server is closed (a hung back end);
    ``answered`` is set once an answer has been sent whole."""

    def __init__(
        self, script: list[bytes], close_after: set[int] = frozenset(), *, hold: bool = False,
        trickle_s: float = 0.0,
    ) -> None:  # fmt: skip
        self.script, self.close_after = script, close_after
        self.trickle_s = trickle_s  # between the answer's bytes: a slow link
        self.released, self.answered = threading.Event(), threading.Event()
        if not hold:
            self.released.set()
        self.requests: list[bytes] = []
        self.connections = 0
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"127.0.0.1:{self.listener.getsockname()[1]}"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._talk, args=(conn,), daemon=True).start()

    def _talk(self, conn: socket.socket) -> None:
        with conn, contextlib.suppress(ConnectionError):  # a client that gave up hangs up mid-answer
            buffer = b""
            while True:
                while b"\r\n\r\n" not in buffer:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    buffer += chunk
                head, _, buffer = buffer.partition(b"\r\n\r\n")
                n = len(self.requests)
                self.requests.append(head)
                self._answer(conn, self.script[min(n, len(self.script) - 1)])
                if n in self.close_after:
                    return

    def _answer(self, conn: socket.socket, answer: bytes) -> None:
        self.released.wait()
        if not self.trickle_s:
            conn.sendall(answer)
        else:
            for i in range(len(answer)):
                conn.sendall(answer[i : i + 1])
                time.sleep(self.trickle_s)
        self.answered.set()

    def close(self) -> None:
        self.released.set()
        self.listener.close()


@pytest.fixture
def raw_server() -> Iterator[type[RawServer]]:
    servers: list[RawServer] = []

    def make(*args, **kwargs) -> RawServer:
        servers.append(RawServer(*args, **kwargs))
        return servers[-1]

    yield make
    for server in servers:
        server.close()


def _transport(server: RawServer) -> Transport:
    creds = Credentials("emulator-access-key-id", "emulator-access-key-secret")
    return Transport(server.url, "http", lambda: creds)


def _ok(extra: bytes = b"") -> bytes:
    return b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n%s\r\n%s" % (
        len(BODY),
        extra,
        BODY,
    )


def test_content_length_answers_reuse_one_connection(raw_server):
    server = raw_server([_ok()])
    transport = _transport(server)
    for _ in range(3):
        answer = transport.call("GetMediaInfo", {"MediaId": "m-1"}, 2.0)
        assert (answer.status, json.loads(answer.body)["RequestId"]) == (200, "R-1")
    assert server.connections == 1 and len(server.requests) == 3
    first = server.requests[0].decode()
    assert (
        first.startswith("POST /?MediaId=m-1 HTTP/1.1\r\n")
        and "authorization: acs3-hmac-sha256" in first.lower()
    )


def test_chunked_body_with_trailers_and_an_interim_answer(raw_server):
    half = len(BODY) // 2
    chunked = (
        b"HTTP/1.1 100 Continue\r\n\r\n"
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-Acs-Request-Id: R-1\r\n\r\n"
        + b"%x;ext=1\r\n%s\r\n" % (half, BODY[:half])
        + b"%x\r\n%s\r\n" % (len(BODY) - half, BODY[half:])
        + b"0\r\nX-Trailer: t\r\n\r\n"
    )
    server = raw_server([chunked, _ok()])
    transport = _transport(server)
    answer = transport.call("GetMediaInfo", {"MediaId": "m-1"}, 2.0)
    assert answer.body == BODY and answer.headers["x-acs-request-id"] == "R-1"
    assert transport.call("GetMediaInfo", {"MediaId": "m-1"}, 2.0).body == BODY  # same connection after
    assert server.connections == 1


def test_a_body_without_length_runs_to_the_close_and_the_next_call_reconnects(raw_server):
    server = raw_server([b"HTTP/1.0 200 OK\r\n\r\n" + BODY, _ok()], close_after={0})
    transport = _transport(server)
    assert transport.call("GetMediaInfo", {"MediaId": "m-1"}, 2.0).body == BODY
    assert transport.call("GetMediaInfo", {"MediaId": "m-1"}, 2.0).body == BODY
    assert server.connections == 2


def test_a_kept_alive_connection_the_server_dropped_is_retried_once_on_a_new_one(raw_server):
    server = raw_server([_ok()], close_after={0})  # answers keep-alive, then closes anyway
    transport = _transport(server)
    assert transport.call("GetMediaInfo", {"MediaId": "m-1"}, 2.0).status == 200
    assert transport.call("GetMediaInfo", {"MediaId": "m-1"}, 2.0).status == 200
    assert server.connections == 2 and len(server.requests) == 2


def test_connection_close_is_honoured(raw_server):
    server = raw_server([_ok(b"Connection: close\r\n")], close_after={0, 1})
    transport = _transport(server)
    for _ in range(2):
        assert transport.call("GetMediaInfo", {"MediaId": "m-1"}, 2.0).status == 200
    assert server.connections == 2


@pytest.mark.parametrize(
    "answer",
    [
        b"SSH-2.0-OpenSSH_9.6\r\n\r\n",  # not HTTP
        b'HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n{"short"',  # stops short
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",  # a bad chunk size
        b"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n",
    ],
)
def test_an_answer_that_is_not_http_or_stops_short_is_a_connection_error(raw_server, answer):
    server = raw_server([answer], close_after={0})
    with pytest.raises(BadAnswer):
        _transport(server).call("GetMediaInfo", {"MediaId": "m-1"}, 2.0)


def test_two_calls_in_flight_together_each_on_its_connection(raw_server):
    server = raw_server([_ok()])
    answers = _transport(server).call_all(
        [("GetMediaInfo", {"MediaId": "a"}), ("GetPlayInfo", {"MediaId": "b"})], 2.0
    )
    assert [a.status for a in answers] == [200, 200] and server.connections == 2
    assert sorted(r.split(b" ")[1] for r in server.requests) == [b"/?MediaId=a", b"/?MediaId=b"]


def test_a_connection_asked_for_an_answer_before_any_request_says_so():
    with pytest.raises(Disconnected, match="nothing was sent"):  # a connection error the transport knows
        Connection("127.0.0.1", 9).receive()


def test_a_header_value_with_a_line_break_is_refused_before_sending(raw_server):
    server = raw_server([_ok()])
    creds = Credentials("id", "secret", "token\r\nX-Injected: 1")
    with pytest.raises(ValueError, match="line break"):
        Transport(server.url, "http", lambda: creds).call("GetMediaInfo", {"MediaId": "m-1"}, 2.0)
    assert server.requests == []


@pytest.mark.parametrize(
    ("endpoint", "expected"),
    [
        ("ice.cn-shanghai.aliyuncs.com", ("ice.cn-shanghai.aliyuncs.com", 443)),
        ("127.0.0.1:8790", ("127.0.0.1", 8790)),
        ("[::1]:8790", ("::1", 8790)),
        ("[::1]", ("::1", 443)),
    ],
)
def test_endpoints_split_into_host_and_port(endpoint, expected):
    assert split_host_port(endpoint, 443) == expected


def test_a_connection_idle_longer_than_the_limit_is_not_reused(raw_server, monkeypatch):
    import playgate.ice.transport as transport_module

    server = raw_server([_ok()])
    transport = _transport(server)
    transport.call("GetMediaInfo", {"MediaId": "m-1"}, 2.0)
    monkeypatch.setattr(transport_module, "IDLE_LIMIT_S", -1.0)  # everything idle is now too old
    transport.call("GetMediaInfo", {"MediaId": "m-1"}, 2.0)
    assert server.connections == 2


def test_nonces_differ_between_calls_and_between_forked_processes(raw_server):
    import os

    server = raw_server([_ok()])
    transport = _transport(server)
    transport.call("GetMediaInfo", {"MediaId": "m-1"}, 2.0)
    transport.call("GetMediaInfo", {"MediaId": "m-1"}, 2.0)
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child signs one request and reports its nonce
        nonce = _transport(server)._prepare("GetMediaInfo", {"MediaId": "m-1"})[1]["x-acs-signature-nonce"]
        os.write(writer, nonce.encode())
        os._exit(0)
    os.waitpid(pid, 0)
    child = os.read(reader, 64).decode()
    parent = transport._prepare("GetMediaInfo", {"MediaId": "m-1"})[1]["x-acs-signature-nonce"]
    lines = [line for r in server.requests for line in r.decode().split("\r\n")]
    nonces = [line.split(": ")[1] for line in lines if line.startswith("x-acs-signature-nonce:")]
    assert len(set([*nonces, child, parent])) == 4


def test_an_answer_trickled_a_byte_at_a_time_is_cut_at_the_time_given(raw_server):
    # each byte comes well within the 0.5 s read timeout, the whole answer would take about 10 s: only a
    # bound on the whole read ends the call with a timeout (without it, the call would return the answer)
    server = raw_server([_ok()], trickle_s=0.05)
    transport = _transport(server)
    with pytest.raises(TimeoutError):
        transport.call("GetMediaInfo", {"MediaId": "m-1"}, 0.5)
    assert not server.answered.is_set(), "cut before the answer was whole"


def test_calls_in_flight_together_share_one_time_limit(raw_server, monkeypatch):
    import playgate.ice.http1 as http1

    waited_until: list[float | None] = []
    receive = http1.Connection.receive

    def watched(conn, ends=None):
        waited_until.append(ends)
        return receive(conn, ends)

    monkeypatch.setattr(http1.Connection, "receive", watched)
    server = raw_server([_ok()], hold=True)
    answers = _transport(server).call_all(
        [("GetMediaInfo", {"MediaId": "m-1"}), ("GetPlayInfo", {"MediaId": "m-1"})], 1.0
    )
    assert [type(a) for a in answers] == [TimeoutError, TimeoutError]
    assert len(waited_until) == 2 and len(set(waited_until)) == 1, "each call waited its own whole time"


def test_an_answer_that_arrived_while_another_call_timed_out_is_still_read(raw_server):
    slow, quick = raw_server([_ok()], hold=True), raw_server([_ok()])
    transports = _transport(slow), _transport(quick)
    ends = time.monotonic() + 0.5
    conns = []
    for transport in transports:
        conn, _ = transport._connection()
        conn.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", 0.5)
        conns.append(conn)
    assert quick.answered.wait(10)
    with pytest.raises(TimeoutError):
        conns[0].receive(ends)
    status, _, body, _ = conns[1].receive(ends)  # past the end, but its answer is already here
    assert (status, body) == (200, BODY)
