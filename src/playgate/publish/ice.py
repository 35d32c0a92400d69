"""``ice://block``, ``ice://tag``, ``ice://marks`` — the verdict takes effect in ICE, where the media lives.

Each is a sink like any other: list it in ``PLAYGATE_ALERT_SINK`` *and* ``PLAYGATE_PLAYBACK_SINK`` (a pass
undoes or replaces what a failure did), route it with ``severity=`` / ``profile=``, and each delivery is
recorded per sink under the CloudEvent id, so a redelivery does nothing where it was done.

- ``ice://block``: a ``qc.alert`` for failed rules (reason ``qc_failed``; never a failed job, a missing
  media or an ICE error) blocks the media: CreateAudit ``Blocked``, Reason the failing rule ids, Comment
  a one-line summary. A later pass (``playback.ready`` / ``qc.passed``) of a media *playgate* blocked sets
  it ``Normal``; playgate remembers what it blocked in the store (``ice-block:<MediaId>``). A media it
  did not block is never set Normal, and one already Blocked when it fails is left as it is.
- ``ice://tag?prefix=qc-``: the verdict as tags, ``qc-pass`` | ``qc-warn`` | ``qc-fail`` and
  ``qc-profile-<profile>``, appended (UpdateMediaInfo ``AppendTags=true``) beside everyone else's tags.
  When an earlier verdict's tags are there, they are replaced: the tags read with GetMediaInfo, less
  playgate's stale ones, plus the new ones, written whole (``AppendTags=false``, which is the only way ICE
  removes a tag); a tag someone adds between that read and write is lost.
- ``ice://marks``: each time-coded finding becomes a media mark (:mod:`.marks`); the media's marks are
  listed first (ListMediaMarks) and only the missing ones are added, so nothing is marked twice.

Other messages (dead letters, alerts that are no verdict on the media) need nothing and count as
delivered. ICE's throttling and 5xx are retried within ``PLAYGATE_ICE_DEADLINE_S`` and the time left; a
refused permission fails the send with the RAM action to grant.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from playgate.errors import ConfigError
from playgate.ice.credentials import Credentials
from playgate.log import get_logger
from playgate.publish import marks as media_marks
from playgate.publish.base import query_options
from playgate.publish.cloudevents import PLAYBACK_READY, QC_ALERT, QC_PASSED

# The RAM actions each kind calls (the deployment's policy grants only those of the configured sinks).
ACTIONS = {
    "block": ("ice:CreateAudit", "ice:GetMediaInfo"),
    "tag": ("ice:GetMediaInfo", "ice:UpdateMediaInfo"),
    "marks": ("ice:ListMediaMarks", "ice:AddMediaMarks"),
}
DEFAULT_PREFIX = "qc-"
OUTCOMES = ("pass", "warn", "fail")
REASON_MAX_BYTES, COMMENT_MAX_BYTES, TAG_MAX_BYTES = 128, 512, 32  # CreateAudit, UpdateMediaInfo
BLOCKED = "ice-block:"  # store value name: the CloudEvent id of playgate's block, "" once undone


def verdict(event: dict[str, Any]) -> str | None:
    """pass, warn or fail for a message that judges a media; None for anything else."""
    data = event.get("data") or {}
    if event.get("type") == QC_ALERT:
        return "fail" if data.get("reason") == "qc_failed" else None
    if event.get("type") in (PLAYBACK_READY, QC_PASSED):
        outcome = (data.get("qc") or {}).get("outcome") or "pass"
        return outcome if outcome in OUTCOMES else None
    return None


def _media_id(event: dict[str, Any]) -> str | None:
    return (event.get("data") or {}).get("media_id") or event.get("subject")


def _profile(event: dict[str, Any]) -> str | None:
    data = event.get("data") or {}
    return data.get("profile") or (data.get("qc") or {}).get("profile")


def _deadline(timeout_s: float | None) -> float | None:
    return None if timeout_s is None else time.monotonic() + timeout_s


class _IceSink:
    def __init__(self, url: str, client: Any) -> None:
        self.url = url
        self.client = client

    def send(self, event: dict[str, Any], *, timeout_s: float | None = None) -> None:
        outcome, media_id = verdict(event), _media_id(event)
        if outcome is None or not media_id:
            return
        self.apply(event, outcome, media_id, _deadline(timeout_s))

    def apply(self, event: dict[str, Any], outcome: str, media_id: str, deadline: float | None) -> None:
        raise NotImplementedError

    def close(self) -> None:
        self.client.close()


class BlockSink(_IceSink):
    def __init__(self, url: str, client: Any) -> None:
        super().__init__(url, client)
        self.store: Any = None

    def use_store(self, store: Any) -> None:
        """The store remembers which media playgate blocked: only those it ever sets Normal."""
        self.store = store

    def apply(self, event: dict[str, Any], outcome: str, media_id: str, deadline: float | None) -> None:
        blocked_by = self._blocked_by(media_id, deadline)
        if outcome == "fail":
            if blocked_by == event["id"]:
                return  # this verdict's block is in place already
            if not blocked_by and self.client.audit_status(media_id, deadline=deadline) == "Blocked":
                get_logger().info("ice.block_left", media_id=media_id, why="blocked by someone else")
                return
            item = {"MediaId": media_id, "Status": "Blocked", **block_texts(event)}
            self.client.create_audit([item], deadline=deadline)
            self._remember(media_id, event["id"], deadline)
        elif blocked_by:
            comment = f"playgate: {outcome} ({_profile(event) or 'no profile'}); playgate's block lifted"
            item = {"MediaId": media_id, "Status": "Normal", "Comment": comment}
            self.client.create_audit([item], deadline=deadline)
            self._remember(media_id, "", deadline)

    def _blocked_by(self, media_id: str, deadline: float | None) -> str:
        if self.store is None:
            return ""
        return self.store.get_value(BLOCKED + media_id, deadline=deadline) or ""

    def _remember(self, media_id: str, event_id: str, deadline: float | None) -> None:
        if self.store is not None:
            self.store.set_value(BLOCKED + media_id, event_id, deadline=deadline)


def block_texts(event: dict[str, Any]) -> dict[str, str]:
    """CreateAudit's Reason (the failing rule ids) and Comment (one line: profile, first failure, count)."""
    data = event.get("data") or {}
    failed = [f for f in data.get("findings") or [] if f.get("outcome") == "fail"]
    rules = list(dict.fromkeys(str(f.get("rule")) for f in failed))
    first = " ".join(str(failed[0].get("message") or "").split()) if failed else "failed its rules"
    more = f" (+{len(failed) - 1} more)" if len(failed) > 1 else ""
    comment = f"playgate qc_failed, profile {data.get('profile') or '-'}: {first}{more}"
    return {
        "Reason": media_marks.fit(",".join(rules) or "qc_failed", REASON_MAX_BYTES),
        "Comment": media_marks.fit(comment, COMMENT_MAX_BYTES),
    }


class TagSink(_IceSink):
    def __init__(self, url: str, client: Any, prefix: str) -> None:
        super().__init__(url, client)
        self.prefix = prefix

    def tags_for(self, outcome: str, profile: str | None) -> list[str]:
        tags = [f"{self.prefix}{outcome}"]
        if profile:
            name = profile.replace(",", "-")
            tags.append(media_marks.fit(f"{self.prefix}profile-{name}", TAG_MAX_BYTES, end=""))
        return tags

    def is_ours(self, tag: str) -> bool:
        return tag in {self.prefix + o for o in OUTCOMES} or tag.startswith(f"{self.prefix}profile-")

    def apply(self, event: dict[str, Any], outcome: str, media_id: str, deadline: float | None) -> None:
        wanted = self.tags_for(outcome, _profile(event))
        current = self.client.media_tags(media_id, deadline=deadline)
        stale = [t for t in current if self.is_ours(t) and t not in wanted]
        new = [t for t in wanted if t not in current]
        if stale:
            kept = [t for t in current if t not in stale]
            self.client.update_tags(media_id, kept + new, append=False, deadline=deadline)
        elif new:
            self.client.update_tags(media_id, new, append=True, deadline=deadline)


class MarksSink(_IceSink):
    def apply(self, event: dict[str, Any], outcome: str, media_id: str, deadline: float | None) -> None:
        wanted = media_marks.marks_for(event)
        if not wanted:
            return
        existing = self.client.list_marks(media_id, deadline=deadline)
        new = media_marks.missing(wanted, existing)
        if new:
            self.client.add_marks(media_id, new, deadline=deadline)


def open_ice(
    url: str, settings: Any, credentials: Callable[[], Credentials | None], region: str | None
) -> _IceSink:
    """``ice://block``, ``ice://tag`` (``?prefix=``, default ``qc-``) or ``ice://marks``."""
    from playgate.ice.writeback import IceWriteback

    parts = urlsplit(url)
    kind = (parts.netloc or parts.path.strip("/")).lower()
    if kind not in ACTIONS:
        raise ConfigError(
            f"sink {url!r}: unknown ICE write-back {kind!r}; use ice://block, ice://tag or ice://marks"
        )
    options = query_options(url, "&".join(p for p in (parts.query, parts.fragment) if p), _OPTIONS[kind])
    client = IceWriteback.for_sink(settings, region, credentials)
    if kind == "tag":
        prefix = _prefix(url, options.get("prefix", DEFAULT_PREFIX))
        shown = "ice://tag" + ("" if prefix == DEFAULT_PREFIX else f"?prefix={prefix}")
        return TagSink(shown, client, prefix)
    return {"block": BlockSink, "marks": MarksSink}[kind](f"ice://{kind}", client)


_OPTIONS = {"block": set(), "tag": {"prefix"}, "marks": set()}


def _prefix(url: str, prefix: str) -> str:
    longest = TAG_MAX_BYTES - len(b"profile-x")
    if not prefix or "," in prefix or len(prefix.encode()) > longest or prefix != prefix.strip():
        raise ConfigError(
            f"sink {url!r}: prefix={prefix!r} must be 1 to {longest} bytes without commas or spaces at "
            "either end (ICE tags are comma-separated, at most 32 bytes)"
        )
    return prefix
