"""``open_sink(url)``: one sink from its URL.

==========================  ==========================================================================
``stdout:``                 one JSON line per event on standard output
``jsonl:///abs/file.jsonl``  append to a file (``jsonl://relative/file.jsonl`` is relative to the cwd)
``mns-queue://NAME``        MNS queue (``?endpoint=``, ``?base64=``, ``?max_bytes=``, ``?timeout=``)
``mns-topic://NAME``        MNS topic (``?endpoint=``, ``?max_bytes=``, ``?timeout=``)
``dingtalk://…``            DingTalk custom robot (:mod:`.dingtalk`)
``lark://…``                Lark / Feishu custom bot (:mod:`.lark`)
``wecom://…``               WeCom group robot (:mod:`.wecom`)
``webhook://…``, ``https://…``  Standard Webhooks-signed CloudEvent (:mod:`.webhook`)
``eventbridge://BUS``       EventBridge custom bus, PutEvents (:mod:`.eventbridge`)
``ice://block|tag|marks``   the verdict written back to ICE: block, tag, mark the timeline (:mod:`.ice`)
==========================  ==========================================================================

playgate's options follow ``#`` (the HTTP sinks pass their query to the receiver whole); in the HTTP
sinks' URLs ``${NAME}`` is the environment variable ``NAME`` (:mod:`.sink_url`).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from playgate.errors import ConfigError
from playgate.ice.credentials import Credentials, resolve_credentials
from playgate.log import redact_text
from playgate.publish.base import Sink

SCHEMES = (
    "stdout:, jsonl:///path/file.jsonl, mns-queue://NAME, mns-topic://NAME, dingtalk://…, lark://…, "
    "wecom://…, webhook://… or https://…, eventbridge://BUS, ice://block, ice://tag, ice://marks"
)
ROBOTS = ("dingtalk", "lark", "wecom")


def open_sink(
    url: str,
    settings: Any,
    context: Any = None,
    *,
    credentials: Callable[[], Credentials | None] | None = None,
) -> Sink:
    """Open the sink ``url`` names. ``credentials`` overrides the chain (settings → FC context → env)."""
    url = url.strip()
    if url.removesuffix("#") in {"stdout", "stdout:", "stdout://"}:
        from playgate.publish.stdout import StdoutSink

        return StdoutSink()
    if url.startswith("jsonl:"):
        from playgate.publish.jsonl import JsonlSink

        return JsonlSink(url)
    if url.startswith(("mns-queue://", "mns-topic://")):
        from playgate.publish.mns import open_mns

        return open_mns(url, settings, credentials or (lambda: resolve_credentials(settings, context)))
    scheme = url.partition("://")[0].lower()
    if scheme.removesuffix("+http") in ROBOTS:
        return _open_robot(url, scheme.removesuffix("+http"), settings, context)
    if scheme in ("webhook", "webhook+http", "https", "http"):
        from playgate.publish.sink_url import parse_sink_url
        from playgate.publish.webhook import OPTIONS, WebhookSink

        return WebhookSink(parse_sink_url(url, "webhook", "", OPTIONS))
    if scheme == "eventbridge":
        from playgate.publish.eventbridge import EventBridgeSink

        chain = credentials or (lambda: resolve_credentials(settings, context))
        return EventBridgeSink(url, settings, chain, _region(settings, context))
    if scheme == "ice":
        from playgate.publish.ice import open_ice

        chain = credentials or (lambda: resolve_credentials(settings, context))
        return open_ice(url, settings, chain, _region(settings, context))
    raise ConfigError(f"unknown sink URL {redact_text(url)!r}; use one of: {SCHEMES}")


def _open_robot(url: str, kind: str, settings: Any, context: Any) -> Sink:
    from playgate.publish.robot import ROBOT_OPTIONS
    from playgate.publish.sink_url import parse_sink_url
    from playgate.publish.templates import Templates

    module = importlib.import_module(f"playgate.publish.{kind}")
    sink_class = {"dingtalk": "DingTalkSink", "lark": "LarkSink", "wecom": "WeComSink"}[kind]
    templates = Templates(
        getattr(settings, "message_templates", None),
        console_url=getattr(settings, "console_url", ""),
        region=_region(settings, context),
    )
    return getattr(module, sink_class)(
        parse_sink_url(url, kind, module.DEFAULT_TARGET, ROBOT_OPTIONS), templates
    )


def _region(settings: Any, context: Any) -> str | None:
    resolve = getattr(settings, "resolved_region", None)
    return resolve(getattr(context, "region", None)) if resolve else None
