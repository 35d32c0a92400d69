"""What ``status``, ``check`` and ``report`` share: the ledger the settings name, exit codes by outcome."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from playgate.errors import ConfigError
from playgate.settings import Settings
from playgate.store.ledger import Ledger

OUTCOME_EXIT = {"pass": 0, "warn": 0}  # fail, error, dead_letter: 1


@contextmanager
def opened_ledger(settings: Settings) -> Iterator[Ledger]:
    from playgate.store import open_ledger, open_store
    from playgate.store.urls import redact_url

    store = open_store(settings.store)
    ledger = None
    try:
        ledger = open_ledger(settings.ledger, store, retention_days=settings.ledger_retention_days)
        if ledger is None:
            raise ConfigError(
                f"no ledger: PLAYGATE_STORE={redact_url(settings.store)!r} keeps no verdicts by itself "
                "and PLAYGATE_LEDGER is off or unset; set PLAYGATE_LEDGER to the sqlite:/// or "
                "postgresql:// URL the function uses"
            )
        yield ledger
    finally:
        if ledger is not None and ledger is not store:
            ledger.close()
        store.close()
