"""The ICE calls that write a verdict back: CreateAudit, UpdateMediaInfo (tags), ListMediaMarks and
AddMediaMarks, and the GetMediaInfo that reads a media's tags first.

The same signed transport, retries and error classes as the gate's own calls (:class:`IceClient`): a
throttle, a 5xx or a timeout is retried within ``PLAYGATE_ICE_DEADLINE_S`` and the caller's deadline, a
refused permission is :class:`~playgate.errors.AccessDenied` naming the RAM action to grant. Credentials
are asked for before every call, so FC's rotated STS credentials are picked up by a sink that lives as
long as the instance.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from playgate.errors import IceUnavailable
from playgate.ice.client import IceClient, resolve_endpoint, retry_policy
from playgate.ice.credentials import Credentials, default_chain

MAX_AUDIT_ITEMS = 20  # CreateAudit: AuditContent holds at most 20 media


class IceWriteback(IceClient):
    def __init__(self, *, credentials_source: Callable[[], Credentials | None], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._source = credentials_source

    @classmethod
    def for_sink(
        cls, settings: Any, region: str | None, credentials: Callable[[], Credentials | None]
    ) -> IceWriteback:
        endpoint, protocol = resolve_endpoint(settings, region)
        policy = retry_policy(settings)
        return cls(
            endpoint=endpoint,
            protocol=protocol,
            region_id=region,
            policy=policy,
            credentials=credentials(),  # what an error names as their source; each call asks again
            credentials_source=credentials,
        )

    def _credentials_source(self) -> Callable[[], Credentials]:
        fallback: list[Callable[[], Credentials]] = []

        def current() -> Credentials:
            found = self._source()
            if found is not None:
                return found
            if not fallback:  # nothing explicit: Alibaba Cloud's default chain, imported only then
                fallback.append(default_chain())
            return fallback[0]()

        return current

    # --- the calls ------------------------------------------------------------------------------------
    def media_tags(self, media_id: str, *, deadline: float | None = None) -> list[str]:
        """The media's tags as GetMediaInfo lists them (``MediaBasicInfo.MediaTags``, comma-separated)."""
        return split_tags(_basic_info(self._media_info(media_id, deadline)).get("MediaTags"))

    def audit_status(self, media_id: str, *, deadline: float | None = None) -> str | None:
        """``MediaBasicInfo.AuditStatus`` when GetMediaInfo reports one (not documented: None when absent)."""
        status = _basic_info(self._media_info(media_id, deadline)).get("AuditStatus")
        return str(status) if status else None

    def create_audit(self, items: list[dict[str, str]], *, deadline: float | None = None) -> None:
        """Each item ``{MediaId, Status: Blocked|Normal, Reason?, Comment?}``; at most 20."""
        if not 1 <= len(items) <= MAX_AUDIT_ITEMS:
            raise ValueError(f"CreateAudit takes 1 to {MAX_AUDIT_ITEMS} items, got {len(items)}")
        content = json.dumps(items, ensure_ascii=False, separators=(",", ":"))
        media_id = items[0]["MediaId"] if len(items) == 1 else None
        self._call("CreateAudit", {"AuditContent": content}, media_id=media_id, deadline=deadline)

    def update_tags(
        self, media_id: str, tags: list[str], *, append: bool, deadline: float | None = None
    ) -> None:
        """UpdateMediaInfo with ``MediaTags`` only: appended (``AppendTags=true``) or the whole list."""
        query = {"MediaId": media_id, "MediaTags": ",".join(tags), "AppendTags": str(append).lower()}
        self._call("UpdateMediaInfo", query, media_id=media_id, deadline=deadline)

    def list_marks(self, media_id: str, *, deadline: float | None = None) -> list[dict[str, Any]]:
        body = self._call("ListMediaMarks", {"MediaId": media_id}, media_id=media_id, deadline=deadline)
        marks = json_array(body.get("MediaMarks"))
        if marks is None:
            raise IceUnavailable(
                f"ICE ListMediaMarks for media {media_id!r} answered MediaMarks that is not a JSON array; "
                "the marks are not added (they could be added twice)"
            )
        return marks

    def add_marks(
        self, media_id: str, marks: list[dict[str, Any]], *, deadline: float | None = None
    ) -> list[str]:
        """Add marks; returns the ids ICE gave them (``MediaMarkIds``, comma-separated)."""
        query = {"MediaId": media_id, "MediaMarks": json.dumps(marks, ensure_ascii=False)}
        body = self._call("AddMediaMarks", query, media_id=media_id, deadline=deadline)
        return [i for i in str(body.get("MediaMarkIds") or "").split(",") if i]

    def _media_info(self, media_id: str, deadline: float | None) -> dict[str, Any]:
        return self._call("GetMediaInfo", {"MediaId": media_id}, media_id=media_id, deadline=deadline)


def split_tags(raw: Any) -> list[str]:
    return [t.strip() for t in str(raw or "").split(",") if t.strip()]


def json_array(raw: Any) -> list[dict[str, Any]] | None:
    """ICE answers ``MediaMarks`` as a string holding a JSON array (the SDK's model says ``str``); an
    array as such is taken too, nothing is no marks; None when it is something else."""
    if raw is None or raw == "":
        return []
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            return None
    return [item for item in raw if isinstance(item, dict)] if isinstance(raw, list) else None


def _basic_info(body: dict[str, Any]) -> dict[str, Any]:
    info = body.get("MediaInfo")
    basic = info.get("MediaBasicInfo") if isinstance(info, dict) else None
    return basic if isinstance(basic, dict) else {}
