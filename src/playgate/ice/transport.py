"""One signed RPC call to ICE over a pool of kept-alive HTTP/1.1 connections (``playgate.ice.http1``).

This is the whole HTTP stack of the ICE client: build the request the way the official SDK does (query
parameters in the URL, an empty body, ``x-acs-*`` headers, ACS3-HMAC-SHA256 ``Authorization``; STS
credentials add ``x-acs-accesskey-id`` and ``x-acs-security-token``), send it on an idle connection (or a
new one), read the answer whole. No retries here beyond one: a request that fails on a *reused*
connection before any answer arrived (the server closed it while idle) goes once more on a fresh one.
"""

from __future__ import annotations

import os
import random
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from playgate.ice import http1, signer

if TYPE_CHECKING:
    import ssl

    from playgate.ice.credentials import Credentials

API_VERSION = "2020-11-09"
USER_AGENT = f"playgate ({os.uname().sysname}; {os.uname().machine}) Python/{sys.version.split()[0]}"
IDLE_LIMIT_S = 10.0  # below the idle timeouts of SLB/ALB front ends (15 s and up)
_STALE = (http1.Disconnected, BrokenPipeError, ConnectionResetError, ConnectionAbortedError)
_NONCES = random.Random()  # a nonce must not repeat, not be secret: no entropy-pool read per request
if hasattr(os, "register_at_fork"):  # a forked worker must not replay its parent's nonces
    os.register_at_fork(after_in_child=_NONCES.seed)


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]  # lower-cased names
    body: bytes


def request_headers(
    action: str,
    host: str,
    credentials: Credentials,
    *,
    nonce: str,
    date: str,
    user_agent: str = USER_AGENT,
) -> dict[str, str]:
    """The signed headers of one RPC call with an empty body (parameters travel in the query)."""
    headers = {
        "host": host,
        "x-acs-version": API_VERSION,
        "x-acs-action": action,
        "user-agent": user_agent,
        "x-acs-date": date,
        "x-acs-signature-nonce": nonce,
        "accept": "application/json",
        "x-acs-content-sha256": signer.EMPTY_SHA256,
    }
    if credentials.security_token:
        headers["x-acs-accesskey-id"] = credentials.access_key_id
        headers["x-acs-security-token"] = credentials.security_token
    return headers


def sign(
    method: str, query: dict[str, str], headers: dict[str, str], credentials: Credentials
) -> dict[str, str]:
    """``headers`` plus the ``Authorization`` that signs all of them."""
    auth = signer.authorization(
        method,
        "/",
        query,
        headers,
        headers["x-acs-content-sha256"],
        credentials.access_key_id,
        credentials.access_key_secret,
    )
    return {**headers, "Authorization": auth}


def _utc_now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


class Transport:
    """``call(action, query, timeout_s) → Answer`` against one endpoint; safe to share between threads."""

    def __init__(
        self,
        endpoint: str,
        protocol: str,
        credentials: Callable[[], Credentials],
        *,
        max_idle: int = 4,
    ) -> None:
        self.endpoint = endpoint
        self.https = protocol.lower() == "https"
        self._credentials = credentials
        self._max_idle = max_idle
        self._host, self._port = http1.split_host_port(endpoint, 443 if self.https else 80)
        self._idle: list[tuple[http1.Connection, float]] = []  # with the monotonic time it went idle
        self._lock = threading.Lock()
        self._tls: ssl.SSLContext | None = None

    def call(self, action: str, query: dict[str, str], timeout_s: float) -> Answer:
        answer = self.call_all([(action, query)], timeout_s)[0]
        if isinstance(answer, BaseException):
            raise answer
        return answer

    def call_all(self, calls: list[tuple[str, dict[str, str]]], timeout_s: float) -> list[Answer | OSError]:
        """Several calls in flight at once, each on its own connection: all are sent before any answer
        is read, so they cost one round trip, without threads. Failures come back in their place."""
        return self._exchange_all([self._prepare(action, query) for action, query in calls], timeout_s)

    def credentials(self) -> Credentials:
        """The credentials the next call will sign with (the source may raise ``NoCredentials``)."""
        return self._credentials()

    def warm(self, timeout_s: float = 5.0) -> None:
        """Open one connection now (FC's initializer): the TLS context and handshake off the first event."""
        conn, reused = self._connection()
        if not reused:
            try:
                conn.open(timeout_s)
            except OSError:
                conn.close()
                raise
        self._release(conn)

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for conn, _ in idle:
            conn.close()

    # --- plumbing -----------------------------------------------------------------------------------
    def _prepare(self, action: str, query: dict[str, str]) -> tuple[str, dict[str, str]]:
        credentials = self._credentials()
        nonce = f"{_NONCES.getrandbits(128):032x}"
        headers = sign(
            "POST",
            query,
            request_headers(action, self.endpoint, credentials, nonce=nonce, date=_utc_now()),
            credentials,
        )
        target = "/?" + "&".join(
            f"{signer.percent_encode(k)}={signer.percent_encode(v)}" for k, v in query.items()
        )
        return target, headers

    def _exchange_all(
        self, requests: list[tuple[str, dict[str, str]]], timeout_s: float
    ) -> list[Answer | OSError]:
        ends = time.monotonic() + timeout_s  # one time limit for all the calls: they are in flight together
        sent: list[tuple[http1.Connection | None, bool, OSError | None]] = []
        for target, headers in requests:
            connection, reused = self._connection()
            try:
                connection.send(http1.request_bytes("POST", target, headers), timeout_s)
                sent.append((connection, reused, None))
            except OSError as exc:
                connection.close()
                sent.append((None, reused, exc))
        answers: list[Answer | OSError] = []
        for (target, headers), (conn, reused, error) in zip(requests, sent, strict=True):
            if conn is not None:
                try:
                    answers.append(self._receive(conn, ends))
                    continue
                except OSError as exc:
                    error = exc
            assert error is not None, "a request that was not answered has its error"
            if reused and isinstance(error, _STALE):  # the server had closed the idle connection
                answers.append(self._once_more(target, headers, ends))
            else:
                answers.append(error)
        return answers

    def _once_more(self, target: str, headers: dict[str, str], ends: float) -> Answer | OSError:
        left = ends - time.monotonic()
        if left <= 0:
            return TimeoutError("timed out: no time left to send the call again on a new connection")
        conn = self._new_connection()
        try:
            conn.send(http1.request_bytes("POST", target, headers), left)
            return self._receive(conn, ends)
        except OSError as exc:
            conn.close()
            return exc

    def _receive(self, conn: http1.Connection, ends: float) -> Answer:
        try:
            status, headers, body, keep = conn.receive(ends)
        except BaseException:
            conn.close()
            raise
        if keep:
            self._release(conn)
        else:
            conn.close()
        return Answer(status, headers, body)

    def _connection(self) -> tuple[http1.Connection, bool]:
        """An idle connection (reused: True) or a new one."""
        with self._lock:
            conn, since = self._idle.pop() if self._idle else (None, 0.0)
        if conn is not None and time.monotonic() - since > IDLE_LIMIT_S:
            conn.close()  # load balancers drop idle connections silently: do not wait for that to show
            conn = None
        return (conn, True) if conn is not None else (self._new_connection(), False)

    def _new_connection(self) -> http1.Connection:
        return http1.Connection(self._host, self._port, self._tls_context() if self.https else None)

    def _release(self, conn: http1.Connection) -> None:
        with self._lock:
            if len(self._idle) < self._max_idle:
                self._idle.append((conn, time.monotonic()))
                return
        conn.close()

    def _tls_context(self) -> ssl.SSLContext:
        if self._tls is None:
            import ssl

            self._tls = ssl.create_default_context()
        return self._tls
