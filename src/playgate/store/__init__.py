"""Idempotency stores: the interface (:mod:`.base`) and its backends, chosen by URL.

``open_store(url)`` imports only the backend the URL names, so the FC hot path never imports redis unless
``PLAYGATE_STORE`` asks for it.
"""

from __future__ import annotations

from pathlib import Path

from playgate.errors import ConfigError
from playgate.store.base import Claim, ClaimLost, ClaimStatus, IdempotencyStore, in_progress_ttl, wait_for
from playgate.store.ledger import Ledger
from playgate.store.urls import ACCEPTED_FORMS, redact_url

__all__ = [
    "Claim",
    "ClaimLost",
    "ClaimStatus",
    "IdempotencyStore",
    "Ledger",
    "in_progress_ttl",
    "open_ledger",
    "open_store",
    "wait_for",
]


def open_store(url: str) -> IdempotencyStore:
    """``sqlite:///relative/path``, ``sqlite:////abs/path``, ``redis://…``, ``rediss://…`` or
    ``postgresql://…``."""
    scheme, sep, rest = (url or "").strip().partition("://")
    scheme = scheme.lower()
    if sep and scheme == "sqlite":
        return _open_sqlite(url, rest)
    if sep and scheme in ("redis", "rediss"):
        return _open_redis(url)
    if sep and scheme in ("postgresql", "postgres"):
        return _open_postgresql(url)
    raise _bad(url, "is not a store URL playgate knows")


def open_ledger(setting: str | None, store: IdempotencyStore, *, retention_days: float = 90) -> Ledger | None:
    """``PLAYGATE_LEDGER``: unset → the store itself when it can keep verdicts; ``off``; or a URL."""
    value = (setting or "").strip()
    if value.lower() == "off":
        return None
    ledger = open_store(value) if value else store
    if not isinstance(ledger, Ledger):
        if value:
            raise ConfigError(
                f"PLAYGATE_LEDGER={redact_url(value)!r} cannot keep verdicts: give a sqlite:/// or "
                "postgresql:// URL, or off."
            )
        return None
    ledger.verdict_retention_s = retention_days * 86400.0
    return ledger


def _open_sqlite(url: str, rest: str) -> IdempotencyStore:
    from playgate.store.sqlite import SqliteStore

    host, slash, path = rest.partition("/")
    if "?" in path:
        raise _bad(url, "takes no options: a SQLite URL is sqlite:/// and a file path")
    if host or not slash or not path:
        raise _bad(url, "is not a SQLite URL: it needs three slashes and a path, no host")
    return SqliteStore(path if path == ":memory:" else Path(path))


def _open_redis(url: str) -> IdempotencyStore:
    try:
        from playgate.store.redis import RedisStore
    except ImportError as error:
        raise ConfigError(
            f"PLAYGATE_STORE={redact_url(url)!r} needs the redis client ({error}); "
            "install it with: pip install 'playgate[redis]'"
        ) from error
    try:
        return RedisStore(url)
    except ValueError as error:  # redis-py's URL parser: bad port, db, option
        raise _bad(url, f"is not a valid Redis URL ({redact_url(str(error))})") from error


def _open_postgresql(url: str) -> IdempotencyStore:
    try:
        from playgate.store.postgresql import PostgresStore
    except ImportError as error:
        raise ConfigError(
            f"PLAYGATE_STORE={redact_url(url)!r} needs the PostgreSQL client ({error}); "
            "install it with: pip install 'playgate[postgresql]'"
        ) from error
    return PostgresStore(url)


def _bad(url: str, problem: str) -> ConfigError:
    return ConfigError(
        f"PLAYGATE_STORE={redact_url(url or '')!r} {problem}. Accepted forms: {ACCEPTED_FORMS}."
    )
