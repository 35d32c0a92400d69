"""The typed events the gate works on: an ICE job-completion event, or an item that could not be read."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, field_validator

from playgate.errors import MalformedEvent
from playgate.events import fields

# playgate's own name for a finished media-information job found by the reconciler: ICE sends no
# callback for SubmitMediaInfoJob, so there is no ICE event type to reuse.
MEDIA_INFO_EVENT_TYPE = "MediaInfoJobComplete"

UPLOAD_EVENT_TYPES = frozenset(
    {
        "FileUploadComplete",
        "UploadByURLComplete",
        "ImageUploadComplete",
        "AttachedMediaUploadComplete",
        "RegisterStreamComplete",
        "StreamUploadComplete",
        "UploadStreamByURLComplete",
    }
)

# Every event type ICE sends (help.aliyun.com/en/ims/user-guide/event-list-2), and playgate's own: what
# PLAYGATE_CHECKED_EVENT_TYPES may name.
ICE_EVENT_TYPES = UPLOAD_EVENT_TYPES | frozenset(
    {
        "RegisterMediaComplete",
        "CreateAuditComplete",
        "DeleteMediaComplete",
        "MediaBaseChangeComplete",
        "WorkflowTaskComplete",
        "VideoAnalysisComplete",
        "SnapshotComplete",
        "DynamicImageComplete",
        "TranscodeComplete",
        "TranscodeParentComplete",
        "MediaConvertComplete",
        "MediaConvertOutputComplete",
        "MediaConvertOutputGroupComplete",
        "AIProduceComplete",
        "AIMediaAuditComplete",
        "MediaAiAnalysisComplete",
        "ProduceMediaComplete",
        "BatchProduceMediaComplete",
        "LiveRecordFileCreated",
        "LiveRecordTaskStatus",
        "LiveSnapshotFileCreated",
        MEDIA_INFO_EVENT_TYPE,
    }
)

# Prefix → family, most specific first. One family per kind of job, so that the event types that finish
# the same job (TranscodeComplete / TranscodeParentComplete) share one idempotency key.
_FAMILY_PREFIXES: tuple[tuple[str, str], ...] = (
    ("MediaConvert", "mediaconvert"),
    ("Transcode", "transcode"),
    ("BatchProduce", "produce"),
    ("Produce", "produce"),
    ("RegisterMedia", "register"),
    ("AIProduce", "aiproduce"),
    ("MediaInfo", "mediainfo"),
)


def event_family(event_type: str) -> str:
    """The kind of job an event type finishes: ``MediaConvertOutputComplete`` → ``mediaconvert``."""
    if event_type in UPLOAD_EVENT_TYPES:
        return "upload"
    for prefix, family in _FAMILY_PREFIXES:
        if event_type.startswith(prefix):
            return family
    return event_type.lower()


def _key_part(value: str) -> str:
    """An identifier inside a key, escaped so that parts cannot run into each other: ``%`` and ``:``
    always, a leading ``@`` (the time token's mark) and a lone ``-`` (no media). ICE's ids need none."""
    value = value.replace("%", "%25").replace(":", "%3A")
    if value.startswith("@"):
        value = "%40" + value[1:]
    return "%2D" if value == "-" else value


def idempotency_key(family: str, job_id: str | None, media_id: str | None, event_time: datetime) -> str:
    """``family:job:media``, each identifier escaped (:func:`_key_part`); a missing JobId is the event
    time (``@…Z``), a missing MediaId ``-``."""
    job = _key_part(job_id) if job_id else _time_token(event_time)
    return f"{family}:{job}:{_key_part(media_id) if media_id else '-'}"


def _time_token(value: datetime) -> str:
    utc = value.astimezone(timezone.utc)
    token = utc.strftime("%Y%m%dT%H%M%S")
    if utc.microsecond:
        token += f".{utc.microsecond:06d}"
    return "@" + token + "Z"


class IceEvent(BaseModel):
    """One ICE job-completion event, whichever envelope it came in.

    ``message_body`` is ICE's ``MessageBody`` as it came (for reconciled media-information jobs: the
    ListMediaInfoJobs job itself, ``MediaInfoProperty`` included); type-specific fields are read with
    :meth:`field` or the ``file_url`` / ``media_url`` / ``project_id`` properties.
    """

    model_config = ConfigDict(frozen=True)

    event_type: str
    job_id: str | None = None
    media_id: str | None = None
    status: Literal["success", "failure"]
    status_raw: str | None = None
    error_code: str | None = None
    error_message: str | None = None
    user_data: dict[str, Any] | str | None = None
    event_time: datetime
    user_id: int | None = None
    delivery_id: str | None = None
    delivery_source: str = "raw"
    message_body: dict[str, Any] = {}
    # (X-ICE-TIMESTAMP, X-ICE-SIGNATURE) when the event came in an HTTP request, whose body nobody signs
    http_auth: tuple[str | None, str | None] | None = None
    # the content was read from ICE's API (the reconciler), not from a callback anyone could have sent
    confirmed_by_ice: bool = False

    @field_validator("event_time")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        return value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)

    # --- identity -----------------------------------------------------------------------------------
    @property
    def family(self) -> str:
        return event_family(self.event_type)

    @property
    def idempotency_key(self) -> str:
        """``family:job:media``. Upload events carry no JobId: the upload of a media is identified by the
        media and the event's own time. A duplicate (ICE's retries, EventBridge's redelivery) repeats the
        same message body and therefore the same EventTime, while a second upload of the same media is
        a new event with a new time, and is checked again."""
        return idempotency_key(self.family, self.job_id, self.media_id, self.event_time)

    @property
    def succeeded(self) -> bool:
        return self.status == "success"

    # --- type-specific fields -----------------------------------------------------------------------
    def field(self, *names: str) -> Any:
        """A field of the message body by name, ignoring case: ``event.field("MediaURL", "MediaUrl")``."""
        return fields.ci_get(self.message_body, *names)

    @property
    def file_url(self) -> str | None:
        return fields.text(self.field("FileUrl", "FileURL"))

    @property
    def media_url(self) -> str | None:
        return fields.text(self.field("MediaURL", "MediaUrl"))

    @property
    def project_id(self) -> str | None:
        return fields.text(self.field("ProjectId"))

    def raw_callback(self) -> dict[str, Any]:
        """The event as an ICE callback again (what :func:`playgate.events.decode` reads back)."""
        raw: dict[str, Any] = {
            "EventType": self.event_type,
            "EventTime": self.event_time.astimezone(timezone.utc).isoformat().replace("+00:00", "Z"),
            "MessageBody": self.message_body,
        }
        if self.user_id is not None:
            raw["UserId"] = self.user_id
        return raw

    # --- the reconciler's way in --------------------------------------------------------------------
    @classmethod
    def from_media_info_job(cls, job: Mapping[str, Any]) -> IceEvent:
        """A finished ListMediaInfoJobs job as the event a callback would have been.

        Raises MalformedEvent for a job that has not finished (Status other than Success/Fail) or has
        neither FinishTime nor SubmitTime: the reconciler should only pass finished jobs.
        """
        status_raw = fields.text(job.get("Status"))
        if status_raw not in ("Success", "Fail"):
            raise MalformedEvent(
                f"media-information job {job.get('JobId')!r} has Status {status_raw!r}, not Success or Fail: "
                "only finished jobs can be checked; list them with Status=Success and Status=Fail"
            )
        when = fields.event_time(job.get("FinishTime")) or fields.event_time(job.get("SubmitTime"))
        if when is None:
            raise MalformedEvent(
                f"media-information job {job.get('JobId')!r} has neither a FinishTime nor a SubmitTime "
                "in ISO 8601: cannot date it"
            )
        return cls(
            event_type=MEDIA_INFO_EVENT_TYPE,
            job_id=fields.text(job.get("JobId")),
            media_id=media_info_job_media_id(job),
            status="success" if status_raw == "Success" else "failure",
            status_raw=status_raw,
            error_code=fields.text(fields.ci_get(job, "ErrorCode", "Code")),
            error_message=fields.text(fields.ci_get(job, "ErrorMessage", "Message")),
            user_data=fields.user_data(job.get("UserData")),
            event_time=when,
            delivery_source="reconcile",
            message_body=dict(job),
            confirmed_by_ice=True,
        )


def media_info_job_media_id(job: Mapping[str, Any]) -> str | None:
    """The media asset a media-information job looked at: the input when it is a media asset, else the
    MediaId ICE reports in the result, else None (a plain OSS file)."""
    source = job.get("Input")
    if isinstance(source, Mapping) and fields.text(source.get("Type")) == "Media":
        media = fields.text(source.get("Media"))
        if media:
            return media
    prop = job.get("MediaInfoProperty")
    basic = prop.get("FileBasicInfo") if isinstance(prop, Mapping) else None
    return fields.text(basic.get("MediaId")) if isinstance(basic, Mapping) else None


class MalformedItem(BaseModel):
    """An item of the payload that is not an ICE event playgate can read: a final error for that item.

    ``where`` says which item it is (``batch item 2``, counted from 0, or ``payload``), ``path`` the field
    inside it that is wrong (``data.messageBody``, empty for the item itself), ``reason`` what is wrong
    (naming the field), ``raw`` the item's text, redacted and truncated, for the dead-letter record.
    ``message`` reads ``batch item 2: data.messageBody is not JSON (nor base64 of JSON)``.
    """

    model_config = ConfigDict(frozen=True, defer_build=True)  # built at the first malformed item

    reason: str
    where: str
    path: str = ""
    index: int | None = None
    delivery_id: str | None = None
    delivery_source: str | None = None
    raw: str = ""

    @property
    def message(self) -> str:
        return f"{self.where}: {self.reason}"

    def error(self) -> MalformedEvent:
        return MalformedEvent(self.message, request_id=self.delivery_id)

    def __str__(self) -> str:
        return self.message


Item = IceEvent | MalformedItem


def should_check(event: Item, checked_types: frozenset[str]) -> bool:
    """Whether the gate checks this event (``Settings.checked_types``); other types are acknowledged and
    skipped. Reconciled media-information jobs are always checked: the reconciler only makes them for
    that purpose."""
    if not isinstance(event, IceEvent):
        return False
    return event.event_type == MEDIA_INFO_EVENT_TYPE or event.event_type in checked_types
