"""Nothing ICE sends is dropped silently: unknown keys land in ``extra`` and rules can name them, colour
fields and bit depth are first-class, and a media-information job's own fields are reachable."""

from __future__ import annotations

import json

from playgate.ice.model import build_snapshot
from playgate.rules import compile_text, load_rules
from playgate.testing import sample_catalog_path

IMAGE = json.loads((sample_catalog_path() / "media-image.media.json").read_text(encoding="utf-8"))


def stream_media(stream: dict) -> dict:
    return {
        "MediaInfo": {
            "MediaBasicInfo": {"MediaId": "m-1", "MediaType": "video", "Status": "Normal"},
            "FileInfoList": [{"FileBasicInfo": {"FileName": "a.mp4"}, "VideoStreamInfoList": [stream]}],
        }
    }


def run_rule(snapshot, check: str, **expect) -> list[tuple[str, object]]:
    body = {"id": "r", "check": check, **expect}
    book = compile_text(json.dumps({"version": 1, "profiles": {"default": {"rules": [body]}}}))
    return [(f.outcome, f.actual) for f in book.evaluate(snapshot).findings]


def test_media_info_level_keys_that_playgate_does_not_model_are_kept_in_extra():
    snap = build_snapshot(IMAGE)
    assert snap.info.extra["EntityId"] == "entity-0001"
    assert snap.info.extra["MediaDynamicInfo"]["DynamicMetaData"]["Type"] == "system"
    assert "RequestId" not in snap.info.extra and "FileInfoList" not in snap.info.extra
    assert run_rule(snap, "media.extra.entityid", eq="entity-0001") == [("pass", "entity-0001")]
    assert run_rule(snap, "media.extra.MediaDynamicInfo.DynamicMetaData.Type", eq="system")[0][0] == "pass"


def test_colour_fields_and_bit_depth_are_first_class_in_either_dialect():
    pq = "smpte2084"
    camel = {"ColorSpace": "bt2020nc", "ColorPrimaries": "bt2020", "ColorTransfer": pq, "BitDepth": "10"}
    under = {"Color_space": "bt2020nc", "Color_primaries": "bt2020", "Color_transfer": pq, "Bit_depth": 10}
    for snap in (build_snapshot(stream_media(camel)), build_snapshot(stream_media(under))):
        [video] = snap.video_streams
        assert (video.color_space, video.color_primaries, video.color_transfer, video.bit_depth) == (
            "bt2020nc",
            "bt2020",
            "smpte2084",
            10,
        )
        assert video.extra == {}
        assert run_rule(snap, "video[*].color_transfer", eq="smpte2084")[0][0] == "pass"
        assert run_rule(snap, "video[*].bit_depth", ge=10)[0][0] == "pass"


def test_extra_key_in_a_rule_finds_the_key_whatever_its_case_or_dialect():
    snap = build_snapshot(stream_media({"Color_transfer": "arib-std-b67", "Color_matrix": "bt2020nc"}))
    # a key playgate models is read from its field; one it does not is looked up loosely in extra
    assert run_rule(snap, "video[*].extra.ColorTransfer", eq="arib-std-b67")[0][0] == "pass"
    assert run_rule(snap, "video[*].extra.color_transfer", eq="arib-std-b67")[0][0] == "pass"
    assert run_rule(snap, "video[*].extra.ColorMatrix", eq="bt2020nc")[0][0] == "pass"
    assert run_rule(snap, "video[*].extra.ColorMatrix", eq="bt709")[0][0] == "fail"


def test_a_media_information_jobs_own_fields_are_reachable_from_rules():
    job = {
        "JobId": "job-42",
        "Name": "nightly-probe",
        "Status": "Success",
        "TriggerSource": "API",
        "SubmitTime": "2024-05-01T00:30:09Z",
        "Async": True,
        "Input": {"Type": "OSS", "Media": "oss://bucket/a.mp4"},
        "MediaInfoProperty": {"FileBasicInfo": {"FileName": "a.mp4", "Duration": "10.0"}},
    }
    snap = build_snapshot(jobs=[job])
    assert (snap.job.job_id, snap.job.name, snap.job.status) == ("job-42", "nightly-probe", "Success")
    assert snap.job.extra == {"Async": True}
    assert run_rule(snap, "job.job_id", eq="job-42")[0][0] == "pass"
    assert run_rule(snap, "job.name", starts_with="nightly")[0][0] == "pass"
    assert run_rule(snap, "job.status", eq="Fail")[0] == ("fail", "Success")
    assert run_rule(snap, "job.extra.async", eq=True)[0][0] == "pass"
    assert build_snapshot(IMAGE).job is None


def test_an_image_is_judged_by_the_image_rules_and_not_by_duration_or_stream_rules():
    report = load_rules(None).evaluate(build_snapshot(IMAGE), event_type="FileUploadComplete")
    got = {f.rule: f.outcome for f in report.findings}
    assert report.outcome == "pass", report.failures
    assert got["media-duration-positive"] == got["media-has-streams"] == "not_applicable"
    assert got["renditions-produced"] == got["video-frame-rate-known"] == "not_applicable"
    assert got["image-format-known"] == got["image-width-plausible"] == "pass"


def test_an_image_without_a_format_fails_the_image_rule():
    broken = json.loads(json.dumps(IMAGE))
    del broken["MediaInfo"]["FileInfoList"][0]["FileBasicInfo"]["FormatName"]
    report = load_rules(None).evaluate(build_snapshot(broken))
    assert [f.rule for f in report.failures] == ["image-format-known"]


def test_a_job_on_a_png_with_no_media_type_is_recognised_as_an_image():
    job = {
        "JobId": "job-png",
        "Status": "Success",
        "Input": {"Type": "OSS", "Media": "oss://bucket/poster.png"},
        "MediaInfoProperty": {"FileBasicInfo": {"FileName": "poster.png", "FormatName": "png_pipe"}},
    }
    report = load_rules(None).evaluate(build_snapshot(jobs=[job]))
    assert report.outcome == "pass", report.failures
    assert {f.rule: f.outcome for f in report.findings}["media-duration-positive"] == "not_applicable"


def test_a_video_without_duration_still_fails_and_audio_only_keeps_its_audio_checks():
    video = build_snapshot(stream_media({"CodecName": "h264", "Width": "1280", "Height": "720", "Fps": "25"}))
    assert "media-duration-positive" in [f.rule for f in load_rules(None).evaluate(video).failures]
    audio = json.loads((sample_catalog_path() / "media-audio-only.media.json").read_text(encoding="utf-8"))
    got = {f.rule: f.outcome for f in load_rules(None).evaluate(build_snapshot(audio)).findings}
    assert got["audio-media-has-audio-stream"] == got["media-duration-positive"] == "pass"
    assert got["video-codec-known"] == got["image-format-known"] == "not_applicable"


def test_sdr_plus_is_sdr_for_the_hls_hdr_rule():
    book = load_rules(None)
    media = json.loads((sample_catalog_path() / "media-ladder-ok.media.json").read_text(encoding="utf-8"))
    play = json.loads((sample_catalog_path() / "media-ladder-ok.play.json").read_text(encoding="utf-8"))
    sdr = "not_applicable"  # the rule judges HDR renditions only
    for hdr, outcome in (("SDR+", sdr), ("sdr+", sdr), ("SDR", sdr), ("HLG", "pass"), ("HDRVivid", "fail")):
        for rendition in play["PlayInfoList"]:
            rendition["HDRType"] = hdr
        report = book.evaluate(build_snapshot(media, play), user_data={"qcProfile": "hls-ladder"})
        assert report.profile == "hls-ladder"
        assert {f.rule: f.outcome for f in report.findings}["hls-hdr-format"] == outcome, hdr
