"""Which events the gate checks: the configured types (Settings.checked_types), and reconciled jobs."""

from __future__ import annotations

import pytest

from playgate.events import IceEvent, MalformedItem, decode, should_check
from playgate.settings import Settings


@pytest.fixture
def checked() -> frozenset[str]:
    return Settings().checked_types


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("raw_media_convert_complete", True),
        ("raw_file_upload_complete", True),
        ("raw_produce_media_failed", True),
        ("raw_transcode_complete", True),
        ("raw_batch_produce_finished", False),  # not in the default list
        ("raw_snapshot_complete", False),
    ],
)
def test_default_checked_types(fixture_bytes, checked, name, expected):
    (event,) = decode(fixture_bytes(name))
    assert should_check(event, checked) is expected


def test_configured_types_replace_the_defaults(fixture_bytes, monkeypatch):
    monkeypatch.setenv("PLAYGATE_CHECKED_EVENT_TYPES", " SnapshotComplete , BatchProduceMediaComplete")
    checked = Settings().checked_types
    (snapshot,) = decode(fixture_bytes("raw_snapshot_complete"))
    (convert,) = decode(fixture_bytes("raw_media_convert_complete"))
    assert should_check(snapshot, checked) and not should_check(convert, checked)


def test_malformed_items_are_never_checked(fixture_bytes, checked):
    (bad,) = decode(fixture_bytes("vod_flat_callback"))
    assert isinstance(bad, MalformedItem)
    assert should_check(bad, checked) is False


def test_reconciled_media_info_jobs_are_always_checked(media_info_jobs):
    job = dict(media_info_jobs[0], Status="Success")
    event = IceEvent.from_media_info_job(job)
    assert should_check(event, frozenset()) is True
