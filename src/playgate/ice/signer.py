"""ACS3-HMAC-SHA256, Alibaba Cloud's V3 request signature, as the official SDK computes it.

Canonical request (one field per line): method, path, canonical query (names sorted, names and values
percent-encoded per RFC 3986 with only ``A-Za-z0-9-_.~`` left alone, ``name=value`` joined by ``&``),
canonical headers (``name:value\\n`` for every signed header, lower-cased, values stripped), the signed
header names joined by ``;``, the hex SHA-256 of the body. The string to sign is the algorithm, a newline
and the hex SHA-256 of the canonical request; the signature is the hex HMAC-SHA256 of that with the
AccessKey secret. ``tests/ice/test_signer_matches_the_sdk.py`` holds this to ``alibabacloud_tea_openapi``.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
from collections.abc import Mapping
from urllib.parse import quote

ALGORITHM = "ACS3-HMAC-SHA256"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()


@functools.lru_cache(maxsize=1024)  # names, actions and most values repeat on every call
def percent_encode(text: str) -> str:
    return quote(text, safe="~", encoding="utf-8")


def canonical_query(query: Mapping[str, str | None]) -> str:
    pairs = sorted((percent_encode(k), percent_encode(v)) for k, v in query.items() if v is not None)
    return "&".join(f"{k}={v}" for k, v in pairs)


def canonical_headers(headers: Mapping[str, str]) -> tuple[str, str]:
    """``(canonical headers, signed header names)`` over every header given."""
    merged: dict[str, list[str]] = {}
    for name, value in headers.items():
        if value is not None:
            merged.setdefault(name.lower(), []).append(str(value).strip())
    names = sorted(merged)
    text = "".join(f"{n}:{','.join(sorted(merged[n]))}\n" for n in names)
    return text, ";".join(names)


def string_to_sign(
    method: str, path: str, query: Mapping[str, str | None], headers: Mapping[str, str], payload_sha256: str
) -> tuple[str, str]:
    """``(string to sign, signed header names)``."""
    header_text, signed = canonical_headers(headers)
    request = "\n".join((method, path or "/", canonical_query(query), header_text, signed, payload_sha256))
    digest = hashlib.sha256(request.encode("utf-8")).hexdigest()
    return f"{ALGORITHM}\n{digest}", signed


def signature(secret: str, text: str) -> str:
    return hmac.new(secret.encode("utf-8"), text.encode("utf-8"), hashlib.sha256).hexdigest()


def authorization(
    method: str,
    path: str,
    query: Mapping[str, str | None],
    headers: Mapping[str, str],
    payload_sha256: str,
    access_key_id: str,
    access_key_secret: str,
) -> str:
    """The ``Authorization`` header for a request whose every header in ``headers`` is signed."""
    text, signed = string_to_sign(method, path, query, headers, payload_sha256)
    return (
        f"{ALGORITHM} Credential={access_key_id},SignedHeaders={signed},"
        f"Signature={signature(access_key_secret, text)}"
    )
