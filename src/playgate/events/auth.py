"""ICE HTTP callback authentication (headers ``X-ICE-TIMESTAMP`` and ``X-ICE-SIGNATURE``).

ICE's documentation (IMS "Callback authentication", help.aliyun.com/document_detail/610690.html and its
English, Japanese and Portuguese versions) gives ``X-ICE-SIGNATURE = md5("<callback url>|<timestamp>|<key>")``
as 32 hex characters. Its worked example, ``md5sum(https://www.example.com/your/callback|1519375990|Test123)
= c72b60894140fa98920f1279219b****``, only reproduces with the key spelt ``test123``: the pipe form is
right and the example's key is mistyped. Only that form is accepted: no source shows ICE using a bare
concatenation, and accepting one too would double the accepted signatures and let one cross URLs.

The signature covers the URL and the timestamp, not the body: a captured pair of headers is only good
once (the handler keeps it as a one-time nonce for its lifetime, :func:`nonce_key`), a timestamp from the
future is accepted by at most :data:`MAX_FUTURE_SKEW_S` (clock drift, not a window to pre-sign in), and
what the body says is confirmed with ICE before it is published.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Mapping
from typing import Any

TIMESTAMP_HEADER = "X-ICE-TIMESTAMP"
SIGNATURE_HEADER = "X-ICE-SIGNATURE"
MAX_FUTURE_SKEW_S = 5  # seconds a timestamp may be ahead of this clock


def sign_http_callback(url: str, timestamp: int | str, auth_key: str) -> str:
    """The documented signature: ``md5("<url>|<timestamp>|<key>")`` as lowercase hex."""
    return hashlib.md5(f"{url}|{timestamp}|{auth_key}".encode()).hexdigest()


def verify_http_callback(
    url: str,
    timestamp: str | int | None,
    signature: str | None,
    auth_key: str,
    *,
    now: float | None = None,
    max_skew_s: float = 300,
) -> bool:
    """Whether an HTTP callback is ICE's: the signature matches and the timestamp is fresh.

    ``url`` is the callback URL configured in ICE (SetEventCallback), exactly as configured. A timestamp
    more than ``max_skew_s`` seconds before ``now`` is stale, one more than :data:`MAX_FUTURE_SKEW_S`
    after it is refused. Never raises.
    """
    try:
        if not (
            isinstance(url, str) and isinstance(auth_key, str) and auth_key and isinstance(signature, str)
        ):
            return False
        stamp = (
            str(timestamp).strip()
            if isinstance(timestamp, int | str) and not isinstance(timestamp, bool)
            else ""
        )
        if not (stamp.isascii() and stamp.isdigit() and len(stamp) <= 12):
            return False
        current = time.time() if now is None else now
        if not -MAX_FUTURE_SKEW_S <= current - int(stamp) <= max_skew_s:
            return False
        given = signature.strip().lower()
        if len(given) != 32 or not given.isascii():
            return False
        return hmac.compare_digest(given, sign_http_callback(url, stamp, auth_key))
    except Exception:
        return False


def http_callback_headers(trigger: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """``(timestamp, signature)`` from an FC HTTP trigger event's headers, whatever their case."""
    headers = trigger.get("headers") if isinstance(trigger, Mapping) else None
    if not isinstance(headers, Mapping):
        return None, None
    lowered = {str(k).lower(): v for k, v in headers.items()}

    def one(name: str) -> str | None:
        value = lowered.get(name.lower())
        if isinstance(value, list):
            value = value[0] if value else None
        return value if isinstance(value, str) else None

    return one(TIMESTAMP_HEADER), one(SIGNATURE_HEADER)


def verify_http_trigger(
    trigger: Mapping[str, Any], url: str, auth_key: str, *, now: float | None = None, max_skew_s: float = 300
) -> bool:
    """:func:`verify_http_callback` on an FC 3.0 HTTP trigger event (reads the two headers)."""
    timestamp, signature = http_callback_headers(trigger)
    return verify_http_callback(url, timestamp, signature, auth_key, now=now, max_skew_s=max_skew_s)


def nonce_key(timestamp: str | None, signature: str | None) -> str:
    """The idempotency-store key that marks a (timestamp, signature) pair as used."""
    return f"callback-nonce:{(timestamp or '').strip()}:{(signature or '').strip().lower()}"
