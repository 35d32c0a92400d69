"""Through the FC handler with the emulator: media that are not audio/video are judged by their own rules;
ICE unavailable (503) is retried. (ICE refusing the function's credentials or role: see
test_gate_misconfigured_function.py.)"""

from __future__ import annotations

from playgate.testing.sample_events import callback


def test_a_registered_image_passes_with_the_image_rules_and_no_duration_rule(world):
    world.send(callback("RegisterMediaComplete", "job-image-1", "media-image"))

    assert world.messages("alerts") == []
    [message] = world.messages("playback")
    assert message["type"] == "playgate.qc.passed"  # an image has no renditions to play
    data = message["data"]
    assert data["media_id"] == "media-image" and data["qc"]["outcome"] == "pass"
    assert data["file_url"].startswith("https://example-bucket.")


def test_an_audio_only_media_still_passes_without_video_checks(world):
    world.send(callback("RegisterMediaComplete", "job-audio-1", "media-audio-only"))

    assert world.messages("alerts") == []
    assert [m["subject"] for m in world.messages("playback")] == ["media-audio-only"]


def test_ice_answering_503_is_retried_and_then_published_once(world):
    world.emulator.inject("503", next_n=2, actions=["GetMediaInfo"])
    summary = world.send(callback("RegisterMediaComplete", "job-503-ice", "media-image"))

    assert "retry" not in summary and summary["results"][0]["status"] == "published"
    assert len(world.emulator.calls_to("GetMediaInfo")) == 3
    assert [m["subject"] for m in world.messages("playback")] == ["media-image"]
