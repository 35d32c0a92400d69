"""ffmpeg's only way out: an HTTP proxy on 127.0.0.1 that makes every request itself.

ffmpeg follows playlists, segments and redirects on its own, so the fetching rules cannot be checked
before it starts. It is caged instead (DESIGN.md): its protocol whitelist leaves it plain ``http``,
the ``tcp`` under it and ``crypto`` (which opens nothing of its own), and ``http_proxy`` sends every
http request here. The guard reads the request strictly (GET or HEAD of an absolute http URL, no
control bytes, raw or %-encoded: a CR/LF from a playlist is refused, never passed on), then makes the
request itself with the probe's ``Fetcher`` (addresses checked after DNS, the deadline, certificates
verified) and streams the answer back. Nothing ffmpeg sends but the URL and its Range reaches a server.
Every HLS playlist it relays must name only relative or http(s) URLs: ffmpeg opens a variant with any
whitelisted protocol, tcp included.

https: ffmpeg gets no TLS of its own (tls, https and httpproxy are not whitelisted). An https URL is
handed to it in an http form with an explicit port (``https://cdn/a.m3u8`` → ``http://cdn:443/a.m3u8``)
and the guard remembers that origin as TLS. The absolute https URLs in the playlists and manifests it
relays, and in redirects, are rewritten the same way, so ffmpeg resolves relative URLs as usual and the
guard fetches them over verified HTTPS; what a rewrite misses stays https, which ffmpeg refuses.
Redirects go back to ffmpeg (its cap: 8), each new URL checked by the guard like the first.
A refusal is answered 403 and remembered, without the URL's query.
"""

from __future__ import annotations

import contextlib
import re
import socket
import socketserver
import threading
import time
from http.client import responses
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

from playgate.probe.context import MAX_PLAYLIST_BYTES
from playgate.probe.fetch import REDIRECTS, Fetcher, FetchError, public_url

MAX_HEAD_BYTES = 64 * 1024
IO_TIMEOUT_S = 30.0  # longer than ffmpeg's own -rw_timeout: ffmpeg decides when a server is too slow
CHUNK = 65536
_REQUEST_LINE = re.compile(rb"(GET|HEAD) (.+) HTTP/1\.[01]")
_CONTROL = re.compile(rb"[\x00-\x1f\x7f]|%[01][0-9a-f]|%7f", re.IGNORECASE)  # raw or %-encoded
_HTTPS_ORIGIN = re.compile(rb"https://([^/?#\s\"'<>\\&]+)", re.IGNORECASE)
_LINE_ENDS = bytes.maketrans(b"\r\x00", b"\n\n")  # where ffmpeg ends a playlist line
_NOT_CONTROL = bytes(sorted(set(range(256)) - {*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F}))
_ENCODED_CONTROL = re.compile(rb"%(?:[01][0-9a-fA-F]|7[fF])")
_SCHEME_LINE = re.compile(rb"\n(?![#\n])[ \t]*(?!(?i:https?)://)[^/?#\n]*:")  # a URI line: tcp://…
_SCHEME_ATTRIBUTE = re.compile(rb'URI=[ \t]*"?[ \t]*(?!(?i:https?)://)[^/?#",\n]*:')  # URI="tcp://…"
_FORWARDED = ("range",)
_RELAYED = ("content-type", "content-range", "accept-ranges", "last-modified", "etag")


class Refused(Exception):
    """A request the guard does not make; the message says why (no query)."""


class GuardProxy:
    """``with GuardProxy(fetcher) as proxy:`` give ffmpeg ``proxy.local_form(url)`` and ``proxy.url``."""

    def __init__(self, fetcher: Fetcher) -> None:
        self.fetcher = fetcher
        self.refusals: list[str] = []
        self._tls_origins: set[tuple[str, int]] = set()
        self._lock = threading.Lock()
        proxy = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                proxy._serve(self.request)

        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler, bind_and_activate=False)
        self._server.daemon_threads = True
        self._server.allow_reuse_address = True
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="decode-guard",
            daemon=True,
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> GuardProxy:
        self._server.server_bind()
        self._server.server_activate()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def refused_since(self, mark: int) -> list[str]:
        with self._lock:
            return list(self.refusals[mark:])

    # --- the http form of https URLs ----------------------------------------------------------------
    def local_form(self, url: str) -> str:
        """``url`` as ffmpeg is given it: an https URL becomes http with an explicit port (remembered)."""
        parts = urlsplit(url)
        if parts.scheme.lower() != "https" or not parts.hostname:
            return url
        host, port = parts.hostname.lower(), parts.port or 443
        with self._lock:
            self._tls_origins.add((host, port))
        shown = f"[{host}]" if ":" in host else host
        return parts._replace(scheme="http", netloc=f"{shown}:{port}").geturl()

    def _upstream(self, target: str) -> str:
        """The URL the guard fetches for what ffmpeg asked: https again for a remembered TLS origin."""
        parts = urlsplit(target)
        if parts.scheme.lower() != "http" or not parts.hostname:
            raise Refused(f"{public_url(target)}: ffmpeg may only ask the guard for http URLs")
        host, port = parts.hostname.lower(), parts.port or 80
        with self._lock:
            tls = (host, port) in self._tls_origins
        if not tls:
            return target
        shown = f"[{host}]" if ":" in host else host
        return parts._replace(scheme="https", netloc=shown if port == 443 else f"{shown}:{port}").geturl()

    def _rewrite(self, body: bytes) -> bytes:
        def local(match: re.Match[bytes]) -> bytes:
            url = match.group(0).decode("latin-1")
            try:
                return self.local_form(url).encode("latin-1")
            except ValueError:  # a port that is not a number: left as it is, ffmpeg refuses https
                return match.group(0)

        return _HTTPS_ORIGIN.sub(local, body) if b"https:" in body.lower() else body

    # --- one client connection ----------------------------------------------------------------------
    def _serve(self, client: socket.socket) -> None:
        client.settimeout(IO_TIMEOUT_S)
        try:
            method, target, headers = _parse(_read_head(client))
            url = self._upstream(target)
            try:
                response = self.fetcher.open(method, url, headers, timeout_s=IO_TIMEOUT_S)
            except FetchError as error:
                raise Refused(f"{urlsplit(url).hostname}: {error.detail or error.kind}") from None
            try:
                self._answer(client, method, url, response)
            finally:
                if not response.closed:  # not read to the end: the connection cannot be reused
                    response.close()
                response.release_conn()
        except Refused as refusal:
            self._refuse(client, str(refusal))
        except (OSError, ValueError):
            pass  # ffmpeg went away (its time limit), or it sent no complete request
        finally:
            with contextlib.suppress(OSError):
                client.close()

    def _answer(self, client: socket.socket, method: str, url: str, response: Any) -> None:
        relayed = {name: response.headers.get(name, "") for name in _RELAYED}
        headers = {name: value for name, value in relayed.items() if _clean(value)}
        if response.status in REDIRECTS and response.headers.get("location"):
            headers["location"] = self._redirect(url, response.headers["location"])
            return _send_head(client, response.status, headers, 0)
        first = b"" if method == "HEAD" else response.read(64)
        if 200 <= response.status < 300 and _is_playlist(first):
            body = _read_capped(response, first, url)
            if body.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"#EXTM3U"):
                _check_hls(body, url)
            body = self._rewrite(body)
            headers.pop("content-range", None)  # the whole playlist, rewritten
            _send_head(client, 200, headers, len(body))
            return client.sendall(body)
        length = response.headers.get("content-length", "")
        plain = length.isascii() and length.isdigit() and not response.headers.get("content-encoding")
        _send_head(client, response.status, headers, int(length) if plain else None)
        client.sendall(first)
        deadline = self.fetcher.deadline
        while (chunk := response.read1(CHUNK)) and (deadline is None or time.monotonic() < deadline):
            client.sendall(chunk)

    def _redirect(self, url: str, location: str) -> str:
        target = urljoin(url, location)
        scheme = urlsplit(target).scheme.lower()
        if scheme not in ("http", "https") or _CONTROL.search(target.encode("utf-8", "replace")):
            raise Refused(f"{public_url(url)}: a redirect to a URL that is not http(s)")
        return self.local_form(target)

    def _refuse(self, client: socket.socket, why: str) -> None:
        with self._lock:
            self.refusals.append(why)
        body = f"refused by playgate: {why}\n".encode()
        with contextlib.suppress(OSError):
            _send_head(client, 403, {"content-type": "text/plain"}, len(body))
            client.sendall(body)


def _read_head(sock: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(CHUNK)
        if not chunk or len(data) > MAX_HEAD_BYTES:
            raise ValueError("no complete request head")
        data += chunk
    return data.partition(b"\r\n\r\n")[0]


def _parse(head: bytes) -> tuple[str, str, dict[str, str]]:
    """The method, the absolute URL and the headers forwarded upstream (Range) of ffmpeg's request."""
    first, *lines = head.split(b"\r\n")
    match = _REQUEST_LINE.fullmatch(first)
    if match is None or _CONTROL.search(match.group(2)):
        raw = first.split(b" ")[1] if first.count(b" ") else b""
        shown = public_url(_CONTROL.sub(b"?", raw).decode("latin-1")) if raw else "a request"
        raise Refused(f"{shown}: a URL with CR, LF or other control bytes (from a playlist?) is not fetched")
    target = quote(match.group(2), safe=bytes(range(0x21, 0x7F)))  # non-ASCII bytes %-encoded
    headers = {}
    for line in lines:
        name, _, value = line.decode("latin-1").partition(":")
        if name.strip().lower() in _FORWARDED and _clean(value.strip()):
            headers[name.strip().title()] = value.strip()
    return match.group(1).decode(), target, headers


def _clean(value: str) -> bool:
    return bool(value) and not _CONTROL.search(value.encode("latin-1", "replace"))


def _is_playlist(first: bytes) -> bool:
    """An HLS playlist or an XML document (a DASH manifest): their https URLs are rewritten."""
    start = first.lstrip(b"\xef\xbb\xbf \t\r\n")
    return start.startswith((b"#EXTM3U", b"<"))


def _check_hls(body: bytes, url: str) -> None:
    """Every URI of an HLS playlist is relative or http(s), and no control bytes: ffmpeg opens a variant
    or rendition with any protocol it is allowed (tcp included, which http needs)."""
    lines = b"\n" + body.translate(_LINE_ENDS)
    controls = body.translate(None, _NOT_CONTROL) or _ENCODED_CONTROL.search(body)
    if controls or _SCHEME_LINE.search(lines) or _SCHEME_ATTRIBUTE.search(lines):
        raise Refused(f"{public_url(url)}: a playlist naming a URL that is not http(s) or has control bytes")


def _read_capped(response: Any, first: bytes, url: str) -> bytes:
    chunks, size = [first], len(first)
    while chunk := response.read1(CHUNK):
        size += len(chunk)
        if size > MAX_PLAYLIST_BYTES:
            raise Refused(f"{public_url(url)}: a playlist or manifest larger than {MAX_PLAYLIST_BYTES} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _send_head(client: socket.socket, status: int, headers: dict[str, str], length: int | None) -> None:
    lines = [f"HTTP/1.1 {status} {responses.get(status, 'Status')}"]
    lines += [f"{name.title()}: {value}" for name, value in headers.items()]
    if length is not None:
        lines.append(f"Content-Length: {length}")
    lines.append("Connection: close")
    client.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
