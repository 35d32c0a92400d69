"""build_snapshot on the three reference responses, both field dialects, junk values and random JSON."""

from __future__ import annotations

import copy
from datetime import datetime, timezone

from hypothesis import given, settings
from hypothesis import strategies as st
from ice_helpers import load_fixture

from playgate.ice.model import MediaSnapshot, build_snapshot


def test_get_media_info_reference_gives_its_exact_values():
    snap = build_snapshot(media_info=load_fixture("GetMediaInfo"))
    assert snap.media_id == "****20b48fb04483915d4f2cd8ac****"
    assert snap.info.status == "Normal"
    assert snap.info.tags == ["Tag", "tag1"]
    assert snap.info.cate_id == 3048
    assert len(snap.info.snapshots) == 3
    assert snap.info.sprite_images[0]["bucket"] == "example-bucket"
    assert snap.info.create_time == datetime(2020, 12, 26, 4, 11, 8, tzinfo=timezone.utc)
    f = snap.files[0]
    assert (f.size_bytes, f.duration_s, f.bitrate_kbps, f.width, f.height) == (
        30611502,
        216.206667,
        1132.68,
        960,
        540,
    )
    v = snap.video_streams[0]
    assert (v.codec_name, v.width, v.height, v.has_b_frames, v.fps, v.avg_fps) == (
        "h264",
        960,
        540,
        2,
        24.0,
        24.0,
    )
    assert (v.bitrate_kbps, v.duration_s, v.start_time_s, v.num_frames, v.nb_frames) == (
        1001.594,
        216.206706,
        0.081706,
        5184,
        5184,
    )
    a = snap.audio_streams[0]
    assert (a.codec_name, a.sample_rate, a.channels, a.bitrate_kbps, a.duration_s) == (
        "aac",
        44100,
        2,
        127.794,
        16.200998,
    )
    assert snap.subtitle_streams[0].codec_name == "srt"
    assert snap.ai_rough_data["AiCategory"] == "Life"
    assert snap.request_ids == ["2FDE2411-DB8D-4A9A-875B-275798F14A5E"]
    assert snap.duration_s == 216.206667
    assert snap.notes == []


def test_get_play_info_reference_gives_its_exact_values():
    snap = build_snapshot(play_info=load_fixture("GetPlayInfo"))
    assert snap.media_id == "2eea77a61c7b4ddd95bec34a6f65b***"
    r = snap.renditions[0]
    assert (r.definition, r.format, r.width, r.height, r.bitrate_kbps, r.fps) == (
        "HD",
        "mp4",
        1024,
        1080,
        20.0,
        25.0,
    )
    assert (r.duration_s, r.size_bytes, r.bit_depth, r.encrypted, r.hdr_type) == (
        9.0464,
        418112,
        8,
        False,
        "HDR",
    )
    assert r.stream_tags == {"ims.audioServiceType": "AudioEnhancement"}
    assert r.modification_time == datetime(2022, 5, 13, 3, 39, 41, 714000, tzinfo=timezone.utc)
    assert snap.info.create_time == datetime(2021, 9, 22, 2, 7, 31, tzinfo=timezone.utc)
    assert snap.info.tags == ["test", "ccc"]


def test_list_media_info_jobs_reference_gives_its_exact_values_and_notes_the_junk_bitrate():
    job = load_fixture("ListMediaInfoJobs")["Jobs"][0]
    snap = build_snapshot(jobs=[job])
    assert snap.media_id == "4765337007f571edbfdf81848c01****"
    v = snap.video_streams[0]
    assert (v.codec_name, v.codec_long_name, v.has_b_frames, v.avg_fps, v.timebase) == (
        "h264",
        "H.264 / AVC / MPEG-4 AVC / MPEG-4 part 10",
        2,
        25.0,
        "1/90000",
    )
    assert (v.start_time_s, v.bitrate_kbps, v.width, v.height) == (1.473556, 888.563, 848, 478)
    a = snap.audio_streams[0]
    assert a.bitrate_kbps is None
    assert [n.raw for n in snap.notes if n.path.endswith("AudioStreamInfoList[0].Bitrate")] == ["0.f"]
    assert snap.files[0].duration_s == 403.039999


_DIALECT = {
    "CodecName": "Codec_name",
    "CodecLongName": "Codec_long_name",
    "CodecTimeBase": "Codec_time_base",
    "CodecTagString": "Codec_tag_string",
    "CodecTag": "Codec_tag",
    "HasBFrames": "Has_b_frames",
    "AvgFPS": "Avg_fps",
    "Timebase": "Time_base",
    "StartTime": "Start_time",
    "Bitrate": "Bit_rate",
}


def test_the_same_stream_in_both_dialects_gives_equal_snapshots():
    body = load_fixture("GetMediaInfo")
    other = copy.deepcopy(body)
    for f in other["MediaInfo"]["FileInfoList"]:
        f["VideoStreamInfoList"] = [
            {_DIALECT.get(k, k): v for k, v in s.items()} for s in f["VideoStreamInfoList"]
        ]
        f["AudioStreamInfoList"] = [
            {_DIALECT.get(k, k): v for k, v in s.items()} for s in f["AudioStreamInfoList"]
        ]
    assert "Codec_name" in other["MediaInfo"]["FileInfoList"][0]["VideoStreamInfoList"][0]
    assert build_snapshot(media_info=other) == build_snapshot(media_info=body)


def test_junk_numbers_become_none_with_a_parse_note():
    body = load_fixture("GetPlayInfo")
    body["PlayInfoList"][0].update({"Duration": "N/A", "Fps": "", "Size": "12.5", "Width": "wide"})
    snap = build_snapshot(play_info=body)
    r = snap.renditions[0]
    assert (r.duration_s, r.fps, r.size_bytes, r.width) == (None, None, None, None)
    noted = {n.path.rsplit(".", 1)[-1] for n in snap.notes}
    assert {"Duration", "Fps", "Size", "Width"} <= noted


_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=12),
    st.sampled_from(["0.f", "N/A", "30000/1001", "1/0", "2024-05-01T00:00:00Z", "[1,2]", '"{}"', "inf"]),
)  # fmt: skip
_json = st.recursive(
    _scalars,
    lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=8), c, max_size=4),
    max_leaves=20,
)
_STREAM_KEYS = "CodecName Codec_name Bitrate Bit_rate Fps Avg_fps Duration Width Height Index HasBFrames"
_stream_keys = st.sampled_from(
    [*_STREAM_KEYS.split(), "StartTime", "SampleRate", "Channels", "Lang", "Rotate"]
)
_stream = st.dictionaries(_stream_keys, _json, max_size=8) | _json
_file = st.fixed_dictionaries(
    {},
    optional={
        "FileBasicInfo": st.dictionaries(
            st.sampled_from(["FileSize", "Duration", "MediaId", "CreateTime"]), _json
        )
        | _json,
        "VideoStreamInfoList": st.lists(_stream, max_size=3) | _json,
        "AudioStreamInfoList": st.lists(_stream, max_size=3) | _json,
    },
)
_media_info = st.fixed_dictionaries(
    {},
    optional={
        "RequestId": _json,
        "MediaInfo": st.fixed_dictionaries(
            {},
            optional={
                "MediaId": _json,
                "MediaBasicInfo": st.dictionaries(
                    st.sampled_from(
                        ["Status", "MediaTags", "UserData", "Snapshots", "SpriteImages", "CreateTime"]
                    ),
                    _json,
                )
                | _json,
                "FileInfoList": st.lists(_file, max_size=3) | _json,
                "AiRoughData": _json,
            },
        )
        | _json,
    },
)
_play_info = st.fixed_dictionaries(
    {},
    optional={
        "MediaBase": st.dictionaries(st.sampled_from(["MediaId", "Status", "CreationTime", "CateId"]), _json)
        | _json,
        "PlayInfoList": st.lists(
            st.dictionaries(
                st.sampled_from(["Width", "Bitrate", "Encrypt", "StreamTags", "Duration", "Size"]), _json
            )
            | _json,
            max_size=3,
        )
        | _json,
    },
)


_job = st.fixed_dictionaries({}, optional={"MediaInfoProperty": _file | _json, "Input": _json})


@settings(max_examples=150, deadline=None)
@given(media_info=_media_info | _json, play_info=_play_info | _json, jobs=st.lists(_json | _job, max_size=2))
def test_response_shaped_json_never_makes_build_snapshot_raise(media_info, play_info, jobs):
    snap = build_snapshot(media_info=media_info, play_info=play_info, jobs=jobs)
    assert snap.model_dump(mode="json") is not None


def _validated_again(snap):
    """The snapshot as pydantic's validators would have built it from the same typed values."""
    return MediaSnapshot.model_validate(snap.model_dump(), strict=True)


@settings(max_examples=300, deadline=None)
@given(media_info=_media_info | _json, play_info=_play_info | _json, jobs=st.lists(_json | _job, max_size=2))
def test_building_without_validation_gives_what_validation_gives(media_info, play_info, jobs):
    """build_snapshot skips pydantic's validation (its parsers typed every value already): the result is
    exactly what strict validation of the same values gives, on any response-shaped JSON."""
    snap = build_snapshot(media_info=media_info, play_info=play_info, jobs=jobs)
    assert _validated_again(snap) == snap


def test_building_without_validation_equals_validation_on_the_reference_responses():
    answers = {"media_info": load_fixture("GetMediaInfo"), "play_info": load_fixture("GetPlayInfo")}
    snap = build_snapshot(**answers, jobs=load_fixture("ListMediaInfoJobs")["Jobs"])
    assert snap.renditions and snap.video_streams and snap.job is not None
    assert _validated_again(snap) == snap


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.text(max_size=12), st.from_regex(r"\s*-?[0-9_.eE+/]{1,10}\s*", fullmatch=True), _scalars))
def test_the_fast_path_for_numbers_in_text_reads_them_as_the_full_parser_does(raw):
    from playgate.ice.values import _parse_float, parse_float

    assert parse_float(raw) == _parse_float(raw)


def test_an_integer_beyond_any_float_is_a_note_not_an_exception():
    snap = build_snapshot(play_info={"PlayInfoList": [{"Width": 10**400, "Bitrate": -(10**309)}]})
    assert snap.renditions[0].width is None and snap.renditions[0].bitrate_kbps is None
    assert sorted(n.path for n in snap.notes) == ["PlayInfoList[0].Bitrate", "PlayInfoList[0].Width"]
    assert all("not a finite number" in n.problem for n in snap.notes)
