"""A ListMediaInfoJobs job becomes the event a callback would have been (for the reconciler)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from playgate.errors import MalformedEvent
from playgate.events import MEDIA_INFO_EVENT_TYPE, IceEvent


@pytest.fixture
def job(media_info_jobs) -> dict:
    return dict(media_info_jobs[0], Status="Success")


def test_successful_oss_job_takes_the_media_id_from_the_result(job):
    event = IceEvent.from_media_info_job(job)
    assert event.event_type == MEDIA_INFO_EVENT_TYPE == "MediaInfoJobComplete"
    assert event.job_id == "ab4802364a2e49208c99efab82df****"
    assert event.media_id == "4765337007f571edbfdf81848c01****"  # FileBasicInfo.MediaId
    assert event.status == "success" and event.status_raw == "Success"
    assert event.user_data == "user-data"
    assert event.event_time == datetime(2022, 1, 12, 8, 49, 41, tzinfo=timezone.utc)
    assert event.delivery_source == "reconcile"
    assert event.message_body["MediaInfoProperty"]["FileBasicInfo"]["FileName"] == "file.m3u8"
    assert (
        event.idempotency_key == "mediainfo:ab4802364a2e49208c99efab82df****:4765337007f571edbfdf81848c01****"
    )


def test_media_input_job_takes_the_input_media_id(job):
    job["Input"] = {"Type": "Media", "Media": "0a1b2c3d4e5f71ed80b1e7e6d6a1****"}
    assert IceEvent.from_media_info_job(job).media_id == "0a1b2c3d4e5f71ed80b1e7e6d6a1****"


def test_oss_job_without_a_media_id_has_none(job):
    del job["MediaInfoProperty"]
    event = IceEvent.from_media_info_job(job)
    assert event.media_id is None
    assert event.idempotency_key == "mediainfo:ab4802364a2e49208c99efab82df****:-"


def test_failed_job_carries_its_error(job):
    job.update(Status="Fail", ErrorCode="InvalidParameter.File", ErrorMessage="The input file cannot be read")
    event = IceEvent.from_media_info_job(job)
    assert event.status == "failure"
    assert (event.error_code, event.error_message) == (
        "InvalidParameter.File",
        "The input file cannot be read",
    )


def test_json_user_data_is_parsed(job):
    job["UserData"] = '{"profile": "audio-only"}'
    assert IceEvent.from_media_info_job(job).user_data == {"profile": "audio-only"}


def test_event_time_falls_back_to_the_submit_time(job):
    del job["FinishTime"]
    job["SubmitTime"] = "2022-01-12T08:40:00Z"
    assert IceEvent.from_media_info_job(job).event_time == datetime(2022, 1, 12, 8, 40, tzinfo=timezone.utc)


@pytest.mark.parametrize("status", ["Init", "Processing", None])
def test_unfinished_job_is_refused(job, status):
    job["Status"] = status
    with pytest.raises(MalformedEvent, match="only finished jobs"):
        IceEvent.from_media_info_job(job)


def test_job_without_any_time_is_refused(job):
    del job["FinishTime"], job["SubmitTime"]
    with pytest.raises(MalformedEvent, match="neither a FinishTime nor a SubmitTime"):
        IceEvent.from_media_info_job(job)


def test_reconciled_event_and_its_raw_callback_agree(job):
    from playgate.events import decode

    event = IceEvent.from_media_info_job(job)
    (again,) = decode(event.raw_callback())
    assert again.idempotency_key == event.idempotency_key
