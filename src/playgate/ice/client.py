"""The ICE client: GetMediaInfo, GetPlayInfo and ListMediaInfoJobs.

Each call is one RPC request signed with ACS3-HMAC-SHA256 (``playgate.ice.signer``, held to the official
SDK by a test) over kept-alive connections (``playgate.ice.transport``): the official SDK's import alone
costs more than a whole FC cold start should. This module retries (``playgate.ice.retry``) and turns every
failure into a ``playgate.errors`` class whose message names the action, the media, ICE's code, message
and request id, and never a credential.
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from playgate.errors import (
    AccessDenied,
    ConfigError,
    DeadlineExceeded,
    IceUnavailable,
    InvalidRequest,
    MediaNotFound,
    Misconfigured,
    PlaygateError,
)
from playgate.ice.credentials import Credentials, resolve_credentials, where_from
from playgate.ice.retry import GiveUp, RetryPolicy, run_with_retries
from playgate.ice.transport import Answer, Transport
from playgate.log import redact_text, register_secret

if TYPE_CHECKING:
    from playgate.ice.model import MediaSnapshot
    from playgate.settings import Settings

API_VERSION = "2020-11-09"

# What ICE answers when the function itself is set up wrong (any media would get the same): its key, its
# secret, its STS token, its role's permissions, or an endpoint that is not ICE 2020-11-09.
_KEY_CODES = ("InvalidAccessKeyId",)
_SECRET_CODES = ("SignatureDoesNotMatch", "IncompleteSignature", "MissingSignature", "InvalidAuthorization")
_TOKEN_CODES = ("InvalidSecurityToken",)
_PERMISSION_CODES = ("Forbidden", "NoPermission", "OperationDenied", "ActionUnauthorized")
_ENDPOINT_CODES = ("InvalidAction", "InvalidVersion")
_THROTTLING_CODES = ("Throttling", "RequestsTooFrequent", "ServiceUnavailable", "ServiceUnAvailable")
_NOT_FOUND_CODES = ("ResourceNotFound", "MediaNotExist", "NotFound", "NotExist")


@dataclass
class CallFailed(Exception):
    """One attempt failed. ``retryable`` decides whether the retry loop tries again."""

    retryable: bool
    code: str | None
    message: str
    status: int | None = None
    request_id: str | None = None
    retry_after_s: float | None = None

    def __str__(self) -> str:
        return self.describe()

    def describe(self) -> str:
        parts = [self.code or "no code", self.message.rstrip(". ")]
        if self.status:
            parts.append(f"HTTP {self.status}")
        parts.append(f"request id {self.request_id or 'unknown'}")
        return ", ".join(p for p in parts if p)


def resolve_endpoint(settings: Settings, region: str | None) -> tuple[str, str]:
    """``(host[:port], protocol)`` from ``PLAYGATE_ICE_ENDPOINT`` or the region."""
    if settings.ice_endpoint:
        raw = settings.ice_endpoint.strip()
        parts = urlsplit(raw if "://" in raw else f"https://{raw}")
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ConfigError(
                f"PLAYGATE_ICE_ENDPOINT={raw!r} is not an endpoint: use a host such as "
                "ice.cn-shanghai.aliyuncs.com or a URL such as http://127.0.0.1:8790."
            )
        return parts.netloc, parts.scheme
    if not region:
        raise ConfigError(
            "No ICE region: set PLAYGATE_REGION (e.g. cn-shanghai), run in FC (context.region), set "
            "ALIBABA_CLOUD_REGION_ID, or point PLAYGATE_ICE_ENDPOINT at an endpoint."
        )
    prefix = "ice-vpc" if settings.ice_vpc else "ice"
    return f"{prefix}.{region}.aliyuncs.com", "https"


def _utc_text(value: datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _failure(answer: Answer) -> CallFailed:
    """Classify an answer that is not a 2xx JSON object."""
    status = answer.status
    request_id = answer.headers.get("x-acs-request-id")
    data = _json_object(answer.body)
    if data is not None and (data.get("Code") or data.get("code")):
        code = str(data.get("Code") or data.get("code"))
        message = str(data.get("Message") or data.get("message") or "")
        request_id = str(data.get("RequestId") or data.get("requestId") or request_id or "") or None
        retryable = code.startswith(_THROTTLING_CODES) or status >= 500 or status == 429
        return CallFailed(retryable, code, message, status, request_id, _retry_after_s(answer))
    # Not an ICE error body: a proxy page, a front end's HTML 414, a truncated answer. Only what can get
    # better by itself is retried (5xx, 429, a cut-off 2xx); any other 4xx will be the same next time.
    kind = answer.headers.get("content-type", "no content type")
    said = redact_text(answer.body[:160].decode("utf-8", "replace"))
    if 200 <= status < 300:
        return CallFailed(True, "MalformedResponse", f"ICE answered with a body that is not JSON: {said}")
    retryable = status >= 500 or status == 429
    message = f"the answer is not an ICE error ({kind}): {said or 'empty body'}"
    return CallFailed(retryable, f"HTTP{status}", message, status, request_id, _retry_after_s(answer))


def _outcome(answer: Answer | OSError) -> dict[str, Any] | CallFailed:
    """An ICE answer's JSON body, or what went wrong."""
    if not isinstance(answer, Answer):
        return _connection_failure(answer)
    body = _json_object(answer.body) if 200 <= answer.status < 300 else None
    return body if body is not None else _failure(answer)


def _json_object(body: bytes) -> dict[str, Any] | None:
    try:
        data = json.loads(body)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _retry_after_s(answer: Answer) -> float | None:
    try:
        return float(answer.headers.get("retry-after", "")) or None
    except ValueError:
        return None


# Whole words only: a request URL in the message carries AuthTimeout=…, which is no timeout.
_TIMED_OUT = re.compile(r"timed out|\b(?:read|connect)?timeout(?:error)?\b", re.IGNORECASE)


def _connection_failure(exc: OSError) -> CallFailed:
    """A failure to talk to ICE at all, said plainly: refused, timed out, or another network error."""
    message = str(exc) or type(exc).__name__
    if isinstance(exc, ConnectionRefusedError) or "refused" in message.lower():
        return CallFailed(
            True,
            "ConnectionRefused",
            "connection refused: nothing accepts connections there "
            "(check PLAYGATE_ICE_ENDPOINT or the region, and the network)",
        )
    if isinstance(exc, TimeoutError) or _TIMED_OUT.search(message):
        return CallFailed(True, "Timeout", message)
    return CallFailed(True, "ConnectionError", message)


def retry_policy(settings: Any) -> RetryPolicy:
    """The PLAYGATE_ICE_* attempts, budget and timeout of one ICE call."""
    return RetryPolicy(
        max_attempts=settings.ice_max_attempts,
        budget_s=settings.ice_deadline_s,
        timeout_s=settings.ice_timeout_s,
    )


class IceClient:
    """GetMediaInfo ∥ GetPlayInfo → one ``MediaSnapshot``; ListMediaInfoJobs page by page."""

    def __init__(
        self,
        *,
        endpoint: str,
        protocol: str = "https",
        region_id: str | None = None,
        credentials: Credentials | None = None,
        policy: RetryPolicy | None = None,
        auth_timeout_s: int = 3600,
        output_type: str = "oss",
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.endpoint = endpoint
        self.protocol = protocol.lower()
        self.region_id = region_id
        self.policy = policy or RetryPolicy()
        self.auth_timeout_s = auth_timeout_s
        self.output_type = output_type
        self._credentials = credentials
        if credentials is not None:
            for secret in (
                credentials.access_key_id,
                credentials.access_key_secret,
                credentials.security_token,
            ):
                register_secret(secret)
        self._sleep = sleep
        self._clock = clock
        self._transport: Transport | None = None
        self._transport_lock = threading.Lock()
        self.rate_limiter: Any = None  # anything with acquire(): the reconciler's ceiling on calls per second

    def __repr__(self) -> str:
        return f"IceClient(endpoint={self.protocol}://{self.endpoint}, credentials={self._credentials!r})"

    @classmethod
    def from_settings(cls, settings: Settings, context: Any = None) -> IceClient:
        """Client for this invocation: credentials chain, region, endpoint, timeouts from settings.

        In FC 2.0 the context's STS credentials are fresh per invocation: build a client per invocation
        (cheap: a client holds no more than its credentials and idle connections).
        """
        region = settings.resolved_region(getattr(context, "region", None) if context is not None else None)
        endpoint, protocol = resolve_endpoint(settings, region)
        policy = retry_policy(settings)
        return cls(
            endpoint=endpoint,
            protocol=protocol,
            region_id=region,
            credentials=resolve_credentials(settings, context),
            policy=policy,
            auth_timeout_s=settings.auth_timeout_s,
            output_type=settings.output_type,
        )

    # --- the three operations ------------------------------------------------------------------------
    def get_media_info(self, media_id: str, *, deadline: float | None = None) -> dict[str, Any]:
        return self._call("GetMediaInfo", self._media_query(media_id), media_id=media_id, deadline=deadline)

    def get_play_info(self, media_id: str, *, deadline: float | None = None) -> dict[str, Any]:
        return self._call("GetPlayInfo", self._play_query(media_id), media_id=media_id, deadline=deadline)

    def list_media_info_jobs(
        self,
        start: datetime,
        end: datetime,
        *,
        status: str | None = None,
        page_size: int = 100,
        order_by: str = "CreateTimeAsc",
        deadline: float | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Jobs created in ``[start, end]``, fetched lazily one page (``page_size`` jobs) at a time."""
        if end < start:
            raise InvalidRequest(f"ListMediaInfoJobs: the window ends ({end}) before it starts ({start}).")
        base = {
            "StartOfCreateTime": _utc_text(start),
            "EndOfCreateTime": _utc_text(end),
            "OrderBy": order_by,
            "PageSize": str(page_size),
        }
        if status:
            base["Status"] = status
        token: str | None = None
        seen: set[str] = set()
        while True:
            query = dict(base, NextPageToken=token) if token else base
            body = self._call("ListMediaInfoJobs", query, media_id=None, deadline=deadline)
            jobs = body.get("Jobs") or []
            yield from (job for job in jobs if isinstance(job, dict))
            token = body.get("NextPageToken") or None
            if not token or not jobs or token in seen:
                return
            seen.add(token)

    def get_media_info_job(self, job_id: str, *, deadline: float | None = None) -> dict[str, Any] | None:
        """One media-information job by id (ListMediaInfoJobs with JobId), or None when ICE has none."""
        body = self._call("ListMediaInfoJobs", {"JobId": job_id}, media_id=None, deadline=deadline)
        jobs = [j for j in body.get("Jobs") or [] if isinstance(j, dict) and j.get("JobId") == job_id]
        return jobs[0] if jobs else None

    def fetch(self, media_id: str, *, deadline: float | None = None) -> MediaSnapshot:
        """GetMediaInfo and GetPlayInfo at the same time, merged into one snapshot.

        Both first attempts are in flight together (one round trip, no threads); a call whose first
        attempt failed retryably goes on with its own retries. A media that GetMediaInfo finds but
        GetPlayInfo does not (an OSS-only media has no renditions) still gives a snapshot: no renditions,
        and a parse note saying why. A media GetMediaInfo does not find raises ``MediaNotFound`` whatever
        GetPlayInfo said.
        """
        from playgate.ice.model import ParseNote, build_snapshot

        queries = {"GetMediaInfo": self._media_query(media_id), "GetPlayInfo": self._play_query(media_id)}
        first = self._first_attempts(queries, deadline)
        media_info = self._call(
            "GetMediaInfo", queries["GetMediaInfo"], media_id=media_id, deadline=deadline,
            first=first.get("GetMediaInfo"),
        )  # fmt: skip
        try:
            play_info: dict[str, Any] | None = self._call(
                "GetPlayInfo", queries["GetPlayInfo"], media_id=media_id, deadline=deadline,
                first=first.get("GetPlayInfo"),
            )  # fmt: skip
            missing: MediaNotFound | None = None
        except MediaNotFound as exc:
            play_info, missing = None, exc
        snapshot = build_snapshot(media_info=media_info, play_info=play_info)
        if missing is not None:
            note = ParseNote(
                path="GetPlayInfo", raw=missing.code, problem=f"no play info, so no renditions: {missing}"
            )
            snapshot.notes.append(note)
        return snapshot

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()

    # --- plumbing ----------------------------------------------------------------------------------
    def _media_query(self, media_id: str) -> dict[str, str]:
        return {"MediaId": media_id, "OutputType": self.output_type, "AuthTimeout": str(self.auth_timeout_s)}

    def _play_query(self, media_id: str) -> dict[str, str]:
        return {"MediaId": media_id, "AuthTimeout": str(self.auth_timeout_s)}

    def _first_attempts(
        self, queries: dict[str, dict[str, str]], deadline: float | None
    ) -> dict[str, dict[str, Any] | CallFailed]:
        """The first attempt of each call, all in flight at once; nothing when no attempt may start (the
        retry loop then says so)."""
        remaining = self.policy.budget_s
        if deadline is not None:
            remaining = min(remaining, deadline - self._clock())
        if remaining < self.policy.min_attempt_s:
            return {}
        transport = self._transport_for_calls()
        if self.rate_limiter is not None:
            for _ in queries:
                self.rate_limiter.acquire()
        answers = transport.call_all(list(queries.items()), min(self.policy.timeout_s, remaining))
        return {action: _outcome(answer) for action, answer in zip(queries, answers, strict=True)}

    def _call(
        self,
        action: str,
        query: dict[str, str],
        *,
        media_id: str | None,
        deadline: float | None,
        first: dict[str, Any] | CallFailed | None = None,
    ) -> dict[str, Any]:
        """One call with retries; ``first`` is the outcome of a first attempt already made."""
        made = [first] if first is not None else []

        def attempt(timeout_s: float) -> dict[str, Any]:
            if made:
                outcome = made.pop()
                if isinstance(outcome, CallFailed):
                    raise outcome
                return outcome
            return self._send(action, query, timeout_s)

        try:
            return run_with_retries(
                attempt,
                retryable=lambda exc: isinstance(exc, CallFailed) and exc.retryable,
                retry_after=lambda exc: getattr(exc, "retry_after_s", None),
                policy=self.policy,
                deadline=deadline,
                clock=self._clock,
                sleep=self._sleep,
            )
        except GiveUp as stop:
            raise self._gave_up(action, media_id, stop) from None
        except CallFailed as failure:
            raise self._final(action, media_id, failure) from None

    def _send(self, action: str, query: dict[str, str], timeout_s: float) -> dict[str, Any]:
        transport = self._transport_for_calls()
        if self.rate_limiter is not None:
            self.rate_limiter.acquire()
        outcome = _outcome(transport.call_all([(action, query)], timeout_s)[0])
        if isinstance(outcome, CallFailed):
            raise outcome
        return outcome

    def warm(self) -> IceClient:
        """Set up the transport now (FC's initializer): credentials, asked once here so that a function
        without any fails to start (``NoCredentials``) instead of on every event, and, for HTTPS, the TLS
        context and the first connection, so the first event does not pay for them."""
        transport = self._transport_for_calls()
        transport.credentials()
        with contextlib.suppress(OSError):  # the first call connects again
            transport.warm(self.policy.timeout_s)
        return self

    def _transport_for_calls(self) -> Transport:
        if self._transport is None:
            with self._transport_lock:
                if self._transport is None:
                    self._transport = Transport(self.endpoint, self.protocol, self._credentials_source())
        return self._transport

    def _credentials_source(self) -> Callable[[], Credentials]:
        creds = self._credentials
        if creds is not None:
            return lambda: creds
        from playgate.ice.credentials import default_chain

        return default_chain()

    def _where(self, action: str, media_id: str | None) -> str:
        target = f" for media {media_id!r}" if media_id else ""
        return f"ICE {action}{target} at {self.protocol}://{self.endpoint}"

    def _final(self, action: str, media_id: str | None, failure: CallFailed) -> PlaygateError:
        where = self._where(action, media_id)
        code, status = failure.code or "", failure.status
        kw = {"code": failure.code, "request_id": failure.request_id}
        misconfigured = self._misconfigured(action, code, status)
        if misconfigured is not None:
            kind, fix = misconfigured
            said = f"{where} was refused: {failure.describe()}. The function is misconfigured: {fix}"
            return kind(redact_text(said), **kw)
        said = failure.message.lower()
        not_found = (status == 404 and not code.startswith("HTTP")) or code.endswith(_NOT_FOUND_CODES)
        not_found = not_found or (code == "InvalidParameter" and ("not exist" in said or "not found" in said))
        if media_id and not_found:
            advice = "check the MediaId in the event and that the endpoint is the media's region."
            return MediaNotFound(
                redact_text(f"{where}: no such media: {failure.describe()}. Fix: {advice}"), **kw
            )
        advice = "check the request parameters and the API version; retrying will not help."
        return InvalidRequest(redact_text(f"{where} was rejected: {failure.describe()}. {advice}"), **kw)

    def _misconfigured(
        self, action: str, code: str, status: int | None
    ) -> tuple[type[Misconfigured], str] | None:
        """What to fix when ICE's answer blames the function's own credentials, role or endpoint."""
        source = where_from(self._credentials.source if self._credentials else "default-chain")
        if code.startswith(_KEY_CODES):
            return AccessDenied, f"ICE does not know the access key id (or it is disabled): fix {source}."
        if code.startswith(_SECRET_CODES):
            return AccessDenied, f"the access key secret does not match the key id: fix {source}."
        if code.startswith(_TOKEN_CODES):
            return (
                AccessDenied,
                f"the STS security token is expired, malformed or not the key's: renew {source}.",
            )
        if code.startswith(_PERMISSION_CODES) or status in (401, 403):
            return AccessDenied, (
                f"the credentials from {source} may not call ice:{action}: grant ice:{action} to the "
                "function's role or RAM user (RAM policy), and check the region."
            )
        if code.startswith(_ENDPOINT_CODES):
            return Misconfigured, (
                "the endpoint does not answer as ICE 2020-11-09: check PLAYGATE_ICE_ENDPOINT and "
                "PLAYGATE_REGION."
            )
        return None

    def _gave_up(self, action: str, media_id: str | None, stop: GiveUp) -> PlaygateError:
        last = stop.last if isinstance(stop.last, CallFailed) else None
        why = {
            "attempts": f"after {stop.attempts} attempt(s)",
            "budget": f"within the ICE budget (PLAYGATE_ICE_DEADLINE_S) after {stop.attempts} attempt(s)",
            "deadline": f"before the function's deadline after {stop.attempts} attempt(s)",
        }[stop.why]
        cause = last.describe() if last else "no attempt could start"
        message = redact_text(
            f"{self._where(action, media_id)} did not answer {why} in {stop.elapsed_s:.2f} s; "
            f"last error: {cause}. "
            "This is temporary; if it persists check ICE's status and QPS."
        )
        kw = {"code": last.code if last else None, "request_id": last.request_id if last else None}
        if stop.why == "deadline":
            return DeadlineExceeded(message, **kw)
        return IceUnavailable(message, **kw)
