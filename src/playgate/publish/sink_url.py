"""HTTP sink URLs: the receiver's URL, playgate's options after ``#``, ``${VAR}`` secrets, a display form.

An HTTP sink's URL is the receiver's URL with playgate's scheme in front (``dingtalk://``, ``lark://``,
``wecom://``, ``webhook://``) or plain ``https://`` / ``http://``; playgate's own options follow ``#``,
which is never sent, so the receiver's query is passed on whole whatever its parameters are called::

    dingtalk://oapi.dingtalk.com/robot/send?access_token=${DINGTALK_TOKEN}#secret=${DINGTALK_SECRET}

(The old spelling, playgate's options mixed into the query, still works when the URL has no ``#``; it
logs ``sink.options_in_query`` naming the new spelling.)

``${NAME}`` is replaced by the environment variable ``NAME`` when the sink opens, after the URL is taken
apart, so a value is taken literally whatever it holds (``+``, ``/``, ``=``, ``&``, ``#``, ``%``); tokens
and signing secrets live in their own variables (FC: encrypted environment variables) and the sink URL
can be shown as configured. Every expanded value is registered with the log redaction, and
:attr:`SinkUrl.display` hides the values of credential-looking parameters, so no secret reaches a log
line, an alert or a dead letter.

A ``+http`` suffix on the scheme (``dingtalk+http://127.0.0.1:8080/…``) sends plain HTTP: local tests only.
"""

from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from playgate.errors import ConfigError
from playgate.log import REDACTED, get_logger, redact_text, register_secret
from playgate.publish.base import query_options

_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
# Receiver parameters that are credentials: shown as *** unless written as a ${VAR} reference.
SECRET_PARAMS = frozenset({"access_token", "key", "secret", "token", "sign"})


@dataclass(frozen=True)
class SinkUrl:
    scheme: str  # dingtalk, lark, wecom, webhook, eventbridge
    target: str  # the receiver's URL (secrets expanded), without playgate's options
    options: dict[str, str]  # playgate's own options: after '#' (or, the old spelling, in the query)
    display: str  # the URL as configured, credential values hidden: safe for logs and records


def parse_sink_url(url: str, scheme: str, default_target: str, options: set[str]) -> SinkUrl:
    """``dingtalk://host/path?a=1#secret=${S}`` → target ``https://host/path?a=1``, options {secret: …}.

    ``default_target`` is used when the URL names no host (``dingtalk://?access_token=…``).
    """
    configured = url.strip()
    display = display_url(configured)
    _require_variables(configured, display)
    parts = urlsplit(configured)
    http = parts.scheme.endswith("+http") or parts.scheme == "http"
    theirs = parse_qsl(parts.query, keep_blank_values=True)
    if "#" in configured:  # playgate's options apart: the query is the receiver's, whole
        mine = query_options(display, parts.fragment, options)
    else:
        mine = query_options(display, urlencode([(k, v) for k, v in theirs if k in options]), options)
        theirs = [(name, value) for name, value in theirs if name not in options]
        options_in_query(display, tuple(sorted(mine)))
    mine = {name: expand(value) for name, value in mine.items()}
    theirs = [(expand(name), expand(value)) for name, value in theirs]
    netloc = expand(parts.netloc)
    path = expand(parts.path, quoted=True)
    if not netloc:
        default = urlsplit(default_target)
        netloc, path = default.netloc, path or default.path
    target = urlunsplit(("http" if http else "https", netloc, path, urlencode(theirs), ""))
    for name, value in [*theirs, *mine.items()]:
        if name in SECRET_PARAMS:  # written literally: redacted from logs verbatim, like expanded ones
            register_secret(value)
    return SinkUrl(scheme=scheme, target=target, options=mine, display=display)


def _require_variables(url: str, display: str) -> None:
    missing = [name for name in dict.fromkeys(_VAR.findall(url)) if not os.environ.get(name)]
    if missing:
        raise ConfigError(
            f"sink {display}: environment variable{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
            f"{'is' if len(missing) == 1 else 'are'} not set (the URL uses "
            f"{', '.join('${' + name + '}' for name in missing)})"
        )


def expand(text: str, *, quoted: bool = False) -> str:
    """Replace every ``${NAME}`` by the environment variable, percent-encoded in a path (``quoted``)."""

    def value(match: re.Match[str]) -> str:
        found = os.environ[match.group(1)]
        register_secret(found)
        return quote(found, safe="/:@!$&'()*+,;=-._~") if quoted else found

    return _VAR.sub(value, text)


@functools.lru_cache(maxsize=64)  # once per URL, not per message
def options_in_query(display: str, names: tuple[str, ...]) -> None:
    """The old spelling (playgate's options in the receiver's query) works, with a warning once."""
    if names:
        get_logger().warning(
            "sink.options_in_query",
            sink=display,
            options=list(names),
            fix="write playgate's options after '#' (…?receiver=query#secret=${VAR}&best_effort=true); "
            "in the query they are taken from the receiver, which then cannot have parameters of those names",
        )


def display_url(url: str) -> str:
    """The URL as configured with literal credential values replaced by ``***`` (``${VAR}`` stays)."""
    parts = urlsplit(url)
    query = _hidden(parse_qsl(parts.query, keep_blank_values=True))
    path = re.sub(r"(/hook/)(?!\$\{)[^/?#]+", r"\1" + REDACTED, parts.path)  # Lark's hook id is its key
    shown = urlunsplit((parts.scheme, parts.netloc, path, urlencode(query, safe="${}*"), ""))
    if "#" in url:
        shown += "#" + urlencode(_hidden(parse_qsl(parts.fragment, keep_blank_values=True)), safe="${}*|")
    return redact_text(shown)


def _hidden(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [
        (name, value if name not in SECRET_PARAMS or _VAR.fullmatch(value) else REDACTED)
        for name, value in pairs
    ]
