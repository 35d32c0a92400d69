"""Store URLs: showing ``PLAYGATE_STORE`` without its password."""

from __future__ import annotations

import re

from playgate.log import REDACTED, redact_text

ACCEPTED_FORMS = (
    "sqlite:///relative/path.sqlite3, sqlite:////absolute/path.sqlite3, "
    "redis://[[user]:password@]host[:port][/db][?prefix=…], rediss://… (TLS) "
    "or postgresql://user[:password]@host[:port]/database[?sslmode=…]"
)
# Up to the last '@', so a password with an unencoded '@' or '/' is still hidden (over-hiding is harmless).
_USERINFO = re.compile(r"(?is)^([a-z][a-z0-9+.\-]*://)(.*)@")
_SECRET_PARAM = re.compile(r"(?i)([?&][^=&#]*(?:pass|secret|token|key|auth)[^=&#]*=)[^&#]*")


def redact_url(url: str) -> str:
    """The URL with the password of its user info and any secret-looking query value replaced by ``***``."""

    def userinfo(match: re.Match[str]) -> str:
        user, colon, _password = match.group(2).partition(":")
        return f"{match.group(1)}{user}:{REDACTED}@" if colon else f"{match.group(1)}{REDACTED}@"

    url = _USERINFO.sub(userinfo, url)
    url = _SECRET_PARAM.sub(lambda m: m.group(1) + REDACTED, url)
    return redact_text(url)
