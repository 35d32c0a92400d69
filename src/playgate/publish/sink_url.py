"""HTTP sink URLs: ``${VAR}`` secrets from the environment, playgate's options apart, a display form.

An HTTP sink's URL is the receiver's URL with playgate's scheme in front (``dingtalk://``, ``lark://``,
``wecom://``, ``webhook://``) or plain ``https://`` / ``http://``. ``${NAME}`` anywhere in it is replaced
by the environment variable ``NAME`` when the sink opens, so access tokens and signing secrets live in
their own variables (FC: encrypted environment variables) and the sink URL can be shown as configured.
Every expanded value is registered with the log redaction, and :attr:`SinkUrl.display` hides the values
of credential-looking query parameters, so no secret reaches a log line, an alert or a dead letter.

A ``+http`` suffix on the scheme (``dingtalk+http://127.0.0.1:8080/…``) sends plain HTTP: local tests only.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from playgate.errors import ConfigError
from playgate.log import REDACTED, redact_text, register_secret
from playgate.publish.base import query_options

_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
# Receiver parameters that are credentials: shown as *** unless written as a ${VAR} reference.
SECRET_PARAMS = frozenset({"access_token", "key", "secret", "token", "sign"})


@dataclass(frozen=True)
class SinkUrl:
    scheme: str  # dingtalk, lark, wecom, webhook, eventbridge
    target: str  # the receiver's URL (secrets expanded), without playgate's options
    options: dict[str, str]  # playgate's own options, taken off the query
    display: str  # the URL as configured, credential values hidden: safe for logs and records


def parse_sink_url(url: str, scheme: str, default_target: str, options: set[str]) -> SinkUrl:
    """``dingtalk://host/path?a=1&secret=${S}`` → target ``https://host/path?a=1``, options {secret: …}.

    ``default_target`` is used when the URL names no host (``dingtalk://?access_token=…``).
    """
    configured = url.strip()
    display = display_url(configured)
    parts = urlsplit(configured)
    http = parts.scheme.endswith("+http") or parts.scheme == "http"
    expanded = urlsplit(expand(configured, display))
    pairs = parse_qsl(expanded.query, keep_blank_values=True)
    query_options(display, urlencode([(k, v) for k, v in pairs if k in options]), options)  # no repeats
    mine = {name: value for name, value in pairs if name in options}
    theirs = [(name, value) for name, value in pairs if name not in options]
    netloc, path = expanded.netloc, expanded.path
    if not netloc:
        default = urlsplit(default_target)
        netloc, path = default.netloc, path or default.path
    target = urlunsplit(("http" if http else "https", netloc, path, urlencode(theirs), ""))
    for name, value in [*theirs, *mine.items()]:
        if name in SECRET_PARAMS:  # written literally: redacted from logs verbatim, like expanded ones
            register_secret(value)
    return SinkUrl(scheme=scheme, target=target, options=mine, display=display)


def expand(url: str, display: str) -> str:
    """Replace every ``${NAME}`` by the environment variable; a missing one is a ConfigError."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        found = os.environ.get(name)
        if not found:
            raise ConfigError(
                f"sink {display}: environment variable {name} is not set (the URL uses ${{{name}}})"
            )
        register_secret(found)
        return found

    return _VAR.sub(value, url)


def display_url(url: str) -> str:
    """The URL as configured with literal credential values replaced by ``***`` (``${VAR}`` stays)."""
    parts = urlsplit(url)
    query = [
        (name, value if name not in SECRET_PARAMS or _VAR.fullmatch(value) else REDACTED)
        for name, value in parse_qsl(parts.query, keep_blank_values=True)
    ]
    path = re.sub(r"(/hook/)(?!\$\{)[^/?#]+", r"\1" + REDACTED, parts.path)  # Lark's hook id is its key
    shown = urlunsplit((parts.scheme, parts.netloc, path, urlencode(query, safe="${}*"), ""))
    return redact_text(shown)
