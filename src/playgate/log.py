"""Logging: structlog, configured once, with secrets redacted by the pipeline itself.

Named ``log`` rather than ``logging`` so that it never shadows the standard library inside the package.
Every value that passes through a log line, an exception message or a dead-letter payload goes through
:func:`redact`, so no call site has to remember to hide access keys, STS tokens or signed-URL queries.
"""

from __future__ import annotations

import base64
import functools
import re
import sys
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any
from urllib.parse import quote, unquote

REDACTED = "***"

# Query parameters that are credentials: OSS/CDN signatures (CDN type A ``auth_key``, type F ``sign``),
# STS tokens, access key ids, robot tokens and keys, API keys and passwords. The separator before the
# name may be HTML-escaped (``&amp;``) or JSON-escaped (``\u0026``).
_SECRET_QUERY = re.compile(
    r"(?i)((?:[?&;]|\\u0026)(?:signature|security-token|securitytoken|x-oss-signature|x-oss-credential|"
    r"x-oss-security-token|ossaccesskeyid|accesskeyid|accesskeysecret|auth_key|x-acs-security-token|"
    r"x-amz-signature|x-amz-credential|x-amz-security-token|token|access_token|sign|sig|key|secret|"
    r"api_key|apikey|api-key|password|passwd|pwd)=)(?!\$\{\w+\}(?![^&#\s\"'<>\\]))[^&#\s\"'<>\\]*"
)  # a ``${NAME}`` reference (a sink URL as configured) names the variable, not the secret: it stays
# A URL's user info (``http://editor:Pa55w0rd@host/``), up to the authority's last ``@``: the password
# goes (all of it when there is no ``:``: a token can stand as the user).
_USERINFO = re.compile(r"\b([A-Za-z][A-Za-z0-9+.-]*://)([^\s/?#\"'<>]*)@")
# Alibaba Cloud CDN URL signing types B and C carry the signature in the path: type B
# ``/{YYYYMMDDHHMM}/{md5}/file``, type C ``/{md5}/{unix time in hex}/file``. The md5 goes.
_CDN_PATH_SIGNATURE = re.compile(
    r"(/[0-9]{12}/)[0-9a-fA-F]{32}(?![0-9A-Za-z])|/[0-9a-fA-F]{32}(?=/[0-9a-fA-F]{8}/)"
)
_ACCESS_KEY_ID = re.compile(r"\b(?:LTAI|STS\.)[0-9A-Za-z._-]{8,}")
# Before the key id pattern: ``MNS <id>:<signature>`` goes whole, signature included.
_AUTH_HEADER = re.compile(
    r"\b(ACS3-HMAC-SHA256)\s+[^\s\"']+(?:[,\s]+(?:SignedHeaders|Signature)=[^\s,\"']+)*"
    r"|\b(MNS|acs|OSS)\s+[A-Za-z0-9._*-]+:[A-Za-z0-9+/=_-]+"
)
_SECRET_KEY_NAME = re.compile(
    r"(?i)(secret|password|passwd|token|authorization|signature|access_?key|auth_?key|api_?key|credential)"
)
# Secrets can hide in an encoding: a percent-encoded URL inside another URL, a base64 message body.
_PERCENT_RUN = re.compile(r"[^\s\"'<>]*%[0-9A-Fa-f]{2}[^\s\"'<>]*")
_BASE64_RUN = re.compile(r"(?<![A-Za-z0-9+/])[A-Za-z0-9+/]{16,}={0,2}")
_PERCENT_SAFE = "/:*"
_AUTH_SCHEME = re.compile(r"(?:MNS|acs|OSS)\s")
_LONG_RUN = re.compile(r"[A-Za-z0-9+/]{16}")

_known_secrets: set[str] = set()


def register_secret(value: str | None) -> None:
    """Remember a secret value (an access key secret, an STS token) so it is redacted verbatim."""
    if value and len(value) >= 6:
        _known_secrets.add(value)
        _redact_short.cache_clear()  # an answer given before may now hold a secret


SHORT_TEXT = 160  # log values this long or shorter repeat line after line (names, ids, statuses)


def redact_text(text: str) -> str:
    """``text`` with every secret replaced by ``***``: as written, percent-encoded or inside base64."""
    return _redact_short(text) if len(text) <= SHORT_TEXT else _redact_text(text)


@functools.lru_cache(maxsize=1024)  # at most about 0.4 MB
def _redact_short(text: str) -> str:
    return _redact_text(text)


def _redact_text(text: str) -> str:
    for secret in _known_secrets:
        if secret in text:
            text = text.replace(secret, REDACTED)
    if not _suspect(text):
        return text
    # each pass only where the text holds the literal its pattern cannot match without (a pattern with no
    # literal prefix tries every position: on a report's Markdown that was most of a warm event's cost)
    if "ACS3-HMAC" in text or "MNS" in text or "acs" in text or "OSS" in text:
        text = _AUTH_HEADER.sub(lambda m: (m.group(1) or m.group(2)) + " " + REDACTED, text)
    if "=" in text:
        text = _SECRET_QUERY.sub(lambda m: m.group(1) + REDACTED, text)
    if "@" in text and "://" in text:
        text = _USERINFO.sub(_redact_userinfo, text)
    if "/" in text:
        text = _CDN_PATH_SIGNATURE.sub(lambda m: (m.group(1) or "/") + REDACTED, text)
    if "LTAI" in text or "STS." in text:
        text = _ACCESS_KEY_ID.sub(REDACTED, text)
    if "%" in text:
        text = _PERCENT_RUN.sub(_redact_percent_encoded, text)
    return _BASE64_RUN.sub(_redact_base64, text)


def _suspect(text: str) -> bool:
    """Whether any pattern above could match: text without one of these literals or a 16-character run
    holds no secret they find, so the plain ids and names of most log values skip the passes (every log
    line goes through here; plain ``in`` tests cost a third of one regex alternation)."""
    return (
        "=" in text
        or "%" in text
        or "@" in text
        or "LTAI" in text
        or "STS." in text
        or "ACS3-HMAC" in text
        or (("MNS" in text or "acs" in text or "OSS" in text) and _AUTH_SCHEME.search(text) is not None)
        or _LONG_RUN.search(text) is not None
    )


def _redact_userinfo(match: re.Match[str]) -> str:
    user, colon, _password = match.group(2).partition(":")
    return f"{match.group(1)}{user}:{REDACTED}@" if colon else f"{match.group(1)}{REDACTED}@"


def _redact_percent_encoded(match: re.Match[str]) -> str:
    encoded = match.group(0)
    decoded = unquote(encoded)
    redacted = redact_text(decoded)  # shorter than ``encoded``: the recursion ends
    return encoded if redacted == decoded else quote(redacted, safe=_PERCENT_SAFE)


def _redact_base64(match: re.Match[str]) -> str:
    """A base64 run that decodes to text with a secret in it becomes the base64 of the redacted text.

    A run cut short (a truncated payload) still has its whole 4-character groups decoded.
    """
    encoded = match.group(0)
    whole = encoded[: len(encoded) - len(encoded) % 4]
    try:
        decoded = base64.b64decode(whole, validate=True).decode("utf-8", "ignore")
    except ValueError:
        return encoded
    redacted = redact_text(decoded)
    if redacted == decoded:
        return encoded
    return base64.b64encode(redacted.encode("utf-8")).decode("ascii")


@functools.lru_cache(maxsize=1024)  # log keys and message fields repeat on every line
def _secret_name(key: str) -> bool:
    return _SECRET_KEY_NAME.search(key) is not None


def redact(value: Any, key: str | None = None) -> Any:
    """Redact secrets anywhere in a value: strings, mappings, sequences, exceptions."""
    if isinstance(value, str | bytes):
        if key is not None and value and _secret_name(str(key)):
            return REDACTED
        return redact_text(value if isinstance(value, str) else value.decode("utf-8", "replace"))
    if value is None or isinstance(value, int | float):  # before Mapping: an ABC check costs 2 µs
        return value
    if isinstance(value, dict):
        return {k: redact(v, str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [redact(v) for v in value]
    if isinstance(value, Mapping):
        return {k: redact(v, str(k)) for k, v in value.items()}
    if isinstance(value, BaseException):
        return redact_text(f"{type(value).__name__}: {value}")
    return value


def _redact_processor(_logger: Any, _method: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    return {k: redact(v, k) if k != "event" else redact(v) for k, v in event_dict.items()}


def _format_exc_redacted(_logger: Any, _method: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    if "exc_info" not in event_dict:  # ``exception()`` sets it: most lines carry no exception
        return event_dict
    structlog = _structlog()
    event_dict = structlog.processors.format_exc_info(_logger, _method, event_dict)
    if "exception" in event_dict:
        event_dict["exception"] = redact_text(event_dict["exception"])
    return event_dict


_configured = False


_STDOUT_LOCK = threading.Lock()


def write_stdout_line(line: str) -> None:
    """``line`` and its newline in one write() to the current ``sys.stdout``, one thread at a time.

    Log lines and the ``stdout:`` sink's messages both come here: in FC stdout is the log, and the
    reconciler's workers write from several threads. (structlog's PrintLogger writes a line and its
    newline separately; its WriteLogger keeps the stdout of the moment it was configured.)
    """
    with _STDOUT_LOCK:
        out = sys.stdout
        out.write(line + "\n")
        out.flush()


class _StdoutLines:
    """structlog's logger: every method writes the rendered line with write_stdout_line (a command's
    logs go to stderr instead: see :func:`to_stderr`)."""

    to_stderr = False

    def msg(self, message: str) -> None:
        if self.to_stderr:
            with _STDOUT_LOCK:
                sys.stderr.write(message + "\n")
                sys.stderr.flush()
        else:
            write_stdout_line(message)

    log = debug = info = warn = warning = err = error = critical = exception = fatal = failure = msg


_STDOUT_LINES = _StdoutLines()


_OPTIONAL = ("rich", "colorama")


def _structlog() -> Any:
    """Import structlog without rich or colorama.

    structlog imports them, when they are installed, only for colours and pretty tracebacks on a
    terminal; rich costs about 0.15 s of a Function Compute cold start and colorama 4 ms, and playgate
    renders JSON lines there (and plain text, colours off, on a terminal).
    """
    if "structlog" in sys.modules:
        return sys.modules["structlog"]
    blocked = [name for name in _OPTIONAL if name not in sys.modules]
    for name in blocked:
        sys.modules[name] = None  # type: ignore[assignment]  # makes structlog's optional import fail
    try:
        import structlog
    finally:
        for name in blocked:
            del sys.modules[name]
    return structlog


def configure(*, json: bool | None = None, level: str = "info") -> None:
    """Configure structlog once: JSON lines on stdout in FC, pretty output on a terminal."""
    global _configured
    import logging

    structlog = _structlog()
    if json is None:
        json = not (sys.stderr if _STDOUT_LINES.to_stderr else sys.stdout).isatty()
    renderer: Any = (
        structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            _format_exc_redacted,
            _redact_processor,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(getattr(logging, level.upper(), logging.INFO)),
        logger_factory=lambda *_args: _STDOUT_LINES,
        cache_logger_on_first_use=False,
    )
    _configured = True


@contextmanager
def to_stderr() -> Iterator[None]:
    """Log lines go to stderr meanwhile: a command's stdout is its output, not its log."""
    before, _STDOUT_LINES.to_stderr = _STDOUT_LINES.to_stderr, True
    try:
        yield
    finally:
        _STDOUT_LINES.to_stderr = before


def in_command() -> bool:
    """Inside a ``playgate`` command (see :func:`to_stderr`): it says its own errors in one line."""
    return _STDOUT_LINES.to_stderr


def get_logger(name: str = "playgate") -> Any:
    structlog = _structlog()
    if not _configured:
        configure()
    return structlog.get_logger(name)


def bind(**context: Any) -> None:
    """Bind context (FC request id, event type, job id, media id) to every following log line."""
    structlog = _structlog()
    structlog.contextvars.bind_contextvars(**context)


def unbind(*keys: str) -> None:
    structlog = _structlog()
    structlog.contextvars.unbind_contextvars(*keys)


@contextmanager
def invocation(**context: Any) -> Iterator[None]:
    """One invocation's log context: starts clean with ``context`` bound, and the caller's comes back after.

    FC reuses an instance's threads across invocations, so anything bound and not unbound (an exception
    skipping the unbind) would otherwise show up on a later invocation's lines.
    """
    contextvars = _structlog().contextvars
    outer = contextvars.get_contextvars()
    contextvars.clear_contextvars()
    contextvars.bind_contextvars(**context)
    try:
        yield
    finally:
        contextvars.clear_contextvars()
        contextvars.bind_contextvars(**outer)
