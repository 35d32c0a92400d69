"""Routing: a setting lists one or more sinks, comma-separated, each with optional routing options.

``PLAYGATE_ALERT_SINK=mns-queue://alerts,dingtalk://…?access_token=${T}#severity=error&best_effort=true``

- ``best_effort=true``: a failure of this sink is logged and does not hold the event back; sinks without
  it are *required*: the event completes only when each of them took its message.
- ``severity=error|warning|info``: only messages of these severities. ``qc.alert`` is ``error``;
  ``playback.ready`` and ``qc.passed`` are ``warning`` when the media only warned (qc outcome ``warn``),
  else ``info``; dead letters ``error``. A severity no message of the setting can have is refused.
- ``profile=premium|news``: only messages about media checked with these rule profiles.

The options follow ``#`` (never sent to the receiver), with the sink's own; the old spelling in the query
still works for a URL without ``#``. They are taken off the URL before the sink opens; a comma inside
a sink URL is written ``%2C``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from playgate.errors import ConfigError
from playgate.publish.base import bool_option
from playgate.publish.sink_url import display_url, options_in_query

ROUTE_OPTIONS = ("best_effort", "severity", "profile")
SEVERITIES = ("error", "warning", "info")
# what each setting's messages can be: a filter matching none of them is a mistake, said at startup
SETTING_SEVERITIES = {
    "PLAYGATE_ALERT_SINK": frozenset({"error"}),
    "PLAYGATE_PLAYBACK_SINK": frozenset({"warning", "info"}),
    "PLAYGATE_DEAD_LETTER_SINK": frozenset({"error"}),
}


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
    if event.get("type") == "playgate.dead_letter":
        return "error"
    return "warning" if (data.get("qc") or {}).get("outcome") == "warn" else "info"


def profile(event: dict[str, Any]) -> str | None:
    data = event.get("data") or {}
    return data.get("profile") or (data.get("qc") or {}).get("profile")


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
    head, hashed, fragment = entry.partition("#")
    base, _, query = head.partition("?")
    if hashed:  # playgate's options after '#': the rest stay there for the sink
        kept, options = _take(fragment)
        url = head + "#" + "&".join(kept)
    else:
        kept, options = _take(query)
        url = base + ("?" + "&".join(kept) if kept else "")
        options_in_query(display_url(base), tuple(sorted(options)))
    where = f"{setting} entry {display_url(base)}"
    route = Route(
        url=url,
        best_effort=bool_option(where, "best_effort", options.get("best_effort"), False),
        severities=_names(where, "severity", options.get("severity")),
        profiles=_names(where, "profile", options.get("profile")),
    )
    _check_severities(setting, where, route.severities)
    return route


def _take(options: str) -> tuple[list[str], dict[str, str]]:
    """``a=1&severity=error`` → (["a=1"], {"severity": "error"})."""
    kept, taken = [], {}
    for pair in options.split("&") if options else []:
        name, _, value = pair.partition("=")
        if name in ROUTE_OPTIONS:
            taken[name] = value
        else:
            kept.append(pair)
    return kept, taken


def _check_severities(setting: str, where: str, severities: frozenset[str] | None) -> None:
    if severities is None:
        return
    unknown = sorted(severities - set(SEVERITIES))
    if unknown:
        raise ConfigError(f"{where}: unknown severity {'|'.join(unknown)}; use {', '.join(SEVERITIES)}")
    possible = SETTING_SEVERITIES.get(setting)
    if possible is None or severities & possible:
        return
    hint = ""
    if setting == "PLAYGATE_ALERT_SINK" and "warning" in severities:
        hint = (
            "; a media that only warned is published (playback.ready or qc.passed, severity warning), "
            "not alerted: to hear about it, list this sink in PLAYGATE_PLAYBACK_SINK with #severity=warning"
        )
    raise ConfigError(
        f"{where}: severity={'|'.join(sorted(severities))} matches none of its messages "
        f"(their severity is {' or '.join(sorted(possible))}){hint}"
    )


def _names(where: str, name: str, value: str | None) -> frozenset[str] | None:
    if value is None:
        return None
    names = frozenset(v.strip() for v in value.split("|") if v.strip())
    if not names:
        raise ConfigError(f"{where}: option {name}= is empty; name one or more, separated by |")
    return names
