"""Where the ICE client's credentials come from: the first source that has them wins.

1. explicit settings (``PLAYGATE_ACCESS_KEY_ID`` / ``_SECRET`` / ``PLAYGATE_SECURITY_TOKEN``);
2. FC 2.0 ``context.credentials`` (the function role's STS credentials, fresh per invocation);
3. the FC 3.0 environment (``ALIBABA_CLOUD_ACCESS_KEY_ID`` / ``_SECRET`` / ``ALIBABA_CLOUD_SECURITY_TOKEN``);
4. none of these: ``None``, and the client asks Alibaba Cloud's default credential chain
   (``alibabacloud-credentials``: ECS/RRSA roles, credentials file…), imported only then. A chain that
   yields nothing is :class:`NoCredentials`: the function is misconfigured, the event is not used up.

Every secret found is registered with the log redactor before anything can print it.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from playgate.errors import ConfigError, NoCredentials
from playgate.log import redact_text, register_secret

# Where each source's credentials are set: what an error about them tells the operator to fix.
_SOURCES = {
    "settings": "PLAYGATE_ACCESS_KEY_ID/PLAYGATE_ACCESS_KEY_SECRET (and PLAYGATE_SECURITY_TOKEN)",
    "fc-context": "the function's role (FC passes its STS credentials in the context)",
    "environment": "ALIBABA_CLOUD_ACCESS_KEY_ID/_SECRET (and ALIBABA_CLOUD_SECURITY_TOKEN)",
    "default-chain": "the default credential chain's source (credentials file, RRSA or instance role)",
}


def where_from(source: str) -> str:
    return _SOURCES.get(source, source)


@dataclass(frozen=True)
class Credentials:
    access_key_id: str = field(repr=False)
    access_key_secret: str = field(repr=False)
    security_token: str | None = field(default=None, repr=False)
    source: str = "settings"

    def __repr__(self) -> str:
        kind = "sts" if self.security_token else "access_key"
        return f"Credentials(source={self.source!r}, type={kind!r})"


def _secret(value: Any) -> str | None:
    if value is None:
        return None
    text = value.get_secret_value() if hasattr(value, "get_secret_value") else str(value)
    return text or None


def _pair(
    key_id: str | None, secret: str | None, token: str | None, source: str, names: str
) -> Credentials | None:
    if not key_id and not secret:
        return None
    if not key_id or not secret:
        raise ConfigError(
            f"Incomplete ICE credentials from {source}: {names} must be set together (one is missing). "
            "Set both, or neither to fall back to the next credential source."
        )
    for value in (key_id, secret, token):
        register_secret(value)
    return Credentials(key_id, secret, token or None, source)


def from_settings(settings: Any) -> Credentials | None:
    return _pair(
        _secret(getattr(settings, "access_key_id", None)),
        _secret(getattr(settings, "access_key_secret", None)),
        _secret(getattr(settings, "security_token", None)),
        "settings",
        "PLAYGATE_ACCESS_KEY_ID and PLAYGATE_ACCESS_KEY_SECRET",
    )


def from_fc_context(context: Any) -> Credentials | None:
    creds = getattr(context, "credentials", None) if context is not None else None
    if creds is None:
        return None

    def read(name: str) -> str | None:
        value = creds.get(name) if isinstance(creds, Mapping) else getattr(creds, name, None)
        return _secret(value)

    return _pair(
        read("access_key_id"),
        read("access_key_secret"),
        read("security_token"),
        "fc-context",
        "context.credentials.access_key_id and access_key_secret",
    )


def from_environment(environ: Mapping[str, str] | None = None) -> Credentials | None:
    env = os.environ if environ is None else environ
    return _pair(
        env.get("ALIBABA_CLOUD_ACCESS_KEY_ID") or None,
        env.get("ALIBABA_CLOUD_ACCESS_KEY_SECRET") or None,
        env.get("ALIBABA_CLOUD_SECURITY_TOKEN") or None,
        "environment",
        "ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET",
    )


def resolve_credentials(
    settings: Any, context: Any = None, environ: Mapping[str, str] | None = None
) -> Credentials | None:
    """The first source with credentials; ``None`` means: use the SDK's default credential chain."""
    return from_settings(settings) or from_fc_context(context) or from_environment(environ)


def default_chain() -> Callable[[], Credentials]:
    """Credentials from ``alibabacloud_credentials``' default chain, asked before every call (it caches and
    refreshes them itself). Its own log lines (a traceback per provider that failed) are silenced: the
    error raised names what every provider said, once."""
    advice = (
        "set PLAYGATE_ACCESS_KEY_ID/PLAYGATE_ACCESS_KEY_SECRET, give the function a role, or set "
        "ALIBABA_CLOUD_ACCESS_KEY_ID/_SECRET"
    )
    try:
        from alibabacloud_credentials.client import Client
    except ImportError:
        raise ConfigError(
            f"No ICE credentials: {advice} (or install alibabacloud-credentials for its default chain)."
        ) from None
    logging.getLogger("credentials").disabled = True
    try:
        client = Client()
    except Exception as exc:
        raise ConfigError(f"No ICE credentials: {advice} ({_redacted(exc)}).") from None

    def current() -> Credentials:
        try:
            found = client.get_credential()
        except Exception as exc:
            raise NoCredentials(
                f"No ICE credentials: {advice}; the default credential chain found none ({_redacted(exc)})."
            ) from None
        creds = _pair(
            found.access_key_id,
            found.access_key_secret,
            found.security_token,
            "default-chain",
            "the default chain's access key id and secret",
        )
        if creds is None:
            raise NoCredentials(f"No ICE credentials: the default chain found none; {advice}.")
        return creds

    return current


def _redacted(exc: BaseException) -> str:
    return redact_text(str(exc))
