"""The ledger: every verdict kept beside the claims, on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from playgate.store import ClaimLost, open_store
from playgate.store.ledger import Ledger, Verdict

REPORT = {"findings": [{"rule": "min-height", "actual": 360, "expected": ">= 720", "subject": "ld"}]}


@pytest.fixture(params=["sqlite", "postgresql"])
def ledger_store(request: pytest.FixtureRequest, tmp_path: Path):
    url = (
        f"sqlite:///{tmp_path}/store.sqlite3"
        if request.param == "sqlite"
        else request.getfixturevalue("postgresql_url")
    )
    store = open_store(url)
    yield store
    store.close()


def verdict(
    key: str, media: str, job: str, outcome: str = "fail", at: float | None = None, **more
) -> Verdict:
    return Verdict(
        key=key,
        outcome=outcome,
        decided_at=time.time() if at is None else at,
        media_id=media,
        job_id=job,
        event_type="TranscodeComplete",
        event_time=(time.time() if at is None else at) - 2.5,
        profile="vod-hls",
        reason="qc_failed" if outcome == "fail" else None,
        message_type="playgate.qc.alert" if outcome == "fail" else "playgate.playback.ready",
        message_id=f"id-{key}",
        failing_rules=("min-height",) if outcome == "fail" else (),
        report=REPORT if outcome == "fail" else {},
        **more,
    )


def test_a_store_with_claims_in_a_database_is_a_ledger(ledger_store):
    assert isinstance(ledger_store, Ledger)


def test_completing_a_claim_with_its_verdict_records_both(ledger_store):
    claim = ledger_store.claim("transcode:j1:m1", in_progress_ttl_s=60)
    kept = verdict("transcode:j1:m1", "m1", "j1")
    ledger_store.complete("transcode:j1:m1", claim.token, {"status": "published"}, ttl_s=60, verdict=kept)
    assert ledger_store.get("transcode:j1:m1").outcome == {"status": "published"}
    assert ledger_store.verdict_history("m1") == [kept]
    assert ledger_store.verdict_history("j1") == [kept]


def test_a_completion_refused_as_claim_lost_records_no_verdict(ledger_store):
    ledger_store.claim("k", in_progress_ttl_s=60)
    with pytest.raises(ClaimLost):
        ledger_store.complete("k", "not-the-token", {"x": 1}, ttl_s=60, verdict=verdict("k", "m1", "j1"))
    assert ledger_store.verdict_history("m1") == []


def test_history_is_newest_first_with_rechecks_and_other_media_apart(ledger_store):
    first = verdict("k1", "m1", "j1", "fail", at=1000.0)
    again = verdict("k1", "m1", "j2", "pass", at=2000.0, recheck=True)
    other = verdict("k2", "m2", "j3", "pass", at=1500.0)
    for v in (first, other, again):
        ledger_store.record_verdict(v)
    assert ledger_store.verdict_history("m1") == [again, first]
    assert ledger_store.verdict_history("m1", limit=1) == [again]
    assert ledger_store.verdict_history("j3") == [other]
    assert ledger_store.verdict_history("nothing") == []


def test_summaries_cover_a_period_and_a_profile(ledger_store):
    for i, at in enumerate((1000.0, 2000.0, 3000.0)):
        ledger_store.record_verdict(verdict(f"k{i}", f"m{i}", f"j{i}", at=at))
    ledger_store.record_verdict(Verdict(key="k9", outcome="pass", decided_at=2500.0, profile="other"))
    rows = ledger_store.verdict_summaries(1500.0, 3000.0)
    assert [(r[0], r[2], r[3], r[5]) for r in rows] == [
        (2000.0, "vod-hls", "fail", "min-height"),
        (2500.0, "other", "pass", ""),
    ]
    assert [r[0] for r in ledger_store.verdict_summaries(0.0, 4000.0, profile="vod-hls")] == [
        1000,
        2000,
        3000,
    ]


def test_old_verdicts_are_purged(ledger_store):
    ledger_store.record_verdict(verdict("old", "m-old", "j-old", at=1000.0))
    ledger_store.record_verdict(verdict("new", "m-new", "j-new"))
    assert ledger_store.purge_verdicts(time.time() - 3600) == 1
    assert ledger_store.verdict_history("m-old") == []
    assert len(ledger_store.verdict_history("m-new")) == 1
