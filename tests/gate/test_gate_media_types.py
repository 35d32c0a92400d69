"""Media that are not audio/video, through the FC handler with the emulator: judged by their own rules."""

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
