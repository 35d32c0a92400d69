"""The emulator's gatekeeper: verify a request's signature the way Alibaba Cloud's API gateway does.

ACS3-HMAC-SHA256 (the ``Authorization`` header) and the older RPC HMAC-SHA1 (``Signature`` parameter) are
checked against the emulator's AccessKeys: an unknown AccessKeyId is refused with
``InvalidAccessKeyId.NotFound`` (404), a signature that does not match with ``SignatureDoesNotMatch``
(403), a malformed or incomplete one with ``IncompleteSignature`` (400). A refused request is never
served, so every test that talks to the emulator proves the client's signer.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from urllib.parse import quote

from playgate.ice import signer

# The keys every emulator knows; add others with IceEmulator.add_access_key().
TEST_ACCESS_KEY_ID = "emulator-access-key-id"
TEST_ACCESS_KEY_SECRET = "emulator-access-key-secret"


class SignatureRefused(Exception):
    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def verify(
    keys: Mapping[str, str],
    method: str,
    path: str,
    query: Mapping[str, str],
    headers: Mapping[str, str],
    body: bytes,
) -> str:
    """The AccessKeyId of a correctly signed request; raises :class:`SignatureRefused` otherwise.

    ``headers`` have lower-case names; ``query`` holds the decoded URL (and, for v2, form) parameters.
    """
    auth = headers.get("authorization")
    if auth:
        return _verify_acs3(keys, method, path, query, headers, body, auth)
    if query.get("Signature"):
        return _verify_rpc_v2(keys, method, query)
    raise SignatureRefused(
        400,
        "IncompleteSignature",
        "The request signature does not conform to Aliyun standards: "
        "no Authorization header and no Signature parameter.",
    )


def _incomplete(what: str) -> SignatureRefused:
    return SignatureRefused(
        400, "IncompleteSignature", f"The request signature does not conform to Aliyun standards: {what}."
    )


def _secret(keys: Mapping[str, str], key_id: str) -> str:
    if key_id not in keys:
        raise SignatureRefused(404, "InvalidAccessKeyId.NotFound", "Specified access key is not found.")
    return keys[key_id]


def _mismatch(detail: str) -> SignatureRefused:
    return SignatureRefused(
        403,
        "SignatureDoesNotMatch",
        f"Specified signature is not matched with our calculation ({detail}).",
    )


def _verify_acs3(
    keys: Mapping[str, str],
    method: str,
    path: str,
    query: Mapping[str, str],
    headers: Mapping[str, str],
    body: bytes,
    auth: str,
) -> str:
    algorithm, _, rest = auth.partition(" ")
    if algorithm != signer.ALGORITHM:
        raise _incomplete(f"unsupported algorithm {algorithm!r}")
    fields = dict(part.strip().partition("=")[::2] for part in rest.split(","))
    key_id, names, given = fields.get("Credential"), fields.get("SignedHeaders"), fields.get("Signature")
    if not (key_id and names and given):
        raise _incomplete("Authorization needs Credential, SignedHeaders and Signature")
    signed = names.split(";")
    must = {"host", "x-acs-content-sha256"} | {h for h in headers if h.startswith("x-acs-")}
    if missing := sorted(h for h in must if h not in signed):
        raise _incomplete(f"headers present but not signed: {', '.join(missing)}")
    if absent := [h for h in signed if h not in headers]:
        raise _incomplete(f"signed headers not sent: {', '.join(absent)}")
    secret = _secret(keys, key_id)
    payload = headers["x-acs-content-sha256"]
    if hashlib.sha256(body).hexdigest() != payload:
        raise _mismatch("x-acs-content-sha256 is not the SHA-256 of the body")
    text, _ = signer.string_to_sign(method, path, query, {h: headers[h] for h in signed}, payload)
    if not hmac.compare_digest(signer.signature(secret, text), given):
        raise _mismatch(f"server string to sign is: {text!r}")
    return key_id


def _verify_rpc_v2(keys: Mapping[str, str], method: str, params: Mapping[str, str]) -> str:
    key_id = params.get("AccessKeyId") or ""
    if params.get("SignatureMethod") != "HMAC-SHA1" or not key_id:
        raise _incomplete("an RPC signature needs SignatureMethod=HMAC-SHA1 and an AccessKeyId")
    secret = _secret(keys, key_id)
    canonical = signer.canonical_query({k: v for k, v in params.items() if k != "Signature"})
    text = f"{method}&%2F&{quote(canonical, safe='~')}"
    digest = hmac.new(f"{secret}&".encode(), text.encode(), hashlib.sha1).digest()
    if not hmac.compare_digest(base64.b64encode(digest).decode(), params["Signature"]):
        raise _mismatch(f"server string to sign is: {text!r}")
    return key_id
