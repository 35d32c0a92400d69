"""What every sink is: ``send(event, timeout_s=None)`` one CloudEvent, ``close()``; ``url`` names it.

``timeout_s`` is the time the invocation has left: a sink that talks to a network never waits longer;
local sinks may ignore it. Some sinks can do more (a chat robot's digest, ice://block's memory):
:class:`HoldsBack`, :class:`SharesWindow`, :class:`UsesStore`, told once, when the publisher opens the sink.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable
from urllib.parse import parse_qs, urlsplit

from playgate.errors import ConfigError

if TYPE_CHECKING:
    from playgate.store.base import IdempotencyStore


@runtime_checkable
class Sink(Protocol):
    url: str

    def send(self, event: dict[str, Any], *, timeout_s: float | None = None) -> None: ...

    def close(self) -> None: ...


# Methods only: a check against one is quick (Python < 3.12 lists a Protocol's members on every check)
@runtime_checkable
class HoldsBack(Protocol):
    """A sink that holds messages back (a robot's digest of a burst) until ``flush``."""

    def flush(self, *, timeout_s: float | None = None) -> int:
        """Send what is held; returns how many messages it held."""


@runtime_checkable
class SharesWindow(Protocol):
    """A sink whose rate window and held messages can live in the store, one for every instance."""

    def share_window(self, store: object) -> None: ...


@runtime_checkable
class UsesStore(Protocol):
    """A sink that keeps what it did in the store (``ice://block``: which media playgate blocked)."""

    def use_store(self, store: IdempotencyStore) -> None: ...


def query_options(url: str, query: str, allowed: set[str]) -> dict[str, str]:
    """``a=1&b=2`` → ``{"a": "1", "b": "2"}``; an unknown or repeated option is a ConfigError."""
    options: dict[str, str] = {}
    for key, values in parse_qs(query, keep_blank_values=True).items():
        if key not in allowed:
            raise ConfigError(
                f"sink {url!r}: unknown option {key!r}; accepted: {', '.join(sorted(allowed)) or 'none'}"
            )
        if len(values) != 1:
            raise ConfigError(f"sink {url!r}: option {key!r} is given {len(values)} times; give it once")
        options[key] = values[0]
    return options


def url_options(url: str, allowed: set[str]) -> dict[str, str]:
    """The options of a sink URL that has no receiver query (MNS, EventBridge): in its query or after
    ``#``, where the HTTP sinks keep theirs; given in both places is given twice."""
    parts = urlsplit(url)
    return query_options(url, "&".join(part for part in (parts.query, parts.fragment) if part), allowed)


def bool_option(url: str, name: str, value: str | None, default: bool) -> bool:
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"sink {url!r}: option {name}={value!r} is not a boolean; use true or false")


def number_option(
    url: str, name: str, value: str | None, default: float, *, low: float, high: float
) -> float:
    if value is None:
        return default
    try:
        number = float(value)
    except ValueError:
        number = float("nan")
    if not low <= number <= high:
        raise ConfigError(f"sink {url!r}: option {name}={value!r} must be a number from {low:g} to {high:g}")
    return number
