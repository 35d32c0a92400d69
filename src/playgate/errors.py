"""Errors are values with a kind.

Every failure playgate meets is either *retryable* (let FC / EventBridge deliver the event again) or
*final* (record it: an alert or a dead letter, and never retry). ``reason`` is the machine-readable
word that ends up in a ``qc.alert`` or dead-letter record. A :class:`Misconfigured` function is
neither the event's fault nor a passing fault: it fails the invocation until someone fixes it.
"""

from __future__ import annotations


class PlaygateError(Exception):
    """Base class. ``retryable`` says whether trying again later can succeed."""

    retryable: bool = False
    reason: str = "error"

    def __init__(self, message: str, *, code: str | None = None, request_id: str | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.request_id = request_id

    def as_dict(self) -> dict[str, str | None]:
        return {"reason": self.reason, "code": self.code, "message": self.message}


class RetryableError(PlaygateError):
    retryable = True
    reason = "retryable"


class FinalError(PlaygateError):
    retryable = False
    reason = "final"


# --- ICE ---------------------------------------------------------------------------------------
class IceError(FinalError):
    """ICE refused the request for a reason that retrying will not fix."""

    reason = "ice_error"


class MediaNotFound(IceError):
    reason = "media_not_found"


class Misconfigured(RetryableError):
    """The function itself is set up wrong, not the event: its credentials (an unknown or disabled key, a
    secret that does not match, an expired STS token, none at all), its role's permissions or its
    endpoint. Nothing is recorded: the claim is released and the invocation fails, so every event comes
    back once it is fixed. The message says what to fix."""

    reason = "misconfigured"


class AccessDenied(Misconfigured):
    """ICE refused the function's own credentials or role (InvalidAccessKeyId, SignatureDoesNotMatch,
    InvalidSecurityToken, Forbidden.RAM, NoPermission…)."""

    reason = "access_denied"


class NoCredentials(Misconfigured):
    """No credential source yields an access key (the default chain found none)."""

    reason = "no_credentials"


class InvalidRequest(IceError):
    reason = "ice_error"


class MediaNotReady(FinalError):
    reason = "media_not_ready"


class MediaStillPreparing(RetryableError):
    """ICE is still preparing the media and the event is young enough: ask for the event again later."""

    reason = "media_still_preparing"


class IceUnavailable(RetryableError):
    """Throttling, 5xx, timeouts or connection errors outlasted the retry budget."""

    reason = "ice_unavailable"


# --- events, rules, sinks, store -----------------------------------------------------------------
class MalformedEvent(FinalError):
    """The trigger payload is not an ICE event playgate can read."""

    reason = "malformed_event"


class RuleFileError(FinalError):
    """A rule file failed validation. The message names the file, rule, field and what is allowed."""

    reason = "rule_file_invalid"


class SinkUnavailable(RetryableError):
    """A sink could not take the message right now (queue down, disk full, network)."""

    reason = "sink_unavailable"
    retry_now = True  # worth another attempt within this send
    retry_after_s: float | None = None  # the receiver's Retry-After, when it gave one


class ConfigError(FinalError):
    """A setting is missing or wrong; the message names the variable and what it accepts."""

    reason = "config_error"


class StoreUnavailable(RetryableError):
    reason = "store_unavailable"


class EventInProgress(RetryableError):
    """Another instance holds the event's claim; redeliver rather than acknowledge (it might crash)."""

    reason = "in_progress_elsewhere"


class DeadlineExceeded(RetryableError):
    """Not enough of the function's time is left to start the next step safely."""

    reason = "deadline_exceeded"


class SinkRejected(FinalError):
    """A sink refused the message for a reason retrying will not fix: a missing queue or topic, bad
    credentials, no permission, a message that cannot be shortened enough."""

    reason = "sink_rejected"


class Unauthenticated(FinalError):
    """An HTTP callback without ICE's valid, fresh, unused signature (or unsigned, not allowed)."""

    reason = "unauthenticated_callback"


class Unconfirmed(FinalError):
    """What an event says that ICE itself does not confirm (an unknown job or media): never published."""

    reason = "unconfirmed_by_ice"
