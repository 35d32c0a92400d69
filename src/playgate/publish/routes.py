"""Routing: a setting lists one or more sinks, comma-separated, each with optional routing options.

``PLAYGATE_ALERT_SINK=mns-queue://alerts,dingtalk://…?severity=error&best_effort=true``

- ``best_effort=true``: a failure of this sink is logged and does not hold the event back; sinks without
  it are *required*: the event completes only when each of them took its message.
- ``severity=error|warning``: only messages of these severities (``qc.alert`` carries its severity;
  playback.ready and qc.passed are ``info``, dead letters ``error``).
- ``profile=premium|news``: only messages about media checked with these rule profiles.

The options are taken off the URL before the sink opens; a comma inside a sink URL is written ``%2C``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from playgate.errors import ConfigError
from playgate.publish.base import bool_option
from playgate.publish.sink_url import display_url

ROUTE_OPTIONS = ("best_effort", "severity", "profile")


@dataclass(frozen=True)
class Route:
    url: str  # the sink's URL without the routing options
    best_effort: bool = False
    severities: frozenset[str] | None = None
    profiles: frozenset[str] | None = None

    def wants(self, event: dict[str, Any]) -> bool:
        if self.severities is not None and severity(event) not in self.severities:
            return False
        return self.profiles is None or profile(event) in self.profiles


def severity(event: dict[str, Any]) -> str:
    data = event.get("data") or {}
    if data.get("severity"):
        return str(data["severity"])
    return "error" if event.get("type") == "playgate.dead_letter" else "info"


def profile(event: dict[str, Any]) -> str | None:
    data = event.get("data") or {}
    return data.get("profile") or (data.get("qc") or {}).get("profile")


@functools.lru_cache(maxsize=32)
@functools.lru_cache(maxsize=64)  # settings are frozen: each value is parsed once, not per message
def parse_routes(setting: str, value: str) -> tuple[Route, ...]:
    """``PLAYGATE_…_SINK``'s value → its routes, in order; an empty entry or a bad option is a ConfigError."""
    routes = []
    for entry in value.split(","):
        entry = entry.strip()
        if not entry:
            raise ConfigError(
                f"{setting}={value!r} has an empty entry; separate sink URLs with single commas"
            )
        routes.append(_route(setting, entry))
    return tuple(routes)


def _route(setting: str, entry: str) -> Route:
    base, _, query = entry.partition("?")
    kept, options = [], {}
    for pair in query.split("&") if query else []:
        name, _, option = pair.partition("=")
        if name in ROUTE_OPTIONS:
            options[name] = option
        else:
            kept.append(pair)
    url = base + ("?" + "&".join(kept) if kept else "")
    where = f"{setting} entry {display_url(base)}"
    return Route(
        url=url,
        best_effort=bool_option(where, "best_effort", options.get("best_effort"), False),
        severities=_names(where, "severity", options.get("severity")),
        profiles=_names(where, "profile", options.get("profile")),
    )


def _names(where: str, name: str, value: str | None) -> frozenset[str] | None:
    if value is None:
        return None
    names = frozenset(v.strip() for v in value.split("|") if v.strip())
    if not names:
        raise ConfigError(f"{where}: option {name}= is empty; name one or more, separated by |")
    return names
