"""Probe URLs: pick the format (by the path's extension, else by the first bytes) and run its checks.

    report = probe_urls(["https://cdn.example.com/v/master.m3u8?auth_key=…"], settings=Settings())

``probe_targets`` is the lower level the gate uses: each target names its subject (the rendition)
and gets back what its stream declares, for ``rendition-matches-play-info``.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from playgate.probe.checks import CheckSettings, effective_checks
from playgate.probe.context import MAX_PLAYLIST_BYTES, RANGE_PROBE_BYTES, ProbeContext
from playgate.probe.fetch import Fetcher, public_url
from playgate.probe.results import Results, StreamFacts
from playgate.rules.report import Report

_BY_EXTENSION = {
    ".m3u8": "hls",
    ".m3u": "hls",
    ".mpd": "dash",
    ".mp4": "mp4",
    ".m4v": "mp4",
    ".m4a": "mp4",
    ".mov": "mp4",
    ".flv": "flv",
}
_BY_CONTENT_TYPE = {
    "application/vnd.apple.mpegurl": "hls",
    "application/x-mpegurl": "hls",
    "audio/mpegurl": "hls",
    "application/dash+xml": "dash",
    "video/mp4": "mp4",
    "audio/mp4": "mp4",
    "video/quicktime": "mp4",
    "video/x-flv": "flv",
}
MAX_PARALLEL_TARGETS = 4


@dataclass
class Target:
    url: str  # used exactly as given (signed URLs keep their query)
    subject: str = ""  # how findings name it; default: the URL without its query
    facts: StreamFacts = field(default_factory=StreamFacts)

    def __post_init__(self) -> None:
        self.subject = self.subject or public_url(self.url)


def kind_of(url: str) -> str | None:
    path = urlsplit(url).path.lower()
    for extension, kind in _BY_EXTENSION.items():
        if path.endswith(extension):
            return kind
    return None


def probe_targets(targets: list[Target], fetcher: Fetcher, results: Results, *, max_segments: int) -> None:
    """Probe each target (a few at once), filling ``results`` and each target's ``facts``."""

    def one(target: Target) -> None:
        ctx = ProbeContext(fetcher, results, target.subject, max_segments)
        try:
            target.facts = _probe_one(ctx, target.url)
        except Exception as exc:  # a bug must not stop the gate: the probe says it is incomplete, visibly
            ctx.failed = type(exc).__name__
        finally:
            ctx.finish()

    if len(targets) <= 1:
        for target in targets:
            one(target)
        return
    with ThreadPoolExecutor(
        min(MAX_PARALLEL_TARGETS, len(targets)), thread_name_prefix="probe-target"
    ) as pool:
        list(pool.map(one, targets))


def _probe_one(ctx: ProbeContext, url: str) -> StreamFacts:
    from playgate.probe.dash import probe_dash
    from playgate.probe.hls import probe_hls
    from playgate.probe.mp4 import probe_progressive, sniff

    kind = kind_of(url)
    if kind in ("mp4", "flv"):
        first = ctx.fetch(
            url, byte_range=(0, RANGE_PROBE_BYTES - 1), max_bytes=RANGE_PROBE_BYTES, truncate=True
        )
        return probe_progressive(ctx, url, first, kind) if first is not None else StreamFacts(kind=kind)
    # a URL without a known extension may be a large file: ask for no more than a playlist's cap
    ranged = (0, MAX_PLAYLIST_BYTES - 1) if kind is None else None
    response = ctx.fetch(url, max_bytes=MAX_PLAYLIST_BYTES, byte_range=ranged, truncate=kind is None)
    if response is None:
        return StreamFacts(kind=kind or "unknown")
    kind = kind or sniff(response.body) or _claimed(response.headers.get("content-type", ""))
    if kind == "hls":
        return probe_hls(ctx, response.url, response.body)
    if kind == "dash":
        return probe_dash(ctx, response.url, response.body)
    if kind in ("mp4", "flv"):
        return probe_progressive(ctx, response.url, response, kind)
    return StreamFacts(kind="unknown")  # reachable, of a kind the probe does not know: nothing more to say


def _claimed(content_type: str) -> str | None:
    """The format a Content-Type names, for a URL without a known extension."""
    return _BY_CONTENT_TYPE.get(content_type.split(";", 1)[0].strip().lower())


def probe_urls(
    urls: Iterable[str],
    *,
    settings: Any,
    checks: dict[str, CheckSettings] | None = None,
    max_segments: int | None = None,
    deadline: float | None = None,
    profile: str = "probe",
    results: Results | None = None,
) -> Report:
    """Probe the URLs with the settings' fetching rules; a Report shaped like ``rules check``'s.
    ``results``: the caller's, to read what else was measured (each variant's bit rates)."""
    results = results or Results(checks or effective_checks())
    targets = [Target(url) for url in urls]
    with make_fetcher(settings, results, deadline) as fetcher:
        probe_targets(targets, fetcher, results, max_segments=max_segments or settings.probe_max_segments)
    return Report.from_findings(profile, None, results.findings())


def make_fetcher(settings: Any, results: Results, deadline: float | None) -> Fetcher:
    return Fetcher(
        allow_hosts=allow_hosts(settings),
        timeout_s=float(results.param("url-reachable", "timeout_s")),
        deadline=deadline,
        concurrency=settings.probe_concurrency,
    )


def allow_hosts(settings: Any) -> list[str]:
    return [h for h in (settings.probe_allow_hosts or "").split(",") if h.strip()]


def deadline_in(seconds: float | None) -> float | None:
    return None if seconds is None else time.monotonic() + seconds
