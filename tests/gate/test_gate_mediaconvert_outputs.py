"""MediaConvert: each output media is gated exactly once, whichever event brings it.

Bodies follow ICE's MediaConvertOutputDetail (Name, Status, Result.OutputFile {Type Media|OSS, Media,
Url}); a job lists them in OutputDetails and OutputGroupDetails[].Outputs.
"""

from __future__ import annotations

import json

from playgate.testing.sample_events import mns_cloudevent

JOB = "job-convert-fan-1"
OUT_HD = {
    "Name": "1080p-hls",
    "Status": "Success",
    "Result": {
        "OutputFile": {"Type": "Media", "Media": "media-ladder-ok", "Url": "oss://bucket/out/hd.m3u8"}
    },
}
OUT_AUDIO = {
    "Name": "audio-m4a",
    "Status": "Success",
    "Result": {"OutputFile": {"Type": "Media", "Media": "media-audio-only", "Url": "oss://bucket/out/a.m4a"}},
}
OUT_OSS = {
    "Name": "mp4-to-oss",
    "Status": "Success",
    "Result": {"OutputFile": {"Type": "OSS", "Media": "oss://bucket/out/preview.mp4"}},
}


def envelope(event_type: str, body: dict) -> dict:
    return {"EventType": event_type, "UserId": 1833220977560000, "EventTime": "2024-05-01T08:48:14Z",
            "MessageBody": body}  # fmt: skip


def output_event(output: dict) -> dict:
    return envelope("MediaConvertOutputComplete", {"JobId": JOB, **output})


def job_event(*, status: str = "Success", **extra) -> dict:
    body = {
        "JobId": JOB,
        "Status": status,
        "OutputGroupDetails": [{"Name": "hls-group", "Status": "Success", "Outputs": [OUT_HD, OUT_AUDIO]}],
        "OutputDetails": [OUT_OSS],
        **extra,
    }
    return envelope("MediaConvertComplete", body)


def published_media(world) -> list[str]:
    return sorted(m["subject"] for m in world.messages("playback") + world.messages("alerts"))


def test_the_job_event_after_an_output_event_gates_the_other_outputs(world):
    first = world.send(output_event(OUT_HD))
    second = world.send(job_event())

    assert first["results"][0]["status"] == "published"
    [result] = second["results"]
    assert result["status"] == "published"
    assert {o["media_id"]: o["status"] for o in result["outputs"]} == {
        "media-ladder-ok": "duplicate",
        "media-audio-only": "published",
    }
    assert published_media(world) == ["media-audio-only", "media-ladder-ok"]  # each exactly once
    assert world.messages("alerts") == []


def test_an_output_event_after_the_job_event_is_a_duplicate(world):
    world.send(job_event())
    again = world.send(output_event(OUT_AUDIO))

    assert again["results"][0]["status"] == "duplicate"
    assert published_media(world) == ["media-audio-only", "media-ladder-ok"]


def test_a_job_event_without_a_media_id_fans_out_instead_of_alerting_media_not_found(world):
    summary = world.send(mns_cloudevent(json.dumps(job_event()), "m-fan"))

    assert "retry" not in summary
    assert all(m["data"].get("reason") != "media_not_found" for m in world.messages("alerts"))
    assert {m["data"]["job_id"] for m in world.messages("playback")} == {JOB}


def test_an_oss_output_is_skipped_with_a_reason_counted_in_the_result(world):
    [result] = world.send(job_event())["results"]

    [skipped] = result["skipped_outputs"]
    assert skipped["output"] == "mp4-to-oss"
    assert "OSS output" in skipped["reason"]
    assert len(result["outputs"]) == 2


def test_an_event_whose_only_output_is_oss_publishes_nothing_and_says_why(world):
    [result] = world.send(output_event(OUT_OSS))["results"]

    assert result["status"] == "skipped" and result["outputs"] == []
    assert "media asset" in result["reason"]
    assert world.messages("playback") == world.messages("alerts") == []


def test_a_failed_output_alerts_job_failed_for_its_media_and_the_others_are_checked(world):
    code = "InvalidParameter.ResourceContentBad"
    failed = {**OUT_AUDIO, "Status": "Failed", "Code": code, "Message": "bad"}
    body = job_event()["MessageBody"]
    body["OutputGroupDetails"][0]["Outputs"] = [OUT_HD, failed]
    world.send(envelope("MediaConvertComplete", body))

    [alert] = world.messages("alerts")
    assert (alert["subject"], alert["data"]["reason"]) == ("media-audio-only", "job_failed")
    assert alert["data"]["error"]["code"] == code
    assert [m["subject"] for m in world.messages("playback")] == ["media-ladder-ok"]


def test_a_failed_job_alerts_once_for_the_job(world):
    world.send(job_event(status="Fail", ErrorCode="InternalError", ErrorMessage="boom"))

    [alert] = world.messages("alerts")
    assert alert["data"]["reason"] == "job_failed" and alert["data"]["job_id"] == JOB
    assert world.messages("playback") == []


def test_a_retried_job_event_does_not_publish_the_completed_outputs_again(world):
    world.emulator.inject("5xx", rate=1.0, actions=["GetMediaInfo"])
    world.send(output_event(OUT_HD))  # ICE is down: retried
    world.emulator.clear_faults()
    assert world.send(output_event(OUT_HD))["results"][0]["status"] == "published"
    world.send(job_event())
    world.send(job_event())

    assert published_media(world) == ["media-audio-only", "media-ladder-ok"]
