"""The in-process front door: the emulator answers ICE calls without sockets.

``mock_ice()`` intercepts every ICE endpoint (``ice.<region>.aliyuncs.com``, ``ice-vpc.…``,
``ice.aliyuncs.com``) and, on 127.0.0.1/localhost, only requests that look like ICE calls (an
``x-acs-action`` header or an ``Action`` parameter); other loopback traffic passes through untouched.
It serves two clients: code that talks HTTP via ``requests`` (the official SDK), through ``responses``,
and playgate's own ICE transport, whose signed requests (method, URL, headers, body) are handed to the
emulator instead of a connection.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock as _patching
from urllib.parse import parse_qsl, urlsplit

import requests
import responses

from playgate.ice.transport import Answer, Transport
from playgate.testing.emulator import IceEmulator

ICE_URL = re.compile(r"https?://ice(?:-vpc)?(?:\.[a-z0-9-]+)?\.aliyuncs\.com(?::\d+)?/.*")
LOOPBACK_URL = re.compile(r"https?://(?:127\.0\.0\.1|localhost)(?::\d+)?/.*")


def _split(request: Any) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    query = dict(parse_qsl(urlsplit(request.url).query, keep_blank_values=True))
    headers = {k.lower(): v for k, v in request.headers.items()}
    headers.setdefault("host", urlsplit(request.url).netloc)
    form: dict[str, str] = {}
    body = request.body
    if body and "application/x-www-form-urlencoded" in headers.get("content-type", ""):
        text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body)
        form = dict(parse_qsl(text, keep_blank_values=True))
    return query, headers, form


def _looks_like_ice(request: Any) -> tuple[bool, str]:
    query, headers, form = _split(request)
    if "x-acs-action" in headers or "Action" in query or "Action" in form:
        return True, ""
    return False, "not an ICE call (no x-acs-action header, no Action parameter)"


def _callback(emulator: IceEmulator):
    def respond(request: Any) -> tuple[int, dict[str, str], Any]:
        query, headers, form = _split(request)
        body = request.body or b""
        body = body.encode() if isinstance(body, str) else body
        path = urlsplit(request.url).path or "/"
        reply = emulator.handle(request.method, query, headers, form, path=path, body=body)
        if reply.fault == "timeout":
            return (
                0,
                {},
                requests.exceptions.ReadTimeout(
                    f"ICE emulator: read timed out ({request.url.split('?')[0]})"
                ),
            )
        return reply.status, reply.headers, reply.body

    return respond


def install(emulator: IceEmulator, mock: responses.RequestsMock) -> None:
    """Register the emulator on an existing ``responses`` mock (e.g. one your test already started)."""
    for method in ("POST", "GET"):
        mock.add_callback(method, ICE_URL, callback=_callback(emulator))
        mock.add_callback(method, LOOPBACK_URL, callback=_callback(emulator), match=[_looks_like_ice])
    mock.add_passthru(LOOPBACK_URL)


def _transport_exchange(emulator: IceEmulator, original: Any) -> Any:
    def exchange_all(
        self: Transport, requests: list[tuple[str, dict[str, str]]], timeout_s: float
    ) -> list[Answer | OSError]:
        scheme = "https" if self.https else "http"
        if not (
            ICE_URL.fullmatch(f"{scheme}://{self.endpoint}/")
            or LOOPBACK_URL.fullmatch(f"{scheme}://{self.endpoint}/")
        ):
            return original(self, requests, timeout_s)
        return [
            _answer(emulator, f"{scheme}://{self.endpoint}{target}", headers) for target, headers in requests
        ]

    return exchange_all


def _answer(emulator: IceEmulator, url: str, headers: dict[str, str]) -> Answer | OSError:
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    lower = {k.lower(): v for k, v in headers.items()}
    reply = emulator.handle("POST", query, lower, {}, path=parts.path or "/", body=b"")
    if reply.fault == "timeout":
        return TimeoutError(f"ICE emulator: timed out ({url.split('?')[0]})")
    return Answer(reply.status, {k.lower(): v for k, v in reply.headers.items()}, reply.body)


@contextmanager
def mock_ice(emulator: IceEmulator | None = None) -> Iterator[IceEmulator]:
    """Serve ``emulator`` (a new, empty one by default) to every ICE call in this block: the official
    SDK's (``requests``) and playgate's own client's."""
    emulator = emulator if emulator is not None else IceEmulator()
    exchange = _transport_exchange(emulator, Transport._exchange_all)
    with (
        responses.RequestsMock(assert_all_requests_are_fired=False) as mock,
        _patching.patch.object(Transport, "_exchange_all", exchange),
    ):
        install(emulator, mock)
        yield emulator
