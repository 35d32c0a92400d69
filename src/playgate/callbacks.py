"""Who may send an HTTP callback (FC HTTP trigger): ICE's signature, used once; unsigned ones by opt-in.

ICE signs the callback URL and the timestamp, not the body (:mod:`playgate.events.auth`), so captured
headers could carry any body. A (timestamp, signature) pair is therefore admitted once: it is claimed in
the idempotency store under ``callback-nonce:<timestamp>:<signature>`` for as long as the timestamp could
be accepted, completed when the callback was handled, and released when it must be retried (ICE sends
the same request again). What the body claims that ICE can confirm is confirmed by the gate.

Two callbacks ICE sends within the same second carry the same pair too (nothing else is signed). A used
pair is therefore answered 503, not 401: a replay publishes nothing either way, and ICE's retry of a
genuine second callback a second later can pass with its new timestamp.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from playgate import log
from playgate.errors import EventInProgress, PlaygateError, Unauthenticated
from playgate.events.auth import MAX_FUTURE_SKEW_S, nonce_key, verify_http_callback
from playgate.settings import Settings
from playgate.store.base import ClaimStatus

UNSIGNED_REFUSED = (
    "unsigned HTTP callbacks are refused: set PLAYGATE_CALLBACK_AUTH_KEY to ICE's callback AuthKey "
    "(or PLAYGATE_CALLBACK_ALLOW_UNSIGNED=true to accept them knowingly)"
)
BAD_SIGNATURE = "missing, wrong or stale X-ICE-SIGNATURE / X-ICE-TIMESTAMP"


class PairUsed(Unauthenticated):
    """The (timestamp, signature) pair was used already: a replay, or a second callback in that second."""


@dataclass(frozen=True)
class Admission:
    """An admitted callback; ``nonce`` and ``token`` hold its one-time claim (None when unsigned)."""

    nonce: str | None = None
    token: str | None = None


def admit(http_auth: tuple[str | None, str | None], settings: Settings, store: Any) -> Admission:
    """Admit a callback carrying these (X-ICE-TIMESTAMP, X-ICE-SIGNATURE) headers, or raise.

    Raises :class:`Unauthenticated` (unsigned and not allowed, a wrong or stale signature),
    :class:`PairUsed`, or a retryable error (the same pair is being handled right now; the store is down).
    """
    key = settings.callback_auth_key
    if key is None:
        if settings.callback_allow_unsigned:
            return Admission()
        raise Unauthenticated(UNSIGNED_REFUSED)
    timestamp, signature = http_auth
    if not verify_http_callback(
        settings.callback_url or "",
        timestamp,
        signature,
        key.get_secret_value(),
        max_skew_s=settings.callback_max_skew_s,
    ):
        raise Unauthenticated(BAD_SIGNATURE)
    nonce = nonce_key(timestamp, signature)
    claim = store.claim(nonce, in_progress_ttl_s=_window_s(settings))
    if claim.status is ClaimStatus.COMPLETED:
        raise PairUsed(
            "this X-ICE-TIMESTAMP / X-ICE-SIGNATURE pair was used already (a replay, or a second callback "
            "signed in the same second: send it again with a new timestamp)"
        )
    if claim.status is ClaimStatus.IN_PROGRESS:
        raise EventInProgress("a callback with the same X-ICE-SIGNATURE is being handled right now")
    return Admission(nonce=nonce, token=claim.token)


def settle(admission: Admission, settings: Settings, store: Any, *, handled: bool) -> None:
    """Mark the pair used when its callback was handled; free it for ICE's retry when it was not."""
    if admission.nonce is None or admission.token is None:
        return
    try:
        if handled:
            outcome = {"status": "used"}
            store.complete(admission.nonce, admission.token, outcome, ttl_s=_window_s(settings))
        else:
            store.release(admission.nonce, admission.token)
    except PlaygateError as error:  # the claim still expires on its own; the event itself is recorded
        log.get_logger().warning("callback.nonce_not_settled", error=str(error))


def _window_s(settings: Settings) -> float:
    """How long a timestamp can be accepted: a used pair is remembered that long."""
    return float(settings.callback_max_skew_s + MAX_FUTURE_SKEW_S + 1)
