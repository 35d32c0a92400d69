"""One signed RPC call to ICE over a pool of kept-alive ``http.client`` connections.

This is the whole HTTP stack of the ICE client: build the request the way the official SDK does (query
parameters in the URL, an empty body, ``x-acs-*`` headers, ACS3-HMAC-SHA256 ``Authorization``; STS
credentials add ``x-acs-accesskey-id`` and ``x-acs-security-token``), send it on an idle connection (or a
new one), read the answer whole. No retries here beyond one: a request that fails on a *reused*
connection before any answer arrived (the server closed it while idle) goes once more on a fresh one.
"""

from __future__ import annotations

import http.client
import os
import platform
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from playgate.ice import signer

if TYPE_CHECKING:
    import ssl

    from playgate.ice.credentials import Credentials

API_VERSION = "2020-11-09"
USER_AGENT = f"playgate ({platform.system()}; {platform.machine()}) Python/{platform.python_version()}"
_STALE = (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError, ConnectionAbortedError)


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
        self._idle: list[http.client.HTTPConnection] = []
        self._lock = threading.Lock()
        self._tls: ssl.SSLContext | None = None

    def call(self, action: str, query: dict[str, str], timeout_s: float) -> Answer:
        credentials = self._credentials()
        headers = request_headers(
            action, self.endpoint, credentials, nonce=os.urandom(16).hex(), date=_utc_now()
        )
        headers = sign("POST", query, headers, credentials)
        target = "/?" + "&".join(
            f"{signer.percent_encode(k)}={signer.percent_encode(v)}" for k, v in query.items()
        )
        return self._exchange(target, headers, timeout_s)

    def warm(self) -> None:
        """Open one connection now (FC's initializer): the TLS context and handshake off the first event."""
        conn = self._connection(reused=None)
        conn.connect()
        self._release(conn)

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()

    # --- plumbing -----------------------------------------------------------------------------------
    def _exchange(self, target: str, headers: dict[str, str], timeout_s: float) -> Answer:
        reused: list[bool] = []
        conn = self._connection(reused)
        try:
            return self._roundtrip(conn, target, headers, timeout_s)
        except _STALE:
            conn.close()
            if not reused[0]:
                raise
        conn = self._connection(reused=None)  # the idle one had been closed by the server
        try:
            return self._roundtrip(conn, target, headers, timeout_s)
        except BaseException:
            conn.close()
            raise

    def _roundtrip(
        self, conn: http.client.HTTPConnection, target: str, headers: dict[str, str], timeout_s: float
    ) -> Answer:
        conn.timeout = timeout_s
        if conn.sock is not None:
            conn.sock.settimeout(timeout_s)
        try:
            conn.request("POST", target, headers=headers)
            response = conn.getresponse()
            body = response.read()
        except BaseException:
            conn.close()
            raise
        answer = Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, body)
        if response.will_close:
            conn.close()
        else:
            self._release(conn)
        return answer

    def _connection(self, reused: list[bool] | None) -> http.client.HTTPConnection:
        with self._lock:
            conn = self._idle.pop() if self._idle else None
        if reused is not None:
            reused.append(conn is not None)
        if conn is not None:
            return conn
        if self.https:
            return http.client.HTTPSConnection(self.endpoint, context=self._tls_context())
        return http.client.HTTPConnection(self.endpoint)

    def _release(self, conn: http.client.HTTPConnection) -> None:
        with self._lock:
            if len(self._idle) < self._max_idle:
                self._idle.append(conn)
                return
        conn.close()

    def _tls_context(self) -> ssl.SSLContext:
        if self._tls is None:
            import ssl

            self._tls = ssl.create_default_context()
        return self._tls
