"""What each store can do beyond claims is told by the Protocols in store/base.py and store/ledger.py: the
publisher, the robots and the gate check them once (isinstance), so a store that lost a method would lose
the capability silently. Each backend says here what it is."""

from __future__ import annotations

import pytest

from playgate.store import IdempotencyStore, open_store
from playgate.store.base import DeliveryRecord, HeldItems, RateSlots
from playgate.store.ledger import Ledger, VerdictStore

SHARED = (IdempotencyStore, DeliveryRecord, RateSlots, HeldItems)


def test_every_store_records_deliveries_and_shares_a_robot_s_window_and_digest(store: object) -> None:
    assert [p.__name__ for p in SHARED if not isinstance(store, p)] == []


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_sqlite_and_postgresql_keep_verdicts_in_the_transaction_that_completes_a_claim(
    request: pytest.FixtureRequest, tmp_path, kind: str
) -> None:
    url = f"sqlite:///{tmp_path}/s.sqlite3" if kind == "sqlite" else request.getfixturevalue("postgresql_url")
    store = open_store(url)
    try:
        assert isinstance(store, Ledger)
        assert isinstance(store, VerdictStore)
    finally:
        store.close()


def test_a_redis_store_keeps_no_verdicts(redis_url: str) -> None:
    store = open_store(f"{redis_url}?prefix=capabilities:")
    try:
        assert not isinstance(store, Ledger)
        assert not isinstance(store, VerdictStore)
    finally:
        store.close()
