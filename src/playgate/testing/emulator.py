"""The ICE emulator's backend: state (media, jobs), the RPC protocol, faults and a call log.

Both front doors (the in-process ``responses`` mock and the HTTP server) hand every request to
:meth:`IceEmulator.handle` and turn the :class:`Reply` into HTTP. The protocol is what the SDK sends:
the action from the ``x-acs-action`` header (ACS3 signing) or the ``Action`` parameter (RPC signing),
parameters from the query string or the form body. Signatures are verified against the emulator's
AccessKeys (``add_access_key``; the test key is always known): unsigned, wrongly signed or unknown-key
requests get ICE's error codes and are never served (``playgate.testing.signatures``).

Behaviour where ICE's is undocumented (kept in one place so it is easy to change):
- an unknown media → HTTP 404 ``ResourceNotFound`` (the IMS error table's code for a missing resource);
- a media without play info → GetPlayInfo answers the same 404 (pass ``play_info`` with an empty
  ``PlayInfoList`` to get the other plausible answer);
- ListMediaInfoJobs: the time window is inclusive at both ends, on the job's ``SubmitTime``; ``PageSize``
  defaults to 10 and must be 1..100; the default order is ``CreateTimeDesc``; the last page has no
  ``NextPageToken``.
- A parameter value outside what the API reference documents (``Status=Done``, ``OutputType=s3``,
  ``AuthTimeout=60``) → HTTP 400 ``InvalidParameter`` naming the parameter, never an empty answer.
- The write-back actions (CreateAudit, UpdateMediaInfo, AddMediaMarks, ListMediaMarks, GetMediaMarks)
  check what the API reference and the SDK's models document (AuditContent ≤ 20 items, Status
  Blocked|Normal, Reason ≤ 128 and Comment ≤ 512 bytes; ≤ 16 tags of ≤ 32 bytes; MediaMarks a JSON
  array) and answer 400 ``InvalidParameter`` / ``MissingParameter`` otherwise. Not documented, chosen
  here: an unknown media in AuditContent is 404 ``ResourceNotFound`` and nothing is applied; appending a
  tag the media has already keeps one; a mark id is ``mark-`` and 32 hex digits; GetMediaInfo reports the
  last audit as ``MediaBasicInfo.AuditStatus`` (VOD's name for it: ICE documents no such field).
- ListMediaInfoJobs answers in the spelling the official SDK's models read
  (``ListMediaInfoJobsResponseBodyJobsMediaInfoProperty*``): video streams in the underscore dialect
  (``Codec_name``, ``Bit_rate``, ``Avg_fps``), audio streams and the file in CamelCase, whatever spelling a
  job was added with; keys the SDK does not know are passed through as they are.
"""

from __future__ import annotations

import copy
import hashlib
import json
import random
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from playgate.ice.values import canonical_key, parse_time
from playgate.testing.signatures import (
    TEST_ACCESS_KEY_ID,
    TEST_ACCESS_KEY_SECRET,
    SignatureRefused,
    verify,
)

FAULT_KINDS = ("throttling", "5xx", "503", "403", "timeout", "malformed_json")
ACTIONS = (
    "GetMediaInfo", "GetPlayInfo", "ListMediaInfoJobs",
    "CreateAudit", "UpdateMediaInfo", "AddMediaMarks", "ListMediaMarks", "GetMediaMarks",
)  # fmt: skip
MAX_TAGS, TAG_MAX_BYTES, MAX_AUDIT_ITEMS = 16, 32, 20
# UpdateMediaInfo's fields besides the tags, with their documented limits in bytes
_BASIC_FIELDS = {"Title": 128, "Description": 1024, "Category": 64, "CoverURL": 128, "UserData": 1024,
                 "BusinessType": 64}  # fmt: skip
_MARK_FIELDS = ("MarkId", "MarkStartTime", "MarkEndTime", "MarkTag", "MarkContent", "MarkStatus")
API_VERSION = "2020-11-09"

# Parameters that belong to signing or the envelope, not to the action: kept out of the call log.
_ENVELOPE = {
    "Action", "Version", "AccessKeyId", "Signature", "SignatureMethod", "SignatureVersion", "SignatureNonce",
    "SignatureType", "Timestamp", "Format", "SecurityToken", "RegionId",
}  # fmt: skip


class Call(NamedTuple):
    action: str
    params: dict[str, str]


@dataclass
class Reply:
    status: int
    body: bytes
    fault: str | None = None
    headers: dict[str, str] = field(
        default_factory=lambda: {"Content-Type": "application/json;charset=utf-8"}
    )


@dataclass
class _Fault:
    kind: str
    rate: float | None
    remaining: int | None
    rng: random.Random
    actions: frozenset[str] | None

    def fires(self, action: str) -> bool:
        if self.actions is not None and action not in self.actions:
            return False
        if self.remaining is not None:
            if self.remaining <= 0:
                return False
            self.remaining -= 1
            return True
        return self.rate is not None and self.rng.random() < self.rate


class IceError(Exception):
    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _request_id() -> str:
    return str(uuid.uuid4()).upper()


class IceEmulator:
    """In-memory ICE: media (GetMediaInfo / GetPlayInfo bodies) and media-information jobs."""

    def __init__(self, *, latency_s: float = 0.0, timeout_delay_s: float = 6.0) -> None:
        self.latency_s = latency_s
        self.timeout_delay_s = timeout_delay_s  # how long a "timeout" fault holds the HTTP answer back
        self.calls: list[Call] = []
        self._media: dict[str, tuple[dict[str, Any] | None, dict[str, Any] | None]] = {}
        self._jobs: list[dict[str, Any]] = []
        self._basic: dict[str, dict[str, str]] = {}  # what UpdateMediaInfo changed, over MediaBasicInfo
        self._audits: dict[str, dict[str, str]] = {}  # the last CreateAudit item per media
        self._marks: dict[str, list[dict[str, Any]]] = {}
        self._faults: list[_Fault] = []
        self._lock = threading.Lock()
        self._access_keys = {TEST_ACCESS_KEY_ID: TEST_ACCESS_KEY_SECRET}
        self._security_tokens: dict[str, str] = {}  # an STS key's current token

    # --- state -------------------------------------------------------------------------------------
    def add_media(
        self, media_id: str, media_info: dict[str, Any] | None, play_info: dict[str, Any] | None = None
    ) -> None:
        """Add or replace a media: a GetMediaInfo body and/or a GetPlayInfo body (None: ICE has none)."""
        if media_info is not None and "MediaInfo" not in media_info:
            media_info = {"MediaInfo": media_info}
        with self._lock:
            self._media[media_id] = (copy.deepcopy(media_info), copy.deepcopy(play_info))

    def remove_media(self, media_id: str) -> None:
        with self._lock:
            self._media.pop(media_id, None)
            for state in (self._basic, self._audits, self._marks):
                state.pop(media_id, None)

    def audit(self, media_id: str) -> dict[str, str] | None:
        """The last audit CreateAudit set on the media (Status, Reason, Comment), or None."""
        with self._lock:
            return copy.deepcopy(self._audits.get(media_id))

    def tags(self, media_id: str) -> list[str]:
        """The media's tags as GetMediaInfo answers them."""
        basic = (self._GetMediaInfo({"MediaId": media_id})["MediaInfo"] or {}).get("MediaBasicInfo") or {}
        return [t for t in str(basic.get("MediaTags") or "").split(",") if t]

    def marks(self, media_id: str) -> list[dict[str, Any]]:
        with self._lock:
            return copy.deepcopy(self._marks.get(media_id, []))

    @property
    def media_ids(self) -> list[str]:
        return sorted(self._media)

    def add_job(self, job: dict[str, Any]) -> None:
        """Add a media-information job shaped as in ListMediaInfoJobs (JobId, Status, SubmitTime…)."""
        with self._lock:
            self._jobs.append(copy.deepcopy(job))

    @property
    def jobs(self) -> list[dict[str, Any]]:
        return copy.deepcopy(self._jobs)

    def load_catalog(self, path: str | Path) -> IceEmulator:
        """Load ``<MediaId>.media.json``, ``<MediaId>.play.json`` and ``jobs.json`` from a folder."""
        folder = Path(path)
        if not folder.is_dir():
            raise FileNotFoundError(
                f"ICE emulator catalog {folder} is not a folder (expected *.media.json, jobs.json)"
            )
        ids = {
            p.name.rsplit(".", 2)[0]
            for p in folder.glob("*.json")
            if p.name.endswith((".media.json", ".play.json"))
        }
        for media_id in sorted(ids):
            media, play = folder / f"{media_id}.media.json", folder / f"{media_id}.play.json"
            self.add_media(
                media_id,
                _read_json(media) if media.exists() else None,
                _read_json(play) if play.exists() else None,
            )
        jobs_file = folder / "jobs.json"
        if jobs_file.exists():
            for job in _read_json(jobs_file).get("Jobs", []):
                self.add_job(job)
        return self

    # --- faults ------------------------------------------------------------------------------------
    def inject(
        self,
        kind: str,
        *,
        rate: float | None = None,
        next_n: int | None = None,
        seed: int | None = None,
        actions: list[str] | tuple[str, ...] | None = None,
    ) -> None:
        """Fail calls with ``kind``: the next N, or at a rate. Kinds: ``throttling`` (400 Throttling.User),
        ``5xx`` (500 InternalError), ``503`` (ServiceUnavailable), ``403`` (Forbidden.RAM), ``timeout``
        (no answer in time), ``malformed_json`` (a cut-off body)."""
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; use one of {', '.join(FAULT_KINDS)}")
        if (rate is None) == (next_n is None):
            raise ValueError("inject() takes exactly one of rate= or next_n=")
        if rate is not None and not 0.0 <= rate <= 1.0:
            raise ValueError(f"rate must be between 0 and 1, got {rate}")
        with self._lock:
            self._faults.append(
                _Fault(kind, rate, next_n, random.Random(seed), frozenset(actions) if actions else None)
            )

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def reset(self) -> None:
        with self._lock:
            self._media.clear()
            self._jobs.clear()
            self._faults.clear()
            for state in (self._basic, self._audits, self._marks):
                state.clear()
            self.calls.clear()

    def calls_to(self, action: str) -> list[Call]:
        return [c for c in self.calls if c.action == action]

    # --- protocol ----------------------------------------------------------------------------------
    def handle(
        self,
        method: str,
        query: dict[str, str],
        headers: dict[str, str],
        form: dict[str, str],
        *,
        path: str = "/",
        body: bytes = b"",
    ) -> Reply:
        """One HTTP request, already split into query, lower-cased headers and form fields (``body`` is
        the raw body, for the signature check)."""
        host = headers.get("host", "ice.emulator")
        params = {**query, **form}
        action = headers.get("x-acs-action") or params.get("Action") or ""
        with self._lock:
            self.calls.append(Call(action, {k: v for k, v in params.items() if k not in _ENVELOPE}))
        if self.latency_s > 0:
            time.sleep(self.latency_s)
        try:
            if not (headers.get("authorization") or params.get("Signature")):
                raise IceError(
                    400,
                    "IncompleteSignature",
                    "The request signature does not conform to Aliyun standards: "
                    "no Authorization header and no Signature parameter.",
                )
            version = headers.get("x-acs-version") or params.get("Version")
            if action not in ACTIONS:
                raise IceError(
                    404,
                    "InvalidAction.NotFound",
                    f"Specified api {action!r} is not found, please check your url and method.",
                )
            if version != API_VERSION:
                raise IceError(
                    400, "InvalidVersion", f"Specified parameter Version {version!r} is not valid."
                )
            self._check_signature(method, path, query, headers, form, body)
            with self._lock:
                fault = next((f.kind for f in self._faults if f.fires(action)), None)
            if fault:
                return self._fault_reply(fault, host)
            answer = getattr(self, f"_{action}")(params)
            answer["RequestId"] = _request_id()
            return Reply(200, json.dumps(answer).encode())
        except IceError as err:
            return self._error(err, host)

    def add_access_key(
        self, access_key_id: str, access_key_secret: str, *, security_token: str | None = None
    ) -> None:
        """Let requests signed with this AccessKey in (the test key is known from the start). An STS key
        (``security_token``) must also send that token; any other is refused as expired."""
        with self._lock:
            self._access_keys[access_key_id] = access_key_secret
            if security_token is not None:
                self._security_tokens[access_key_id] = security_token

    def _check_signature(
        self,
        method: str,
        path: str,
        query: dict[str, str],
        headers: dict[str, str],
        form: dict[str, str],
        body: bytes,
    ) -> None:
        with self._lock:
            keys = dict(self._access_keys)
        signed = query if headers.get("authorization") else {**query, **form}  # v2 signs form fields too
        try:
            key_id = verify(keys, method, path, signed, headers, body)
        except SignatureRefused as refused:
            raise IceError(refused.status, refused.code, refused.message) from None
        with self._lock:
            token = self._security_tokens.get(key_id)
        if token is not None and headers.get("x-acs-security-token") != token:
            raise IceError(400, "InvalidSecurityToken.Expired", "Specified SecurityToken is expired.")

    def _fault_reply(self, kind: str, host: str) -> Reply:
        if kind == "throttling":
            return self._error(
                IceError(400, "Throttling.User", "Request was denied due to user flow control."), host
            )
        if kind == "5xx":
            err = IceError(
                500, "InternalError", "The request processing has failed due to some unknown error."
            )
            return self._error(err, host)
        if kind == "503":
            err = IceError(503, "ServiceUnavailable", "The request has failed due to a temporary failure.")
            return self._error(err, host)
        if kind == "403":
            err = IceError(
                403, "Forbidden.RAM", "User not authorized to operate on the specified resource, or this API."
            )
            return self._error(err, host)
        if kind == "malformed_json":
            return Reply(200, b'{"RequestId": "' + _request_id().encode() + b'", "MediaInfo": {"MediaBa')
        return Reply(504, b"", fault="timeout")

    @staticmethod
    def _error(err: IceError, host: str) -> Reply:
        rid = _request_id()
        body = {
            "RequestId": rid,
            "HostId": host,
            "Code": err.code,
            "Message": err.message,
            "Recommend": f"https://api.aliyun.com/troubleshoot?q={err.code}&product=ICE&requestId={rid}",
        }
        return Reply(err.status, json.dumps(body).encode())

    def _find(
        self, params: dict[str, str]
    ) -> tuple[str, tuple[dict[str, Any] | None, dict[str, Any] | None]]:
        media_id = params.get("MediaId")
        with self._lock:
            if media_id:
                if media_id in self._media:
                    return media_id, self._media[media_id]
                raise IceError(404, "ResourceNotFound", f"The specified media {media_id!r} does not exist.")
            url = params.get("InputURL")
            if not url:
                raise IceError(400, "MissingParameter", "Either MediaId or InputURL is required.")
            for mid, entry in self._media.items():
                info = (entry[0] or {}).get("MediaInfo", {})
                if isinstance(info, dict) and (info.get("MediaBasicInfo") or {}).get("InputURL") == url:
                    return mid, entry
        raise IceError(404, "ResourceNotFound", f"No media is registered with InputURL {url!r}.")

    def _GetMediaInfo(self, params: dict[str, str]) -> dict[str, Any]:
        _one_of(params, "OutputType", ("oss", "cdn"))
        _int_param(params, "AuthTimeout", 3600, minimum=1)
        media_id, (media_info, _play) = self._find(params)
        if media_info is None:
            raise IceError(404, "ResourceNotFound", f"The specified media {media_id!r} does not exist.")
        body = copy.deepcopy(media_info)
        info = body.get("MediaInfo")
        with self._lock:
            changed, audit = dict(self._basic.get(media_id, {})), self._audits.get(media_id)
        if isinstance(info, dict) and (changed or audit):
            basic = info.setdefault("MediaBasicInfo", {})
            basic.update(changed)
            if audit:
                basic["AuditStatus"] = audit["Status"]
        return body

    # --- the write-back actions ----------------------------------------------------------------------
    def _CreateAudit(self, params: dict[str, str]) -> dict[str, Any]:
        items = _json_param(params, "AuditContent")
        if not 1 <= len(items) <= MAX_AUDIT_ITEMS:
            raise _invalid("AuditContent", f"{len(items)} items", f"1 to {MAX_AUDIT_ITEMS} media")
        audits = {}
        for item in items:
            media_id = _text_field(item, "AuditContent", "MediaId", required=True)
            status = _text_field(item, "AuditContent", "Status", required=True)
            if status not in ("Blocked", "Normal"):
                raise _invalid("AuditContent.Status", status, "Blocked or Normal")
            audit = {"Status": status}
            for name, limit in (("Reason", 128), ("Comment", 512)):
                value = _text_field(item, "AuditContent", name, max_bytes=limit)
                if value:
                    audit[name] = value
            self._find({"MediaId": media_id})
            audits[media_id] = audit
        with self._lock:
            self._audits.update(audits)
        return {}

    def _UpdateMediaInfo(self, params: dict[str, str]) -> dict[str, Any]:
        media_id, (media_info, _play) = self._find(params)
        append = _one_of(params, "AppendTags", ("true", "false", "True", "False"))
        changes = {}
        for name, limit in _BASIC_FIELDS.items():
            if name in params:
                changes[name] = _text_field(params, "", name, max_bytes=limit)
        if "MediaTags" in params:
            tags = [t.strip() for t in params["MediaTags"].split(",") if t.strip()]
            for tag in tags:
                if len(tag.encode("utf-8")) > TAG_MAX_BYTES:
                    raise _invalid("MediaTags", tag, f"each tag at most {TAG_MAX_BYTES} bytes")
            if (append or "").lower() == "true":
                basic = (media_info or {}).get("MediaInfo", {}).get("MediaBasicInfo") or {}
                with self._lock:
                    current = self._basic.get(media_id, {}).get("MediaTags", basic.get("MediaTags") or "")
                had = [t for t in str(current).split(",") if t]
                tags = had + [t for t in dict.fromkeys(tags) if t not in had]
            if len(tags) > MAX_TAGS:
                raise _invalid("MediaTags", f"{len(tags)} tags", f"at most {MAX_TAGS} tags on a media")
            changes["MediaTags"] = ",".join(tags)
        with self._lock:
            self._basic.setdefault(media_id, {}).update(changes)
        return {"MediaId": media_id}

    def _AddMediaMarks(self, params: dict[str, str]) -> dict[str, Any]:
        media_id = _required(params, "MediaId")
        marks = _json_param(params, "MediaMarks")
        self._find({"MediaId": media_id})
        added = []
        for raw in marks:
            unknown = sorted(set(raw) - set(_MARK_FIELDS))
            if unknown:
                raise _invalid("MediaMarks", ", ".join(unknown), "fields " + ", ".join(_MARK_FIELDS))
            mark = {k: raw[k] for k in _MARK_FIELDS[1:] if raw.get(k) is not None}
            for name in ("MarkStartTime", "MarkEndTime"):
                if name in mark:
                    mark[name] = _float_field(mark[name], f"MediaMarks.{name}")
            if mark.get("MarkEndTime", 0.0) < mark.get("MarkStartTime", 0.0):
                raise _invalid("MediaMarks.MarkEndTime", mark["MarkEndTime"], "not before MarkStartTime")
            added.append({"MarkId": f"mark-{uuid.uuid4().hex}", **mark})
        with self._lock:
            self._marks.setdefault(media_id, []).extend(added)
        return {"MediaId": media_id, "MediaMarkIds": ",".join(m["MarkId"] for m in added)}

    def _ListMediaMarks(self, params: dict[str, str]) -> dict[str, Any]:
        media_id = _required(params, "MediaId")
        self._find({"MediaId": media_id})
        return {"MediaId": media_id, "MediaMarks": json.dumps(self.marks(media_id), ensure_ascii=False)}

    def _GetMediaMarks(self, params: dict[str, str]) -> dict[str, Any]:
        media_id = _required(params, "MediaId")
        self._find({"MediaId": media_id})
        wanted = {i.strip() for i in params.get("MediaMarkIds", "").split(",") if i.strip()}
        marks = [m for m in self.marks(media_id) if not wanted or m["MarkId"] in wanted]
        return {"MediaId": media_id, "MediaMarks": json.dumps(marks, ensure_ascii=False)}

    def _GetPlayInfo(self, params: dict[str, str]) -> dict[str, Any]:
        _int_param(params, "AuthTimeout", 3600, minimum=3600)
        media_id, (_info, play_info) = self._find(params)
        if play_info is None:
            raise IceError(404, "ResourceNotFound", f"The specified media {media_id!r} has no play info.")
        return copy.deepcopy(play_info)

    def _ListMediaInfoJobs(self, params: dict[str, str]) -> dict[str, Any]:
        page_size = _int_param(params, "PageSize", 10)
        if not 1 <= page_size <= 100:
            raise IceError(
                400, "InvalidParameter", f"The specified parameter PageSize {page_size} is not valid (1-100)."
            )
        order = _one_of(params, "OrderBy", ("CreateTimeAsc", "CreateTimeDesc")) or "CreateTimeDesc"
        _one_of(params, "Status", ("Init", "Success", "Fail"))
        start, end = _time_param(params, "StartOfCreateTime"), _time_param(params, "EndOfCreateTime")
        with self._lock:
            jobs = [j for j in self._jobs if _job_matches(j, params, start, end)]
        jobs.sort(key=_submit_key, reverse=order == "CreateTimeDesc")
        fingerprint = hashlib.sha1(
            json.dumps(
                {
                    k: params.get(k)
                    for k in ("JobId", "Status", "StartOfCreateTime", "EndOfCreateTime", "OrderBy")
                },
                sort_keys=True,
            ).encode()
        ).hexdigest()[:24]
        offset = _offset_from_token(params.get("NextPageToken"), fingerprint)
        page = jobs[offset : offset + page_size]
        body: dict[str, Any] = {"Jobs": [_in_sdk_dialect(job) for job in page]}
        if offset + page_size < len(jobs):
            body["NextPageToken"] = f"{offset + page_size:08x}{fingerprint}"
        return body


def _read_json(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise ValueError(f"ICE emulator catalog file {path} is not valid JSON: {exc}") from None


def _invalid(name: str, raw: Any, allowed: str) -> IceError:
    message = f"The specified parameter {name} {raw!r} is not valid ({allowed})."
    return IceError(400, "InvalidParameter", message)


def _required(params: dict[str, str], name: str) -> str:
    if not params.get(name):
        raise IceError(400, "MissingParameter", f"{name} is mandatory for this action.")
    return params[name]


def _json_param(params: dict[str, str], name: str) -> list[dict[str, Any]]:
    """A parameter that must hold a JSON array of objects."""
    raw = _required(params, name)
    try:
        value = json.loads(raw)
    except ValueError:
        raise _invalid(name, raw[:80], "a JSON array") from None
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise _invalid(name, raw[:80], "a JSON array of objects")
    return value


def _text_field(
    item: dict[str, Any], where: str, name: str, *, required: bool = False, max_bytes: int | None = None
) -> str:
    label = f"{where}.{name}" if where else name
    value = item.get(name)
    if value is None or value == "":
        if required:
            raise IceError(400, "MissingParameter", f"{label} is mandatory for this action.")
        return ""
    if not isinstance(value, str):
        raise _invalid(label, value, "a string")
    if max_bytes is not None and len(value.encode("utf-8")) > max_bytes:
        raise _invalid(label, value[:40] + "…", f"at most {max_bytes} bytes")
    return value


def _float_field(value: Any, label: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise _invalid(label, value, "a number of seconds") from None
    if not number >= 0:
        raise _invalid(label, value, "a number of seconds, not negative")
    return number


def _int_param(params: dict[str, str], name: str, default: int, *, minimum: int | None = None) -> int:
    raw = params.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise _invalid(name, raw, "an integer") from None
    if minimum is not None and value < minimum:
        raise _invalid(name, raw, f"at least {minimum}")
    return value


def _one_of(params: dict[str, str], name: str, allowed: tuple[str, ...]) -> str | None:
    raw = params.get(name)
    if raw in (None, ""):
        return None
    if raw not in allowed:
        raise _invalid(name, raw, "one of " + ", ".join(allowed))
    return raw


# How the official SDK's ListMediaInfoJobs models spell each key (canonical key → SDK key).
_SDK_VIDEO_KEYS = {
    canonical_key(k): k
    for k in (
        "Avg_fps", "Bit_rate", "Codec_long_name", "Codec_name", "Codec_tag", "Codec_tag_string",
        "Codec_time_base", "Dar", "Duration", "Fps", "Has_b_frames", "Height", "Index", "Lang", "Level",
        "NumFrames", "PixFmt", "Profile", "Rotate", "Sar", "Start_time", "Time_base", "Width",
    )
}  # fmt: skip
_SDK_AUDIO_KEYS = {
    canonical_key(k): k
    for k in (
        "Bitrate", "ChannelLayout", "Channels", "CodecLongName", "CodecName", "CodecTag", "CodecTagString",
        "CodecTimeBase", "Duration", "Index", "Lang", "SampleFmt", "SampleRate", "StartTime", "Timebase",
    )
}  # fmt: skip
_SDK_FILE_KEYS = {
    canonical_key(k): k
    for k in (
        "Bitrate", "Duration", "FileName", "FileSize", "FileStatus", "FileType", "FileUrl", "FormatName",
        "Height", "MediaId", "Region", "Width",
    )
}  # fmt: skip


def _respell(raw: Any, keys: dict[str, str]) -> Any:
    if not isinstance(raw, dict):
        return copy.deepcopy(raw)
    return {keys.get(canonical_key(str(k)), k): copy.deepcopy(v) for k, v in raw.items()}


def _in_sdk_dialect(job: dict[str, Any]) -> dict[str, Any]:
    """A job as ICE's ListMediaInfoJobs spells it for the SDK's models (see the module docstring)."""
    job = copy.deepcopy(job)
    prop = job.get("MediaInfoProperty")
    if not isinstance(prop, dict):
        return job
    for part, keys in (("VideoStreamInfoList", _SDK_VIDEO_KEYS), ("AudioStreamInfoList", _SDK_AUDIO_KEYS)):
        if isinstance(prop.get(part), list):
            prop[part] = [_respell(stream, keys) for stream in prop[part]]
    if "FileBasicInfo" in prop:
        prop["FileBasicInfo"] = _respell(prop["FileBasicInfo"], _SDK_FILE_KEYS)
    return job


def _time_param(params: dict[str, str], name: str) -> Any:
    raw = params.get(name)
    if not raw:
        return None
    value, problem = parse_time(raw)
    if problem:
        raise IceError(
            400,
            "InvalidParameter",
            f"The specified parameter {name} {raw!r} is not valid (use yyyy-MM-ddTHH:mm:ssZ, UTC).",
        )
    return value


def _submit_key(job: dict[str, Any]) -> tuple[str, str]:
    value, _ = parse_time(job.get("SubmitTime"))
    return (value.isoformat() if value else "", str(job.get("JobId", "")))


def _job_matches(job: dict[str, Any], params: dict[str, str], start: Any, end: Any) -> bool:
    if params.get("JobId") and job.get("JobId") != params["JobId"]:
        return False
    if params.get("Status") and job.get("Status") != params["Status"]:
        return False
    if start is None and end is None:
        return True
    submitted, _ = parse_time(job.get("SubmitTime"))
    if submitted is None:
        return False
    return (start is None or submitted >= start) and (end is None or submitted <= end)


def _offset_from_token(token: str | None, fingerprint: str) -> int:
    if not token:
        return 0
    if len(token) == 32 and token[8:] == fingerprint:
        try:
            return int(token[:8], 16)
        except ValueError:
            pass
    raise IceError(400, "InvalidParameter", f"The specified parameter NextPageToken {token!r} is not valid.")
