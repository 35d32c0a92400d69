"""The interfaces the gate talks through: ICE, the rules, the publisher and a rate limiter.

Each has one real implementation (``IceClient``, ``RuleBook``, ``Publisher``); tests and the emulator may
give others. For the type checker only: modules import this under ``TYPE_CHECKING``, so it costs the
function's cold start nothing. The store's interfaces are in :mod:`playgate.store.base` and
:mod:`playgate.store.ledger`, a sink's in :mod:`playgate.publish.base`: those are checked at run time too.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any, Protocol

from playgate.ice.model import MediaSnapshot
from playgate.publish.base import Sink
from playgate.publish.routes import Route
from playgate.rules.compiler import CompiledProfile
from playgate.rules.report import Report


class Limiter(Protocol):
    def acquire(self) -> None:
        """Wait until one more call is allowed."""


class IceAccess(Protocol):
    """What the gate and the reconciler ask of ICE (``deadline`` bounds each call, retries included)."""

    rate_limiter: Limiter | None  # the reconciler's ceiling on calls per second, during a sweep

    def fetch(self, media_id: str, *, deadline: float | None = None) -> MediaSnapshot: ...

    def get_media_info(self, media_id: str, *, deadline: float | None = None) -> dict[str, Any]: ...

    def get_play_info(self, media_id: str, *, deadline: float | None = None) -> dict[str, Any]: ...

    def get_media_info_job(self, job_id: str, *, deadline: float | None = None) -> dict[str, Any] | None: ...

    def list_media_info_jobs(
        self,
        start: datetime,
        end: datetime,
        *,
        status: str | None = None,
        page_size: int = 100,
        order_by: str = "CreateTimeAsc",
        deadline: float | None = None,
    ) -> Iterator[dict[str, Any]]: ...

    def close(self) -> None: ...


class RuleSet(Protocol):
    """The compiled rules: the profiles by name, and a snapshot evaluated against the one it selects."""

    @property
    def profiles(self) -> Mapping[str, CompiledProfile]: ...

    @property
    def profile_names(self) -> list[str]: ...

    @property
    def profile_key(self) -> str | None:
        """The UserData key that names a job's profile."""

    def evaluate(
        self,
        snapshot: MediaSnapshot,
        *,
        profile: str | None = None,
        event_type: str | None = None,
        user_data: Any = None,
        full: bool = True,
    ) -> Report: ...


class Publishing(Protocol):
    """Where the gate's CloudEvents go: every sink a route names, recorded per sink (``Publisher``)."""

    @property
    def source(self) -> str: ...

    def routes_for(self, event_type: str) -> list[Route]: ...

    def sink(self, setting: str, url: str) -> Sink: ...

    def publish(self, event: dict[str, Any], *, deadline: float | None = None) -> str:
        """Send to every sink that wants it; their URLs, comma-separated. Raises when a required one fails."""

    def dead_letter(
        self,
        reason: str,
        error: dict[str, Any] | None,
        payload: Any,
        *,
        delivery_id: str | None = None,
        deadline: float | None = None,
    ) -> str: ...

    def flush(self, *, deadline: float | None = None) -> None:
        """Send what sinks held back (a robot's digest); at the end of an invocation."""

    def close(self) -> None: ...
